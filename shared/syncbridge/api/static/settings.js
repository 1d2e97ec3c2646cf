"use strict";
(async function () {
  const el = (id) => document.getElementById(id);
  const h = SB.el;
  const SCOPES = { "events:write": "send change events", "scans:read": "read unit scans", "pest:read": "read pest control",
    "pest:write": "operate pest control", "setup:read": "see the setup", "setup:write": "review the setup" };
  let me;
  try { me = await SB.session(); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
  el("you-tenant").textContent = me.tenant_id;
  el("you-user").textContent = me.subject || me.client_id;
  el("you-role").textContent = me.role;
  el("you-scopes").textContent = me.scopes.join(", ");
  el("admin-only").hidden = SB.may("POST /oauth/users");

  function issued(target, title, rows) {
    target.replaceChildren(h("div", { class: "secret", role: "status" },
      h("p", {}, h("strong", {}, title), " — copy it now, it is shown only once."),
      h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono" }, v)]))));
  }

  const userForm = el("user-form");
  if (userForm) userForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    SB.showAlert(el("alert"), "");
    try {
      const r = await SB.api("POST", "/oauth/users", { username: el("user-name").value.trim(), role: el("user-role").value });
      issued(el("user-issued"), "Sign-in for " + r.username, [["Organisation", r.tenant_id], ["User name", r.username], ["Role", r.role], ["Password", r.password]]);
      userForm.reset();
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  });

  const scopeBox = el("client-scopes");
  if (scopeBox) for (const [scope, label] of Object.entries(SCOPES)) {
    const id = "scope-" + scope.replace(":", "-");
    scopeBox.append(h("span", {}, h("input", { type: "checkbox", id, value: scope, checked: scope.endsWith(":read") }), " ", h("label", { for: id }, label + " (" + scope + ")")));
  }
  const clientForm = el("client-form");
  if (clientForm) clientForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    SB.showAlert(el("alert"), "");
    const scope = Array.from(scopeBox.querySelectorAll("input:checked")).map((i) => i.value).join(" ");
    try {
      const r = await SB.api("POST", "/oauth/clients", { name: el("client-name").value.trim(), scope, roles: [el("client-role").value] });
      issued(el("client-issued"), "Client " + r.name, [["Client id", r.client_id], ["Client secret", r.client_secret || "(public client)"], ["Scopes", r.scope]]);
      clientForm.reset();
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  });

  const SYSTEM_NAMES = { odoo: "Odoo", microshare: "Microshare", resterp: "REST ERP" };
  async function loadCredentials() {
    const table = el("creds-table");
    if (!table) return;
    try {
      const r = await SB.api("GET", "/admin/credentials");
      table.querySelector("tbody").replaceChildren(...r.systems.map((c) => h("tr", {},
        h("th", { scope: "row" }, SYSTEM_NAMES[c.system] || c.system),
        h("td", {}, h("span", { class: "pill " + (c.configured ? "ok" : "warn") }, c.configured ? "configured" : "not configured")),
        h("td", {}, SB.when(c.updated_at)))));
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  }
  const credsForm = el("creds-form");
  if (credsForm) {
    const system = el("creds-system");
    const showFields = () => {
      for (const group of credsForm.querySelectorAll("[data-for]")) group.hidden = !group.dataset.for.split(" ").includes(system.value);
    };
    system.addEventListener("change", showFields);
    showFields();
    credsForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      SB.showAlert(el("alert"), "");
      const value = (id) => el(id).value.trim() || undefined;
      const body = system.value === "microshare"
        ? { username: value("creds-username"), password: value("creds-password"), client_id: value("creds-client-id"),
            api_url: value("creds-api-url"), auth_url: value("creds-auth-url") }
        : { base_url: value("creds-base-url"), database: value("creds-database"), login: value("creds-login"), api_key: value("creds-api-key") };
      try {
        await SB.api("PUT", "/admin/credentials/" + system.value, body);
        el("creds-result").textContent = (SYSTEM_NAMES[system.value] || system.value) + " credentials saved.";
        credsForm.reset();
        showFields();
        await loadCredentials();
      } catch (e) {
        const fields = e.body && e.body.error && e.body.error.fields;
        SB.showAlert(el("alert"), e.message + (fields ? ": " + fields.map((f) => f.field).join(", ") : ""));
      }
    });
  }
  loadCredentials();
})();
