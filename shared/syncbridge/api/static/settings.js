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

  const ROLES = ["viewer", "operator", "admin"];
  const since = (seconds) => SB.when(new Date(seconds * 1000).toISOString());

  async function loadPeople() {
    const table = el("people-table");
    if (!table) return;
    let r;
    try { r = await SB.api("GET", "/oauth/users"); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
    table.querySelector("tbody").replaceChildren(...r.items.map((p) => {
      const actions = h("td", {});
      if (p.you) actions.append(h("span", { class: "muted" }, "you"));
      if (!p.you && SB.may("PUT /oauth/users/{username}")) {
        const select = h("select", { id: "role-" + p.username, "aria-label": "Role of " + p.username },
          ROLES.map((role) => h("option", { value: role, selected: role === p.role }, role)));
        actions.append(select, " ", h("button", { type: "button", class: "change-role",
          "aria-label": "Change the role of " + p.username,
          onclick: () => changeRole(p.username, select.value) }, "Change role"));
      }
      if (!p.you && SB.may("DELETE /oauth/users/{username}")) {
        actions.append(" ", h("button", { type: "button", class: "danger remove-person",
          "aria-label": "Remove " + p.username, onclick: () => removePerson(p.username) }, "Remove"));
      }
      return h("tr", { "data-username": p.username },
        h("th", { scope: "row" }, p.username),
        h("td", {}, h("span", { class: "role" }, p.role)),
        h("td", {}, since(p.created_at) + (p.created_by ? " by " + p.created_by : "")),
        actions);
    }));
  }

  async function changeRole(username, role) {
    SB.showAlert(el("alert"), "");
    try {
      await SB.api("PUT", "/oauth/users/" + encodeURIComponent(username), { role });
      await loadPeople();
      el("people-result").textContent = username + " is now " + role + "; their open sessions have ended.";
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  }

  async function removePerson(username) {
    if (!window.confirm("Remove " + username + "? They can no longer sign in.")) return;
    SB.showAlert(el("alert"), "");
    try {
      await SB.api("DELETE", "/oauth/users/" + encodeURIComponent(username));
      await loadPeople();
      el("people-result").textContent = username + " was removed.";
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  }

  async function loadClients() {
    const table = el("clients-table");
    if (!table) return;
    let r;
    try { r = await SB.api("GET", "/oauth/clients"); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
    table.querySelector("tbody").replaceChildren(...r.items.map((c) => {
      const status = h("td", {});
      if (c.revoked) status.append(h("span", { class: "pill bad" }, "revoked"));
      else {
        status.append(h("span", { class: "pill ok" }, "active"));
        if (c.yours) status.append(" ", h("span", { class: "muted" }, "(in use by you)"));
        else if (SB.may("POST /oauth/clients/{client_id}/revoke")) {
          status.append(" ", h("button", { type: "button", class: "danger revoke-client",
            "aria-label": "Revoke " + c.name, onclick: () => revokeClient(c) }, "Revoke"));
        }
      }
      return h("tr", { "data-client-id": c.client_id },
        h("th", { scope: "row" }, c.name),
        h("td", { class: "mono" }, c.client_id),
        h("td", {}, c.scope),
        h("td", {}, since(c.created_at)),
        status);
    }));
  }

  async function revokeClient(c) {
    if (!window.confirm("Revoke " + c.name + "? Its secret and tokens stop working for good.")) return;
    SB.showAlert(el("alert"), "");
    try {
      await SB.api("POST", "/oauth/clients/" + encodeURIComponent(c.client_id) + "/revoke");
      await loadClients();
      el("clients-result").textContent = c.name + " was revoked.";
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  }

  const userForm = el("user-form");
  if (userForm) userForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    SB.showAlert(el("alert"), "");
    try {
      const r = await SB.api("POST", "/oauth/users", { username: el("user-name").value.trim(), role: el("user-role").value });
      issued(el("user-issued"), "Sign-in for " + r.username, [["Organisation", r.tenant_id], ["User name", r.username], ["Role", r.role], ["Password", r.password]]);
      userForm.reset();
      await loadPeople();
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
      await loadClients();
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
  loadPeople();
  loadClients();
  loadCredentials();
})();
