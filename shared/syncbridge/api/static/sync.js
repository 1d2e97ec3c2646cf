"use strict";
(function () {
  const LABELS = {"customer-locations": "Customer locations", "storage-locations": "Storage locations",
                  "products": "Products", "product-batches": "Product batches"};
  const live = document.getElementById("live");
  const alertBox = document.getElementById("alert");
  const list = document.getElementById("connections");
  const template = document.getElementById("connection-template");

  function say(text) { live.textContent = text; }
  function fail(error) { alertBox.hidden = false; alertBox.textContent = error.message; }
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function when(stamp) { return stamp ? new Date(stamp).toLocaleString() : "—"; }
  function counts(map) {
    const parts = Object.entries(map || {}).filter(([, n]) => n).map(([k, n]) => k.replace(/_/g, " ") + " " + n);
    return parts.length ? parts.join(", ") : "—";
  }
  async function api(method, path, body) {
    const response = await fetch(SB.url("/" + path), {method, credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json"} : {}, body: body ? JSON.stringify(body) : undefined});
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const err = (data && data.error) || {};
      if (response.status === 401) SB.signIn();
      throw new Error(err.message || ("request failed (" + response.status + ")"));
    }
    return data;
  }
  function runText(run) {
    if (!run) return "never";
    return run.action.replace("_", " ") + " of " + (LABELS[run.resource_type] || run.resource_type) +
      ", " + run.status + " " + when(run.finished_at || run.started_at);
  }

  async function renderReview(section, conn) {
    const box = section.querySelector(".review-items");
    box.replaceChildren();
    let total = 0;
    for (const type of conn.types) {
      if (!type.awaiting_review) continue;
      const page = await api("GET", "sync/review/" + type.resource_type + "?erp=" + encodeURIComponent(conn.erp));
      for (const item of page.items) {
        total += 1;
        const li = el("li", {"class": "review-item", "data-external-id": item.external_id});
        const ext = item.external || {}, home = item.internal || {};
        const what = (LABELS[type.resource_type] || type.resource_type) + ": Ekos " + item.external_id +
          " “" + (ext.name || ext.lot_code || "") + "”";
        li.append(el("span", {}, home.id
          ? what + " may be our “" + (home.name || home.lot_code || home.id) + "” (" + Math.round(item.score * 100) + "%) "
          : what + " matches none of our records confidently "));
        const homeName = home.name || home.lot_code || home.sku || home.id;
        const link = el("button", {type: "button", "class": "primary"}, "Link to “" + homeName + "”");
        link.hidden = !home.id;
        const create = el("button", {type: "button"}, "Create new");
        if (!SB.may("PUT /sync/review/{resource_type}/{external_id}")) { li.append(el("span", {"class": "muted"}, "(an operator decides)")); box.append(li); continue; }
        const decide = async (action) => {
          link.disabled = create.disabled = true;
          try {
            const done = await api("PUT", "sync/review/" + type.resource_type + "/" +
              encodeURIComponent(item.external_id) + "?erp=" + encodeURIComponent(conn.erp),
              action === "link" ? {action, internal_id: home.id} : {action});
            // reload first, then say what the person's click did: the reload's own
            // "loaded" status must not replace it in the live region
            await load({quiet: true});
            say("Ekos " + item.external_id + (done.action === "create" ? " created as a new record" : " linked to “" + homeName + "”") + ".");
          } catch (error) { fail(error); link.disabled = create.disabled = false; }
        };
        link.addEventListener("click", () => decide("link"));
        create.addEventListener("click", () => decide("create"));
        li.append(link, " ", create);
        box.append(li);
      }
    }
    section.querySelector(".review-empty").hidden = total > 0;
  }

  function render(conn) {
    const section = template.content.firstElementChild.cloneNode(true);
    section.dataset.connection = conn.connection_id;
    section.setAttribute("aria-label", conn.erp + " connection");
    section.querySelector(".conn-title").textContent = conn.erp.toUpperCase() + " (" + conn.connection_id + ")";
    section.querySelector(".state").append(el("span", {"class": "badge " + conn.state}, conn.state));
    section.querySelector(".last-run").textContent = runText(conn.last_run);
    section.querySelector(".next-run").textContent = when(conn.next_run);
    section.querySelector(".mapped").textContent = conn.counts.mapped;
    const schedules = section.querySelector(".schedules");
    if (!conn.schedules.length) schedules.append(el("li", {}, "No schedules: nothing runs by itself."));
    conn.schedules.forEach((s) => schedules.append(el("li", {"class": "schedule"},
      s.action.replace("_", " ") + ": " + s.expression + ", next " + when(s.next_run) + " (" + s.state.toLowerCase() + ")")));
    const types = section.querySelector(".types tbody");
    conn.types.forEach((t) => {
      const row = el("tr", {"data-type": t.resource_type});
      row.append(el("th", {scope: "row"}, LABELS[t.resource_type] || t.resource_type), el("td", {}, t.mapped),
        el("td", {}, t.awaiting_review), el("td", {}, t.cursor || "—"), el("td", {}, runText(t.last_run)));
      types.append(row);
    });
    const scans = section.querySelector(".failed-scans");
    conn.failed_scans.forEach((scan) => {
      const li = el("li", {"class": "failed-scan"}, "Scan " + scan.scan_id + ": Ekos answered " + scan.status +
        (scan.errors.length ? " (" + scan.errors.map((e) => e.field + ": " + e.message).join("; ") + ")" : "") + " ");
      const retry = el("button", {type: "button"}, "Retry");
      retry.hidden = !SB.may("POST /sync/scans/{scan_id}/retry");
      retry.addEventListener("click", async () => {
        retry.disabled = true;
        try { await api("POST", "sync/scans/" + encodeURIComponent(scan.scan_id) + "/retry?erp=" + scan.erp);
              say("Scan " + scan.scan_id + " sent again"); }
        catch (error) { fail(error); retry.disabled = false; }
      });
      li.append(retry);
      scans.append(li);
    });
    section.querySelector(".scans-empty").hidden = conn.failed_scans.length > 0;
    const errors = section.querySelector(".errors");
    conn.recent_errors.forEach((e) => {
      const li = el("li", {"class": "error"});
      li.append(el("span", {}, when(e.at) + " " + e.action.replace("_", " ") + (e.reason ? " (" + e.reason + ")" : "") +
        (e.external_id ? " " + e.resource_type + " " + e.external_id : "") + " "));
      li.append(el("a", {href: e.link.replace(/^\//, ""), "class": "audit-link"}, "audit entry"));
      errors.append(li);
    });
    section.querySelector(".errors-empty").hidden = conn.recent_errors.length > 0;
    const runs = section.querySelector(".runs tbody");
    conn.runs.forEach((r) => {
      const row = el("tr", {"class": "run"});
      row.append(el("td", {}, when(r.started_at)), el("td", {}, r.action.replace("_", " ")),
        el("td", {}, LABELS[r.resource_type] || r.resource_type),
        el("td", {}).appendChild(el("span", {"class": "badge " + r.status}, r.status)).parentNode,
        el("td", {}, r.read), el("td", {}, counts(r.outcomes)), el("td", {}, counts(r.drift)));
      runs.append(row);
    });
    return section;
  }

  async function load({quiet = false} = {}) {
    alertBox.hidden = true;
    try {
      const status = await api("GET", "sync/status");
      list.replaceChildren();
      document.getElementById("none").hidden = status.connections.length > 0;
      for (const conn of status.connections) {
        const section = render(conn);
        list.append(section);
        await renderReview(section, conn);
      }
      document.getElementById("updated").textContent = "Updated " + new Date().toLocaleTimeString();
      if (!quiet) say(status.connections.length + " connection(s) loaded");
    } catch (error) { fail(error); say("Could not load the sync status"); }
  }
  document.getElementById("refresh").addEventListener("click", () => load());
  SB.session().then(() => load(), (error) => { if (error.status !== 401) fail(error); });
})();
