"use strict";
(async function () {
  const el = (id) => document.getElementById(id);
  let me;
  try { me = await SB.session({ optional: true }); } catch (e) { SB.showAlert(el("alert"), e.message); return; }
  if (!me) { el("signed-out").hidden = false; return; }
  el("home-title").textContent = "Welcome, " + (me.subject || me.client_id);
  el("signed-in").hidden = false;
  try {
    const state = await SB.api("GET", "/setup/state");
    const text = state.status === "not_started" ? "Not started: connect Ekos to begin."
      : state.status === "complete" ? "Complete: every record is mapped."
      : "In progress: " + state.types.filter((t) => t.status === "done").length + " of " + state.types.length + " kinds done.";
    el("setup-status").textContent = text;
  } catch (e) { el("setup-status").textContent = e.message; }
  try {
    const list = await SB.api("GET", "/connections");
    const active = list.connections.filter((c) => c.status === "active");
    el("connections-status").textContent = list.connections.length
      ? active.length + " active of " + list.connections.length + " (" + list.connections.map((c) => c.erp).join(", ") + ")"
      : "None yet.";
  } catch (e) { el("connections-status").textContent = e.message; }
})();
