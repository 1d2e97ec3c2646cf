"use strict";
(async function () {
  const el = (id) => document.getElementById(id);
  const h = SB.el;
  const TONE = { active: "ok", pending: "warn", maintenance: "warn", inactive: "bad" };
  const loaded = {};
  let config = null;
  try { await SB.session(); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
  const mayWrite = SB.may("POST /api/v1/erp/devices/{device_id}/status");
  const mayConfigure = SB.may("PUT /api/v1/erp/config");
  if (!mayConfigure) el("patterns-json").readOnly = true;

  function notice(text) { SB.showAlert(el("notice"), text); }
  function fail(e) {
    if (e.code === "credentials_not_configured") {
      // an organisation without its own Odoo/Microshare sign-ins sees nothing (never another's)
      const box = el("alert");
      box.replaceChildren("Pest control is not set up for " + SB.me.tenant_id + " yet: its Odoo and Microshare sign-ins are missing. ",
        SB.may("PUT /admin/credentials/{system}")
          ? h("a", { href: SB.url("/app/settings") }, "Enter them in Settings")
          : "Ask an administrator of your organisation to enter them in Settings.");
      box.hidden = false;
      return;
    }
    SB.showAlert(el("alert"), e.message + (e.code ? " (" + e.code + ")" : ""));
  }
  function location(list) { return list && list.length ? list.filter(Boolean).join(" › ") : "—"; }

  async function points(refresh) {
    const data = await SB.api("GET", "/api/v1/erp/discovery/inspection-points" + (refresh ? "?refresh=true" : ""));
    el("points-summary").textContent = data.count + " points, " + data.parse_errors.length + " whose location could not be read" +
      (data.stale ? " — the ERP could not be reached; showing the copy of " + SB.when(data.as_of) : " — as of " + SB.when(data.as_of));
    el("points-body").replaceChildren(...data.points.map((p) => h("tr", {},
      h("th", { scope: "row" }, p.name),
      h("td", {}, p.reference || "—"),
      h("td", {}, p.parse_error ? h("span", { class: "pill bad" }, p.parse_error) : location(p.location_list)),
      h("td", {}, p.mapped ? h("span", { class: "pill " + (TONE[p.device_status] || "") }, p.device_status || "device") : h("span", { class: "muted" }, "none")),
      h("td", {}, SB.when(p.write_date)))));
  }

  async function gaps() {
    const data = await SB.api("GET", "/api/v1/erp/discovery/unmapped");
    el("gaps-summary").textContent = data.count ? data.count + " active points have no device yet." : "Every active point has a device.";
    for (const id of ["gaps-plan", "gaps-create"]) { const b = el(id); if (b) b.disabled = !data.count; }
    el("gaps-body").replaceChildren(...data.unmapped.map((g) => h("tr", {},
      h("th", { scope: "row" }, g.name), h("td", {}, g.reference || "—"),
      h("td", {}, location(g.template.location) + " (" + g.template.rec_type + ")"))));
    el("gaps-unparseable").replaceChildren(...(data.unparseable.length ? [h("p", { class: "muted" },
      data.unparseable.length + " points need a readable location first: " + data.unparseable.map((u) => u.name + " (" + u.reason + ")").join("; "))] : []));
  }

  async function createDevices(dryRun) {
    try {
      const result = await SB.api("POST", "/api/v1/erp/sync/create-devices", { dry_run: dryRun });
      if (dryRun) notice("Would create " + result.plan.length + " devices: " + result.plan.slice(0, 5).map((p) => p.point_ref || p.point_id).join(", ") + (result.plan.length > 5 ? "…" : ""));
      else notice("Created " + (result.summary.created || 0) + " devices" + (result.remaining ? "; " + result.remaining + " left, run again" : "") + ".");
      if (!dryRun) { delete loaded.devices; await gaps(); }
    } catch (e) { fail(e); }
  }

  function deviceActions(d) {
    if (!mayWrite) return null;  // no actions column: the summary says why
    const label = d.point_ref || d.point_id;
    const status = h("select", { "aria-label": "New status for " + label },
      ["active", "maintenance", "inactive"].filter((s) => s !== d.status).map((s) => h("option", { value: s }, s)));
    const deveui = h("input", { "aria-label": "DevEUI for " + label, placeholder: "70-B3-D5-…", size: "23" });
    const cell = h("td", {},
      h("div", { class: "row" }, status, h("button", { type: "button", onclick: () => act(d, "status", { status: status.value }) }, "Change status")),
      h("div", { class: "row", style: "margin-top:.35rem" }, deveui, h("button", { type: "button", onclick: () => act(d, "deveui", { deveui: deveui.value.trim() }) }, "Propose DevEUI")));
    if (d.proposed_deveui) {
      cell.append(h("div", { class: "row", style: "margin-top:.35rem" },
        h("button", { type: "button", class: "primary", onclick: () => act(d, "deveui/confirm") }, "Confirm DevEUI " + d.proposed_deveui)));
    }
    return cell;
  }

  async function act(d, action, payload) {
    SB.showAlert(el("alert"), "");
    try {
      await SB.api("POST", "/api/v1/erp/devices/" + encodeURIComponent(d.device_id) + "/" + action, payload);
      notice({ status: "Status of " + d.point_ref + " changed to " + (payload && payload.status) + ".",
               deveui: "DevEUI proposed for " + d.point_ref + "; confirm it once it matches the hardware.",
               "deveui/confirm": "DevEUI of " + d.point_ref + " confirmed." }[action]);
      await devices();
    } catch (e) { fail(e); }
  }

  async function devices() {
    const data = await SB.api("GET", "/api/v1/erp/devices");
    el("devices-summary").textContent = data.count + " devices." +
      (mayWrite ? "" : " You can look (view only); an operator changes status and DevEUIs.");
    el("devices-actions-head").hidden = !mayWrite;
    el("devices-body").replaceChildren(...data.devices.map((d) => h("tr", { "data-device": d.device_id },
      h("th", { scope: "row" }, d.point_ref || d.point_id),
      h("td", {}, h("span", { class: "pill " + (TONE[d.status] || "") }, d.status),
        d.pending_sync.length ? h("div", { class: "muted" }, "waiting to sync: " + d.pending_sync.join(", ")) : null),
      h("td", { class: "mono" }, /^0{2}(-0{2}){7}$/.test(d.deveui) ? h("span", { class: "muted" }, "not assigned yet") : d.deveui, d.proposed_deveui ? h("div", { class: "muted" }, "proposed " + d.proposed_deveui) : null),
      h("td", {}, location(d.location)),
      deviceActions(d))));
  }

  async function incidents() {
    const data = await SB.api("GET", "/api/v1/erp/incidents");
    el("incidents-summary").textContent = data.count ? data.count + " open incidents." : "No open incidents.";
    el("incidents-body").replaceChildren(...data.incidents.map((i) => h("tr", {},
      h("th", { scope: "row" }, i.incident_id), h("td", {}, i.point_id || "—"), h("td", {}, String(i.count)),
      h("td", {}, SB.when(i.first_at)), h("td", {}, SB.when(i.last_at)))));
  }

  async function syncIncidents() {
    try {
      const r = await SB.api("POST", "/api/v1/erp/incidents/sync");
      notice("Checked Microshare: " + Object.entries(r.summary).map(([k, v]) => v + " " + k.replace(/_/g, " ")).join(", ") + (r.more ? " (more to read: run again)" : "") + ".");
      await incidents();
    } catch (e) { fail(e); }
  }

  async function patterns() {
    config = await SB.api("GET", "/api/v1/erp/config");
    el("patterns-stored").textContent = config.stored ? "Your own settings." : "The default settings (not changed yet).";
    el("patterns-json").value = JSON.stringify(config.config.location, null, 2);
  }

  function edited() {
    const location = JSON.parse(el("patterns-json").value);
    return { config: Object.assign({}, config.config, { location }), expected_version: undefined };
  }

  async function preview() {
    let body;
    try { body = edited(); } catch (e) { SB.showAlert(el("alert"), "The settings are not valid JSON: " + e.message); return; }
    try {
      const r = await SB.api("POST", "/api/v1/erp/config/preview", body);
      el("patterns-result").replaceChildren(
        h("p", {}, r.parsed + " points read, " + r.errors.length + " not."),
        r.errors.length ? h("ul", {}, r.errors.slice(0, 10).map((e) => h("li", {}, e.name + ": " + e.reason))) : "",
        h("table", { class: "data" }, h("caption", {}, "Examples"),
          h("tbody", {}, r.sample.map((p) => h("tr", {}, h("th", { scope: "row" }, p.name), h("td", {}, location(p.location_list)))))));
    } catch (e) { fail(e); }
  }

  async function save() {
    let body;
    try { body = edited(); } catch (e) { SB.showAlert(el("alert"), "The settings are not valid JSON: " + e.message); return; }
    try { await SB.api("PUT", "/api/v1/erp/config", body); notice("Location settings saved."); await patterns(); } catch (e) { fail(e); }
  }

  const LOADERS = { points: () => points(false), gaps, devices, incidents, patterns };
  async function open(tab) {
    if (!LOADERS[tab]) tab = "points";
    for (const a of document.querySelectorAll("#pest-tabs a")) a.setAttribute("aria-current", String(a.dataset.tab === tab));
    for (const s of document.querySelectorAll("[data-panel]")) s.hidden = s.dataset.panel !== tab;
    SB.showAlert(el("alert"), "");
    const panel = el("tab-" + tab);
    panel.setAttribute("aria-busy", "true");
    try { await LOADERS[tab](); loaded[tab] = true; } catch (e) { fail(e); }
    panel.setAttribute("aria-busy", "false");
  }

  el("points-refresh").addEventListener("click", () => points(true).catch(fail));
  const on = (id, fn) => { const b = el(id); if (b) b.addEventListener("click", fn); };
  on("gaps-plan", () => createDevices(true));
  on("gaps-create", () => createDevices(false));
  on("incidents-sync", syncIncidents);
  on("patterns-preview", preview);
  on("patterns-save", save);
  window.addEventListener("hashchange", () => open(location_hash()));
  function location_hash() { return (window.location.hash || "#points").slice(1); }
  open(location_hash());
})();
