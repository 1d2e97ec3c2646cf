"use strict";
// The guided setup review page: vanilla JS over the /setup JSON API (relative URLs, so it
// works under an API Gateway stage prefix). Server-side pagination; no build step.
(function () {
  const LABELS = {
    "customer-locations": "customer locations", "storage-locations": "storage locations",
    "products": "products", "product-batches": "product batches",
  };
  const STATUS_TEXT = {
    pending: "waiting", importing: "importing", matching: "matching",
    awaiting_review: "ready for review", applying: "applying", done: "done",
  };
  const el = (id) => document.getElementById(id);
  const view = { type: null, decision: "match", cursor: null, query: "", polling: null, busy: false };

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const err = (data && data.error) || {};
      const error = new Error(err.message || ("request failed (" + response.status + ")"));
      error.status = response.status;
      error.code = err.code;
      throw error;
    }
    return data;
  }

  function announce(text) { el("progress-text").textContent = text; }
  function showAlert(text) { const a = el("alert"); a.textContent = text; a.hidden = !text; }
  function show(section) {
    for (const id of ["not-started", "review", "complete"]) el(id).hidden = id !== section;
  }

  function renderSteps(state) {
    for (const t of state.types) {
      const li = el("step-" + t.resource_type);
      if (!li) continue;
      li.querySelector(".step-status").textContent = STATUS_TEXT[t.status] || t.status;
      li.classList.toggle("done", t.status === "done");
      if (t.resource_type === state.current_type) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
  }

  function schedulePoll(ms) {
    clearTimeout(view.polling);
    view.polling = setTimeout(refresh, ms);
  }

  async function refresh() {
    let state;
    try {
      state = await api("GET", "setup/state");
    } catch (e) {
      showAlert(e.message);
      schedulePoll(3000);
      return;
    }
    renderSteps(state);
    const bar = el("progress-bar");
    if (state.status === "not_started") {
      bar.hidden = true;
      announce("No setup yet: connect to Ekos to begin.");
      show("not-started");
      schedulePoll(2000);  // a connection made meanwhile (or in another tab) shows up here
      return;
    }
    if (state.status === "complete") {
      bar.hidden = true;
      announce("Setup complete.");
      renderSummary(state);
      show("complete");
      return;
    }
    const current = state.types.find((t) => t.resource_type === state.current_type);
    const label = LABELS[current.resource_type];
    if (current.status === "awaiting_review") {
      bar.hidden = false;
      bar.max = 100; bar.value = 100;
      announce("Imported " + current.records + " " + label + " from " + current.pages +
               (current.pages === 1 ? " page" : " pages") + ". Ready for review.");
      if (view.type !== current.resource_type) openReview(current);
      else updateCounts(current);
      return;
    }
    view.type = null;
    show(null);
    bar.hidden = false;
    bar.removeAttribute("value");  // indeterminate: the ERP does not say how many are left
    if (current.status === "pending" || current.status === "importing") {
      announce("Importing " + label + ": " + current.records + " records from " +
               current.pages + " pages so far…" + (current.error ? " (retrying: " + current.error + ")" : ""));
    } else if (current.status === "matching") {
      announce("Matching " + current.records + " " + label + " against your records…");
    } else if (current.status === "applying") {
      announce("Applying your decisions for " + label + "…");
    }
    schedulePoll(1000);
  }

  function renderSummary(state) {
    const body = el("summary").querySelector("tbody");
    body.textContent = "";
    for (const t of state.types) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row"; th.textContent = t.label; row.appendChild(th);
      row.insertCell().textContent = (t.applied && t.applied.linked) || 0;
      row.insertCell().textContent = (t.applied && t.applied.created) || 0;
    }
  }

  function updateCounts(progress) {
    for (const d of ["match", "review", "create"]) el("count-" + d).textContent = progress.counts[d] || 0;
  }

  function openReview(progress) {
    view.type = progress.resource_type;
    const label = LABELS[view.type];
    el("review-title").textContent = "Review " + label;
    el("review-summary").textContent = progress.records + " " + label + " imported from Ekos: " +
      progress.counts.match + " confident matches, " + progress.counts.review + " to review, " +
      progress.counts.create + " new.";
    el("submit").textContent = "Submit " + label;
    el("submit-hint").textContent = "Every proposed link must be accepted or changed before submitting.";
    el("search").value = "";
    view.query = "";
    updateCounts(progress);
    showAlert("");
    show("review");
    selectTab(progress.counts.match ? "match" : (progress.counts.review ? "review" : "create"), false);
  }

  function selectTab(decision, focus) {
    view.decision = decision;
    for (const tab of document.querySelectorAll("[role=tab]")) {
      const selected = tab.dataset.decision === decision;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) {
        el("panel").setAttribute("aria-labelledby", tab.id);
        if (focus) tab.focus();
      }
    }
    loadProposals(true);
  }

  async function loadProposals(reset) {
    if (!view.type) return;
    if (reset) { view.cursor = null; el("proposals").textContent = ""; }
    const params = new URLSearchParams({ decision: view.decision, limit: "25" });
    if (view.query) params.set("q", view.query);
    if (view.cursor) params.set("cursor", view.cursor);
    const requested = { type: view.type, decision: view.decision, query: view.query };
    const panel = el("panel");
    panel.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api("GET", "setup/" + view.type + "/proposals?" + params);
    } catch (e) { showAlert(e.message); panel.setAttribute("aria-busy", "false"); return; }
    if (requested.type !== view.type || requested.decision !== view.decision || requested.query !== view.query) return;
    for (const p of page.items) el("proposals").appendChild(renderProposal(p));
    view.cursor = page.next_cursor;
    el("more").hidden = !page.next_cursor;
    el("empty").hidden = el("proposals").children.length > 0;
    panel.dataset.decision = view.decision;
    panel.setAttribute("aria-busy", "false");
  }

  function title(p) {
    const e = p.external;
    return (e.name || e.lot_code || e.sku || p.external_id) + " (" + p.external_id + ")";
  }

  function fmt(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }

  function renderProposal(p) {
    const node = el("proposal-template").content.firstElementChild.cloneNode(true);
    node.id = "proposal-" + p.external_id;
    node.dataset.externalId = p.external_id;
    fillProposal(node, p);
    return node;
  }

  function fillProposal(node, p) {
    const name = title(p);
    const linked = p.resolution.action === "link";
    node.classList.toggle("confirmed", p.confirmed);
    node.querySelector(".proposal-title").textContent = name;
    const score = node.querySelector(".score");
    score.textContent = p.decision === "create" && !p.proposed_internal_id ? "no match" : Math.round(p.score * 100) + "%";
    score.className = "score " + (p.score >= CONFIDENT_THRESHOLD ? "high" : p.score >= 0.5 ? "mid" : "low");
    const badge = node.querySelector(".badge");
    if (linked) {
      badge.textContent = (p.confirmed ? "Linked to " : "Proposed: ") + p.resolution.internal_id;
      badge.className = "badge" + (p.confirmed ? " ok" : "");
    } else {
      badge.textContent = "Will be created";
      badge.className = "badge new";
    }
    // side by side
    const internal = linked ? (p.internal || {}) : {};
    const fields = [];
    for (const k of Object.keys(p.external).concat(Object.keys(internal))) {
      if (k !== "id" && !fields.includes(k)) fields.push(k);
    }
    const tbody = node.querySelector("tbody");
    tbody.textContent = "";
    for (const f of fields) {
      const row = tbody.insertRow();
      const th = document.createElement("th");
      th.scope = "row"; th.textContent = f.replace(/_/g, " "); row.appendChild(th);
      const a = row.insertCell(); a.textContent = fmt(p.external[f]);
      const b = row.insertCell(); b.textContent = linked ? fmt(internal[f]) : "(new record)";
      if (linked && fmt(p.external[f]) !== fmt(internal[f]) && internal[f] !== undefined) b.classList.add("differs");
    }
    node.querySelector(".home-col").textContent = linked ? "In your platform (" + (internal.id || p.resolution.internal_id) + ")" : "In your platform";
    // evidence (similarities, distance) and each field's contribution (weight_<field>:
    // log-odds the field adds for or against the match), strongest first
    const entries = Object.entries(p.explanation || {});
    const parts = entries.filter(([k]) => !k.startsWith("weight_") && k !== "review_priority").map(([k, v]) => {
      if (typeof v === "number" && k.endsWith("_m")) return k.slice(0, -2).replace(/_/g, " ") + " " + Math.round(v) + " m";
      return k.replace(/_/g, " ") + " " + (typeof v === "number" ? (Math.abs(v) <= 1 ? v.toFixed(2) : Math.round(v)) : fmt(v));
    });
    const weights = entries.filter(([k, v]) => k.startsWith("weight_") && k !== "weight_prior" && typeof v === "number" && v !== 0)
      .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
      .map(([k, v]) => k.slice(7).replace(/_/g, " ") + " " + (v > 0 ? "+" : "\u2212") + Math.abs(v).toFixed(1));
    node.querySelector(".explanation").textContent = (parts.length ? "Why: " + parts.join(" · ") : "")
      + (weights.length ? " — weight of evidence: " + weights.join(" · ") : "");
    // actions
    const accept = node.querySelector(".accept");
    accept.hidden = !(linked && !p.confirmed);
    accept.setAttribute("aria-label", "Accept match for " + name);
    accept.onclick = () => edit(node, p, { action: "link", internal_id: p.resolution.internal_id });
    const create = node.querySelector(".create");
    create.disabled = !linked && p.confirmed;
    create.setAttribute("aria-label", "Create new record for " + name);
    create.onclick = () => edit(node, p, { action: "create" });
    const pick = node.querySelector(".pick");
    pick.setAttribute("aria-label", "Pick another record for " + name);
    const picker = node.querySelector(".picker");
    const input = node.querySelector(".picker-input");
    const inputId = "picker-" + p.external_id;
    input.id = inputId;
    node.querySelector(".picker-label").setAttribute("for", inputId);
    input.setAttribute("aria-controls", "candidates-" + p.external_id);
    node.querySelector(".candidates").id = "candidates-" + p.external_id;
    pick.onclick = () => {
      const open = picker.hidden;
      picker.hidden = !open;
      pick.setAttribute("aria-expanded", String(open));
      if (open) { input.focus(); searchCandidates(node, p, input.value); }
    };
    let timer = null;
    input.oninput = () => { clearTimeout(timer); timer = setTimeout(() => searchCandidates(node, p, input.value), 200); };
  }

  async function searchCandidates(node, p, q) {
    const list = node.querySelector(".candidates");
    let found;
    try {
      found = await api("GET", "setup/" + view.type + "/candidates?" + new URLSearchParams({ q, limit: "8" }));
    } catch (e) { showAlert(e.message); return; }
    list.textContent = "";
    if (!found.items.length) {
      const li = document.createElement("li"); li.textContent = "No matching records."; list.appendChild(li);
      return;
    }
    for (const c of found.items) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      const desc = [c.name || c.lot_code, c.address || c.sku || c.product_id, c.city || c.postal_code]
        .filter(Boolean).join(", ");
      b.textContent = c.id + " — " + desc;
      b.setAttribute("aria-label", "Link to " + c.id + ": " + desc);
      b.onclick = () => edit(node, p, { action: "link", internal_id: c.id });
      li.appendChild(b);
      list.appendChild(li);
    }
    announce(found.items.length + " records found.");
  }

  async function edit(node, p, choice) {
    showAlert("");
    try {
      const updated = await api("PUT", "setup/" + view.type + "/proposals/" + encodeURIComponent(p.external_id),
        Object.assign({ version: p.version }, choice));
      node.replaceWith(renderProposal(updated));
      announce(choice.action === "create" ? p.external_id + " will be created as a new record."
        : p.external_id + " linked to " + choice.internal_id + ".");
      const again = el("proposal-" + updated.external_id);
      if (again) again.querySelector(".pick").focus();
    } catch (e) {
      showAlert(e.message);
      if (e.code === "proposal_changed") loadProposals(true);
    }
  }

  async function acceptConfident() {
    const button = el("accept-confident");
    button.disabled = true;
    showAlert("");
    try {
      const result = await api("POST", "setup/" + view.type + "/accept-confident", { threshold: CONFIDENT_THRESHOLD });
      announce("Accepted " + result.accepted + " confident matches.");
      await loadProposals(true);
    } catch (e) { showAlert(e.message); }
    finally { button.disabled = false; }
  }

  async function submit() {
    const button = el("submit");
    button.disabled = true;
    showAlert("");
    try {
      await api("POST", "setup/" + view.type + "/submit");
      announce("Submitted " + LABELS[view.type] + "; applying…");
      view.type = null;
      show(null);
      schedulePoll(300);
    } catch (e) { showAlert(e.message); }
    finally { button.disabled = false; }
  }

  // wiring
  el("accept-confident").addEventListener("click", acceptConfident);
  el("submit").addEventListener("click", submit);
  el("more").addEventListener("click", () => loadProposals(false));
  let searchTimer = null;
  el("search").addEventListener("input", (ev) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { view.query = ev.target.value.trim().toLowerCase(); loadProposals(true); }, 250);
  });
  const tabs = Array.from(document.querySelectorAll("[role=tab]"));
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab.dataset.decision, false));
    tab.addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(tab);
      let next = null;
      if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      if (ev.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      if (ev.key === "Home") next = tabs[0];
      if (ev.key === "End") next = tabs[tabs.length - 1];
      if (next) { ev.preventDefault(); selectTab(next.dataset.decision, true); }
    });
  }
  refresh();
})();
