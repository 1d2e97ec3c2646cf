"use strict";
// The guided setup review page over the /setup JSON API (SB from app.js: session, api,
// role-awareness). Server-side pagination, a page of PAGE_SIZE cards at a time.
(function () {
  const THRESHOLD = parseFloat(document.getElementById("main").dataset.threshold);
  const PAGE_SIZE = 10;
  const LABELS = {
    "customer-locations": "customer locations", "storage-locations": "storage locations",
    "products": "products", "product-batches": "product batches",
  };
  const STATUS_TEXT = {
    pending: "waiting", importing: "importing", failed: "import failed", matching: "matching",
    awaiting_review: "ready for review", applying: "applying", done: "done",
  };
  const FIELD_LABELS = {
    name: "Name", customer_name: "Customer", address: "Address", city: "City", state: "State",
    postal_code: "Postal code", country: "Country", phone: "Phone", email: "Email", lat: "Latitude",
    lon: "Longitude", kind: "Kind", sku: "SKU", brand: "Brand", category: "Category",
    description: "Description", active: "Active", lot_code: "Lot code", product_id: "Product",
    produced_at: "Produced", quantity: "Quantity", unit: "Unit",
  };
  const COUNTRY = { usa: "us", unitedstates: "us", unitedstatesofamerica: "us", uk: "gb",
    unitedkingdom: "gb", greatbritain: "gb", can: "ca", canada: "ca" };
  const HIDDEN_FIELDS = new Set(["id", "erp_product_id", "product_name"]);
  const GROUP_HINTS = {
    match: "Links scoring at least " + Math.round(THRESHOLD * 100) + "% with no close rival: accept them all at once, or one by one.",
    review: "Possible links a person should confirm: accept, pick another of your records, or create a new one.",
    create: "None of your records looks like these, so they will be created; pick a record instead if one is the same.",
  };
  const el = (id) => document.getElementById(id);
  const view = { type: null, decision: "match", cursors: [null], page: 0, nextCursor: null,
                 query: "", polling: null, summary: null, current: -1 };

  function announce(text) { el("progress-text").textContent = text; }
  function showAlert(text) { SB.showAlert(el("alert"), text); }
  function show(section) {
    for (const id of ["not-started", "failed", "review", "complete"]) el(id).hidden = id !== section;
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

  // The bar counts records, not steps: records pulled of those expected (import), scored
  // (match), decided (review) or applied (apply), as the server measures them. A phase
  // whose total is not known yet shows a moving bar without a number.
  function setProgress(percent) {
    el("progress-line").hidden = percent === null;
    if (percent === null) return;
    const bar = el("progress-bar");
    if (percent === undefined) {
      bar.removeAttribute("value");
      el("progress-percent").textContent = "";
      return;
    }
    bar.value = percent;
    el("progress-percent").textContent = percent + "%";
  }

  function recordsText(p, verb) {
    if (p.total === null || p.total === undefined) return p.done + " records " + verb + " so far";
    return p.done + " of " + (p.estimated ? "about " : "") + p.total + " records " + verb;
  }

  function schedulePoll(ms) {
    clearTimeout(view.polling);
    view.polling = setTimeout(refresh, ms);
  }

  async function refresh() {
    let state;
    try {
      state = await SB.api("GET", "/setup/state");
    } catch (e) {
      if (e.status === 401) return;
      showAlert(e.message);
      schedulePoll(3000);
      return;
    }
    renderSteps(state);
    if (state.status === "not_started") {
      setProgress(null);
      const mayConnect = SB.may("GET /connections/ekos/start");
      announce(mayConnect ? "No setup yet: connect to Ekos to begin." : "No setup yet: waiting for an administrator to connect Ekos.");
      el("waiting-for-admin").hidden = mayConnect;
      el("connect-title").textContent = mayConnect ? "Connect to Ekos" : "Waiting for Ekos to be connected";
      el("waiting-role-note").textContent = SB.may("PUT /setup/{resource_type}/proposals/{external_id}")
        ? "As an " + SB.me.role + " you will review the proposals once the import is done."
        : "As a viewer you can follow every step here; reviewing and submitting is for operators and administrators.";
      show("not-started");
      schedulePoll(2000);  // a connection made meanwhile (or in another tab) shows up here
      return;
    }
    if (state.status === "complete") {
      setProgress(100);
      announce("Setup complete.");
      renderSummary(state);
      show("complete");
      showLaterReview();
      return;
    }
    const current = state.types.find((t) => t.resource_type === state.current_type);
    if (!current) {  // every kind applied, the setup not yet marked complete: a moment more
      setProgress(100);
      announce("Finishing the setup…");
      schedulePoll(500);
      return;
    }
    const label = LABELS[current.resource_type];
    const p = current.progress || { done: current.records, total: null };
    if (current.status === "awaiting_review") {
      announce("Imported " + current.records + " " + label + " from " + current.pages +
               (current.pages === 1 ? " page" : " pages") + ". Ready for review.");
      if (view.type !== current.resource_type) openReview(current);
      else refreshSummary();
      return;
    }
    view.type = null;
    if (current.status === "failed") {
      setProgress(null);
      announce("The import of " + label + " stopped after " + current.records + " records.");
      el("failed-reason").textContent = current.error || "The import failed.";
      view.failedType = current.resource_type;
      const retry = el("retry-import");
      if (retry) retry.disabled = false;
      el("failed-wait").hidden = !!retry;
      show("failed");
      schedulePoll(5000);  // someone else may retry it
      return;
    }
    show(null);
    setProgress(p.percent === null || p.percent === undefined ? undefined : p.percent);
    if (current.status === "pending" || current.status === "importing") {
      announce("Importing " + label + ": " + recordsText(p, "pulled") + " (" + current.pages +
               (current.pages === 1 ? " page" : " pages") + ")…" +
               (current.error ? " (retrying: " + current.error + ")" : ""));
    } else if (current.status === "matching") {
      announce("Matching " + label + " against your records: " + recordsText(p, "scored") + "…" +
               (current.error ? " (" + current.error + ")" : ""));
    } else if (current.status === "applying") {
      announce("Applying your decisions for " + label + ": " + recordsText(p, "applied") + "…");
    }
    schedulePoll(1000);
  }

  async function retryImport() {
    const button = el("retry-import");
    if (!view.failedType) return;
    button.disabled = true;
    showAlert("");
    try {
      await SB.api("POST", "/setup/" + view.failedType + "/retry");
      announce("Retrying the import of " + LABELS[view.failedType] + "…");
      show(null);
      schedulePoll(300);
    } catch (e) { showAlert(e.message); button.disabled = false; }
  }

  // ERP records created after the setup that the sync could not match with confidence:
  // decided on the sync status page, announced here where the person finished the setup.
  async function showLaterReview() {
    let status;
    try { status = await SB.api("GET", "/sync/status"); } catch (e) { return; }
    const waiting = {};
    for (const c of status.connections || []) {
      for (const t of c.types || []) if (t.awaiting_review) waiting[t.resource_type] = (waiting[t.resource_type] || 0) + t.awaiting_review;
    }
    const parts = Object.entries(waiting).map(([type, n]) => n + " " + LABELS[type]);
    const total = Object.values(waiting).reduce((a, b) => a + b, 0);
    el("later-review").hidden = total === 0;
    if (total) el("later-review-text").textContent = "Since the setup, Ekos created " + total +
      (total === 1 ? " record" : " records") + " Sync Bridge could not match with confidence (" + parts.join(", ") +
      "). They wait for your decision: link each to one of your records, or create it.";
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

  // Live counts: per group total and what is still open, overall "n of m decided".
  async function refreshSummary() {
    if (!view.type) return;
    let s;
    try { s = await SB.api("GET", "/setup/" + view.type + "/summary"); } catch (e) { showAlert(e.message); return; }
    view.summary = s;
    const label = LABELS[view.type];
    for (const d of ["match", "review", "create"]) {
      const g = s.groups[d];
      const open = g.total - g.decided;
      el("count-" + d).textContent = g.total ? g.total + (open ? " · " + open + " open" : " · done") : "0";
    }
    let text = s.imported + " " + label + " imported from Ekos: " + s.groups.match.total + " confident matches, " +
      s.groups.review.total + " to review, " + s.groups.create.total + " new.";
    if (s.left_out) text += " " + s.left_out + " not shown: deleted in Ekos or already linked earlier.";
    el("review-summary").textContent = text;
    const open = s.proposals - s.decided;
    setProgress(s.proposals ? Math.round(100 * s.decided / s.proposals) : 100);
    el("review-decided").textContent = s.decided + " of " + s.proposals + " decided" +
      (open ? " — " + open + " proposed links still need your yes or a change." : " — ready to submit.");
    el("submit-hint").textContent = open ? "Decide the " + open + " open links to submit." : "Everything is decided.";
    const submit = el("submit");
    if (submit) submit.disabled = open > 0;
  }

  function openReview(progress) {
    view.type = progress.resource_type;
    const label = LABELS[view.type];
    el("review-title").textContent = "Review " + label;
    const submit = el("submit");
    if (submit) submit.textContent = "Submit " + label;
    el("search").value = "";
    view.query = "";
    showAlert("");
    // nothing of the previous kind's counts stays on screen while this kind's load
    setProgress(null);
    for (const id of ["review-summary", "review-decided", "submit-hint"]) el(id).textContent = "";
    for (const d of ["match", "review", "create"]) el("count-" + d).textContent = "…";
    if (submit) submit.disabled = true;
    show("review");
    const c = progress.counts;
    selectTab(c.review ? "review" : (c.match ? "match" : "create"), false);
    refreshSummary();
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
    el("group-hint").textContent = GROUP_HINTS[decision];
    view.cursors = [null];
    view.page = 0;
    loadPage();
  }

  async function loadPage() {
    if (!view.type) return;
    const params = new URLSearchParams({ decision: view.decision, limit: String(PAGE_SIZE) });
    if (view.query) params.set("q", view.query);
    const cursor = view.cursors[view.page];
    if (cursor) params.set("cursor", cursor);
    const requested = { type: view.type, decision: view.decision, query: view.query, page: view.page,
                        edits: view.edits || 0 };
    const panel = el("panel");
    panel.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await SB.api("GET", "/setup/" + view.type + "/proposals?" + params);
    } catch (e) { showAlert(e.message); panel.setAttribute("aria-busy", "false"); return; }
    if (requested.type !== view.type || requested.decision !== view.decision ||
        requested.query !== view.query || requested.page !== view.page) return;
    // A decision saved while this page was in flight: the page read before it is stale.
    if (requested.edits !== (view.edits || 0)) return loadPage();
    el("proposals").replaceChildren(...page.items.map(renderProposal));
    view.nextCursor = page.next_cursor;
    view.current = -1;
    el("empty").hidden = page.items.length > 0;
    el("prev-page").disabled = view.page === 0;
    el("next-page").disabled = !page.next_cursor;
    el("page-label").textContent = page.items.length ? "Page " + (view.page + 1) : "";
    panel.dataset.decision = view.decision;
    panel.dataset.page = String(view.page);
    panel.setAttribute("aria-busy", "false");
  }

  function turnPage(delta) {
    if (delta > 0 && !view.nextCursor) return;
    if (delta < 0 && view.page === 0) return;
    if (delta > 0) view.cursors[view.page + 1] = view.nextCursor;
    view.page += delta;
    loadPage().then(() => el("panel").focus());
  }

  function recordName(r) {
    if (!r) return "";
    if (r.lot_code) return "Lot " + r.lot_code + (r.product_name ? " (" + r.product_name + ")" : "");
    return r.name || r.sku || r.customer_name || r.id || "";
  }

  function fmt(field, value, record) {
    if (value === null || value === undefined || value === "") return "—";
    if (field === "product_id") return (record && record.product_name) || String(value);
    if (/_at$/.test(field)) return SB.when(value);
    if (typeof value === "boolean") return value ? "yes" : "no";
    return String(value);
  }

  // The comparable form of a value: formatting-only differences (case, spacing,
  // punctuation, phone layout, a date against a date-time) compare equal.
  function norm(field, value) {
    if (value === null || value === undefined) return "";
    let s = String(value).normalize("NFKC").toLowerCase().trim();
    if (field === "phone") { const d = s.replace(/\D/g, ""); return d.length > 10 ? d.slice(-10) : d; }
    if (/_at$/.test(field)) { const m = s.match(/^(\d{4}-\d{2}-\d{2})/); if (m) return m[1]; }
    if (field === "lat" || field === "lon") { const n = parseFloat(s); return isNaN(n) ? s : n.toFixed(4); }
    if (field === "country") { const c = s.replace(/[^a-z]/g, ""); return COUNTRY[c] || c; }
    return s.replace(/[.,;:'"()#\-_/]/g, " ").replace(/\s+/g, " ").trim();
  }

  function proposedChoice(p) {
    return p.proposed_internal_id ? { action: "link", internal_id: p.proposed_internal_id } : { action: "create", internal_id: null };
  }

  function isChanged(p) {
    const original = proposedChoice(p);
    return p.resolution.action !== original.action ||
      (p.resolution.action === "link" && p.resolution.internal_id !== original.internal_id);
  }

  function renderProposal(p) {
    const node = el("proposal-template").content.firstElementChild.cloneNode(true);
    node.id = "proposal-" + p.external_id;
    node.dataset.externalId = p.external_id;
    SB.applyPermissions(node);
    fillProposal(node, p);
    node.addEventListener("focusin", () => { view.current = cards().indexOf(node); markCurrent(); });
    return node;
  }

  function fillProposal(node, p) {
    const name = recordName(p.external) || p.external_id;
    const linked = p.resolution.action === "link";
    const changed = isChanged(p);
    const internal = linked ? (p.internal || {}) : {};
    node.classList.toggle("confirmed", p.confirmed || !linked);
    node.dataset.state = linked ? (p.confirmed ? "linked" : "proposed") : "create";
    const titleNode = node.querySelector(".proposal-title");
    titleNode.textContent = name + " ";
    titleNode.append(SB.el("span", { class: "ext-id" }, "Ekos " + p.external_id));
    const score = node.querySelector(".score");
    if (!linked) { score.textContent = "new record"; score.className = "score low"; }
    else if (changed) { score.textContent = "your choice"; score.className = "score high"; }
    else {
      score.textContent = Math.round(p.score * 100) + "% match";
      score.className = "score " + (p.score >= THRESHOLD ? "high" : p.score >= 0.5 ? "mid" : "low");
    }
    const badge = node.querySelector(".badge");
    if (linked) {
      badge.textContent = (p.confirmed ? "Linked to " : "Proposed: ") + (recordName(internal) || p.resolution.internal_id);
      badge.className = "badge" + (p.confirmed ? " ok" : " undecided");
    } else {
      badge.textContent = "Will be created";
      badge.className = "badge new";
    }
    const fields = [];
    for (const k of Object.keys(p.external).concat(Object.keys(internal))) {
      if (!HIDDEN_FIELDS.has(k) && !fields.includes(k)) fields.push(k);
    }
    const tbody = node.querySelector("tbody");
    tbody.textContent = "";
    let folded = 0;
    for (const f of fields) {
      const row = tbody.insertRow();
      const th = document.createElement("th");
      th.scope = "row"; th.textContent = FIELD_LABELS[f] || f.replace(/_/g, " "); row.appendChild(th);
      row.insertCell().textContent = fmt(f, p.external[f], p.external);
      const b = row.insertCell();
      if (!linked) { b.textContent = "(new record)"; continue; }
      b.textContent = fmt(f, internal[f], internal);
      const a = p.external[f], h = internal[f];
      const missing = (v) => v === undefined || v === null || v === "";
      if (missing(a) || missing(h)) {
        // only one side knows it: nothing to compare, folded away unless asked for
        if (f !== "name") { row.classList.add("folded"); folded += 1; }
        continue;
      }
      if (norm(f, a) !== norm(f, h)) b.classList.add("differs");
      else {
        if (String(a) !== String(h)) {
          b.classList.add("same-ish");
          b.append(SB.el("span", { class: "same-note" }, "same, formatted differently"));
        }
        if (f !== "name") { row.classList.add("folded"); folded += 1; }
      }
    }
    const table = node.querySelector(".side-by-side");
    const toggle = node.querySelector(".show-all");
    table.classList.toggle("folding", folded > 0);
    toggle.hidden = folded === 0;
    toggle.textContent = "Show " + folded + " more fields (equal, or known on one side only)";
    toggle.setAttribute("aria-expanded", "false");
    toggle.onclick = () => {
      const open = table.classList.toggle("unfolded");
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Show only what differs" : "Show " + folded + " more fields (equal, or known on one side only)";
    };
    node.querySelector(".home-col").textContent = "In your platform";
    // evidence (similarities, distance) and each field's contribution (weight_<field>:
    // log-odds the field adds for or against the match), strongest first
    const entries = Object.entries(p.explanation || {});
    const parts = entries.filter(([k]) => !k.startsWith("weight_") && k !== "review_priority").map(([k, v]) => {
      const label = k.replace(/_id$/, "").replace(/_/g, " ");
      if (typeof v === "number" && k.endsWith("_m")) return k.slice(0, -2).replace(/_/g, " ") + " " + Math.round(v) + " m";
      if (typeof v === "number" && k.includes("days")) return label + " " + Math.round(v);
      return label + " " + (typeof v === "number" ? (Math.abs(v) <= 1 ? Math.round(v * 100) + "%" : Math.round(v)) : String(v));
    });
    const weights = entries.filter(([k, v]) => k.startsWith("weight_") && k !== "weight_prior" && typeof v === "number" && v !== 0)
      .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
      .map(([k, v]) => k.slice(7).replace(/_/g, " ") + " " + (v > 0 ? "+" : "\u2212") + Math.abs(v).toFixed(1));
    node.querySelector(".explanation").textContent = linked && !changed
      ? (parts.length ? "Why: " + parts.join(" · ") : "") + (weights.length ? " — weight of evidence: " + weights.join(" · ") : "")
      : "";
    const on = (cls, fn, label, visible) => {
      const b = node.querySelector("." + cls);
      if (!b) return;
      b.hidden = !visible;
      b.setAttribute("aria-label", label + " for " + name);
      b.onclick = fn;
    };
    on("accept", () => edit(node, p, { action: "link", internal_id: p.resolution.internal_id }, true),
       "Accept match", linked && !p.confirmed);
    on("create", () => edit(node, p, { action: "create" }, true), "Create new record", linked);
    on("undo", () => edit(node, p, { action: "restore" }, false),
       changed ? "Undo and restore the proposal" : "Undo", p.confirmed && linked || changed);
    const pick = node.querySelector(".pick");
    if (!pick) return;
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
      if (open) { input.value = input.value || (p.external.name || p.external.lot_code || "").split(" ")[0]; input.focus(); searchCandidates(node, p, input.value); }
    };
    let timer = null;
    input.oninput = () => { clearTimeout(timer); timer = setTimeout(() => searchCandidates(node, p, input.value), 200); };
  }

  async function searchCandidates(node, p, q) {
    const list = node.querySelector(".candidates");
    let found;
    try {
      found = await SB.api("GET", "/setup/" + view.type + "/candidates?" + new URLSearchParams({ q, limit: "8" }));
    } catch (e) { showAlert(e.message); return; }
    list.textContent = "";
    if (!found.items.length) {
      list.append(SB.el("li", {}, "No matching records."));
      return;
    }
    for (const c of found.items) {
      const desc = [c.address || c.sku || c.product_name, c.city || c.postal_code].filter(Boolean).join(", ");
      const label = recordName(c) + (desc ? " — " + desc : "");
      list.append(SB.el("li", {}, SB.el("button", { type: "button", "aria-label": "Link to " + label,
        onclick: () => edit(node, p, { action: "link", internal_id: c.id }, true) }, label)));
    }
    announce(found.items.length + " records found.");
  }

  async function edit(node, p, choice, advance) {
    showAlert("");
    try {
      const updated = await SB.api("PUT", "/setup/" + view.type + "/proposals/" + encodeURIComponent(p.external_id),
        Object.assign({ version: p.version }, choice));
      view.edits = (view.edits || 0) + 1;
      const fresh = renderProposal(updated);
      // The list may have been re-rendered while the decision was saved: replace the card shown now.
      const shown = document.getElementById("proposal-" + p.external_id);
      (shown && !node.isConnected ? shown : node).replaceWith(fresh);
      const name = recordName(p.external) || p.external_id;
      announce(choice.action === "create" ? name + " will be created as a new record."
        : choice.action === "restore" ? name + ": back to the proposal."
        : name + " linked to " + recordName(updated.internal) + ".");
      refreshSummary();
      const list = cards();
      const index = list.indexOf(fresh);
      if (advance && index + 1 < list.length) focusCard(index + 1);
      else focusCard(index);
    } catch (e) {
      showAlert(e.message);
      if (e.code === "proposal_changed") loadPage();
    }
  }

  async function acceptConfident() {
    const button = el("accept-confident");
    button.disabled = true;
    showAlert("");
    try {
      const result = await SB.api("POST", "/setup/" + view.type + "/accept-confident", { threshold: THRESHOLD });
      announce("Accepted " + result.accepted + " confident matches.");
      await loadPage();
      await refreshSummary();
    } catch (e) { showAlert(e.message); }
    finally { button.disabled = false; }
  }

  async function submit() {
    const button = el("submit");
    button.disabled = true;
    showAlert("");
    try {
      await SB.api("POST", "/setup/" + view.type + "/submit");
      announce("Submitted " + LABELS[view.type] + "; applying…");
      view.type = null;
      show(null);
      schedulePoll(300);
    } catch (e) { showAlert(e.message); button.disabled = false; }
  }

  async function importHomeRecords(ev) {
    ev.preventDefault();
    const file = el("home-import-file").files[0];
    const type = el("home-import-type").value;
    if (!file) return;
    const content = await file.text();
    const format = /\.(jsonl|ndjson)$/i.test(file.name) || content.trimStart().startsWith("{") ? "jsonl" : "csv";
    showAlert("");
    try {
      const r = await SB.api("POST", "/setup/" + type + "/home-records", { format, content });
      el("home-import-result").textContent = "Loaded " + r.created + " " + LABELS[type] +
        (r.already_there ? " (" + r.already_there + " were already there)" : "") + ".";
    } catch (e) { showAlert(e.message); }
  }

  // keyboard: a accept, c create, u undo, j/n next card, k/p previous, ] [ pages
  function cards() { return Array.from(el("proposals").children); }
  function markCurrent() { cards().forEach((c, i) => c.classList.toggle("current", i === view.current)); }
  function focusCard(i) {
    const list = cards();
    if (!list.length) return;
    view.current = Math.max(0, Math.min(i, list.length - 1));
    list[view.current].focus();
    markCurrent();
  }
  function press(cls) {
    const card = cards()[view.current];
    const button = card && card.querySelector("." + cls);
    if (button && !button.hidden && !button.disabled) button.click();
  }
  document.addEventListener("keydown", (ev) => {
    if (el("review").hidden || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target.closest && ev.target.closest("input, textarea, select, [role=tab]")) return;
    const key = ev.key.toLowerCase();
    const actions = {
      a: () => press("accept"), c: () => press("create"), u: () => press("undo"),
      j: () => focusCard(view.current + 1), n: () => focusCard(view.current + 1),
      k: () => focusCard(view.current - 1), p: () => focusCard(view.current - 1),
      "]": () => turnPage(1), "[": () => turnPage(-1),
    };
    if (actions[key]) { ev.preventDefault(); actions[key](); }
  });

  // wiring
  const onClick = (id, fn) => { const b = el(id); if (b) b.addEventListener("click", fn); };
  onClick("accept-confident", acceptConfident);
  onClick("retry-import", retryImport);
  onClick("submit", submit);
  onClick("prev-page", () => turnPage(-1));
  onClick("next-page", () => turnPage(1));
  const form = el("home-import-form");
  if (form) form.addEventListener("submit", importHomeRecords);
  let searchTimer = null;
  el("search").addEventListener("input", (ev) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { view.query = ev.target.value.trim().toLowerCase(); view.cursors = [null]; view.page = 0; loadPage(); }, 250);
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
  SB.session().then(refresh, (e) => { if (e.status !== 401) showAlert(e.message); });
})();
