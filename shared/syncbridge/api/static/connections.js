"use strict";
(async function () {
  const el = (id) => document.getElementById(id);
  const h = SB.el;
  const STATUS = { active: ["Connected", "ok"], reauthorization_required: ["Needs reconnecting", "warn"], disconnected: ["Disconnected", "bad"] };
  const TYPE_STATUS = { pending: "waiting", importing: "importing", matching: "matching",
    awaiting_review: "waiting for your review", applying: "applying", done: "done" };
  try { await SB.session(); } catch (e) { SB.showAlert(el("alert"), e.message); return; }

  async function disconnect(connection) {
    if (!confirm("Disconnect " + connection.erp + "? Sync stops until you connect again.")) return;
    try {
      await SB.api("DELETE", "/connections/" + connection.erp);
      SB.showAlert(el("notice"), connection.erp + " disconnected.");
      await load();
    } catch (e) { SB.showAlert(el("alert"), e.message); }
  }

  function connectionRow(c) {
    const [label, tone] = STATUS[c.status] || [c.status, ""];
    const actions = h("td");
    if (c.status !== "disconnected") {
      const button = h("button", { type: "button", class: "danger", "data-route": "DELETE /connections/ekos",
        "aria-label": "Disconnect " + c.erp, onclick: () => disconnect(c) }, "Disconnect");
      actions.append(button);
    }
    if (c.status !== "active") {
      actions.append(" ", h("a", { class: "button", href: SB.url("/connections/" + c.erp + "/start"),
        "data-route": "GET /connections/ekos/start" }, "Reconnect"));
    }
    return h("tr", { "data-connection": c.connection_id },
      h("th", { scope: "row" }, c.erp === "ekos" ? "Ekos" : c.erp),
      h("td", {}, h("span", { class: "pill " + tone }, label), c.last_error ? h("div", { class: "muted" }, c.last_error) : null),
      h("td", {}, SB.when(c.connected_at)),
      h("td", {}, SB.when(c.updated_at)),
      h("td", {}, (c.scopes || []).join(", ") || "—"),
      actions);
  }

  function runText(run) {
    if (!run) return "never";
    return run.action.replace(/_/g, " ") + " of " + (run.resource_type || "").replace(/-/g, " ") + ": " +
      run.status + ", " + SB.when(run.finished_at || run.started_at);
  }

  // The per-connection sync status API (schedules, runs, errors), where the stack has it.
  function renderSyncStatus(body, status) {
    for (const c of status.connections) {
      body.append(h("dl", { class: "facts", "data-sync-connection": c.connection_id },
        h("dt", {}, "Connection"), h("dd", {}, (c.erp === "ekos" ? "Ekos" : c.erp) + " — " + c.state),
        h("dt", {}, "Last run"), h("dd", {}, runText(c.last_run)),
        h("dt", {}, "Next run"), h("dd", {}, SB.when(c.next_run)),
        h("dt", {}, "Records kept in step"), h("dd", {}, String((c.counts && c.counts.mapped) || 0)),
        h("dt", {}, "Recent errors"), h("dd", {}, c.recent_errors && c.recent_errors.length ? String(c.recent_errors.length) : "none")));
    }
    body.append(h("p", {}, h("a", { href: SB.url("/sync") }, "Full sync status: schedules, run history, errors and refused scans")));
  }

  function renderSync(state, syncStatus) {
    const body = el("sync-body");
    body.textContent = "";
    if (syncStatus && syncStatus.connections) renderSyncStatus(body, syncStatus);
    if (!state || state.status === "not_started") {
      body.append(h("p", {}, "Nothing imported yet: connect Ekos to start the guided setup."));
      return;
    }
    body.append(h("p", {}, state.status === "complete"
      ? "Guided setup complete " + SB.when(state.completed_at) + "; changes now flow both ways (events, scheduled sync)."
      : "Guided setup in progress since " + SB.when(state.started_at) + ". ",
      state.status === "complete" ? null : h("a", { href: SB.url("/setup") }, "Continue the setup")));
    const table = h("table", { class: "data", id: "sync-table" },
      h("caption", {}, "Per kind of record"),
      h("thead", {}, h("tr", {}, ["Kind", "Status", "Imported", "Linked", "Created"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, state.types.map((t) => h("tr", {},
        h("th", { scope: "row" }, t.label),
        h("td", {}, TYPE_STATUS[t.status] || t.status, t.error ? h("div", { class: "muted" }, t.error) : null),
        h("td", {}, String(t.records)),
        h("td", {}, String((t.applied && t.applied.linked) || 0)),
        h("td", {}, String((t.applied && t.applied.created) || 0))))));
    body.append(table);
  }

  async function load() {
    SB.showAlert(el("alert"), "");
    let list;
    try { list = await SB.api("GET", "/connections"); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
    const tbody = el("conn-table").querySelector("tbody");
    tbody.textContent = "";
    for (const c of list.connections) tbody.append(connectionRow(c));
    SB.applyPermissions(tbody);
    el("conn-table").hidden = !list.connections.length;
    el("conn-empty").hidden = !!list.connections.length;
    const mayConnect = SB.may("GET /connections/ekos/start");
    el("conn-explain").hidden = !!list.connections.length || mayConnect;
    el("conn-explain-role").textContent = SB.may("PUT /setup/{resource_type}/proposals/{external_id}")
      ? "You will be able to review once the import is done." : "As a viewer you can follow each step; you cannot change anything.";
    const connectButton = el("connect-ekos");
    if (connectButton) connectButton.hidden = list.connections.some((c) => c.erp === "ekos" && c.status !== "disconnected");
    let state = null;
    try { state = await SB.api("GET", "/setup/state"); } catch (e) { SB.showAlert(el("alert"), e.message); }
    let syncStatus = null;
    try { syncStatus = await SB.api("GET", "/sync/status"); } catch (e) { syncStatus = null; }  // not on this stack
    renderSync(state, syncStatus);
  }
  load();
})();
