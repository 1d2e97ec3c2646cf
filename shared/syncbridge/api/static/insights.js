"use strict";
// Insights page: reads the insights API with the session cookie and fills the sections.
const $ = (id) => document.getElementById(id);
let api = "/api/v1/erp";  // prefixed with the stage root once the shell is up
const fmtDate = (iso) => iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";
const pct = (x) => x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`;
const num = (x, d = 1) => x === null || x === undefined ? "—" : Number(x).toFixed(d);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

async function getJson(path, init) {
  const response = await fetch(path, { credentials: "same-origin", ...init });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body?.error?.message || `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

function showError(err) { $("error").textContent = err.message; $("error").hidden = false; }

function rows(tableId, items, render) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.innerHTML = items.length ? items.map(render).join("") : `<tr><td colspan="9" class="muted">Nothing yet.</td></tr>`;
}

function freshness(cached) {
  if (!cached.computed_at) { $("freshness").innerHTML = `<span class="stale">Not computed yet: run a collect.</span>`; return; }
  const label = `Computed ${fmtDate(cached.computed_at)}`;
  $("freshness").innerHTML = cached.stale ? `<span class="stale">${label} (stale: the last collect is old)</span>` : esc(label);
}

async function loadReport() {
  const month = $("month").value;
  const base = `${api}/reports/${month}`;
  $("report-csv").href = `${base}?format=csv`; $("report-png").href = `${base}?format=png`; $("report-svg").href = `${base}?format=svg`;
  $("report-chart").src = `${base}?format=png`;
  const report = await getJson(base);
  rows("report-table", report.sites, (r) => `<tr><td>${esc(r.site)}</td><td>${num(r.coverage_pct, 0)}% (${r.covered_points}/${r.points})</td>
    <td>${r.alerts}</td><td>${r.incidents_opened}</td><td>${num(r.median_response_hours)} h</td><td>${pct(r.quiet_after_visit_rate)}</td>
    <td>${r.never_visited}</td><td>${r.revenue_per_device === null ? "—" : `${num(r.revenue_per_device, 2)} ${esc(r.currency)}`}</td></tr>`);
  const usage = await getJson(`${api}/usage/${month}`);
  $("usage-csv").href = `${api}/usage/${month}?format=csv`; $("usage-daily").href = `${api}/usage/${month}?format=daily-csv`;
  rows("usage-table", usage.customers, (u) => `<tr><td>${esc(u.customer)}</td><td>${u.device_days}</td><td>${u.peak_active_devices}</td><td>${u.alerts}</td><td>${u.incidents}</td></tr>`);
}

async function loadCached() {
  const maintenance = await getJson(`${api}/insights/maintenance`);
  freshness(maintenance);
  rows("maintenance-table", maintenance.body.findings || [], (f) => `<tr><td>${esc(f.point_ref || f.deveui)}</td><td>${esc(f.problem)}</td>
    <td class="${f.severity >= 0.8 ? "sev-high" : f.severity >= 0.4 ? "sev-mid" : ""}">${pct(f.severity)}</td><td>${esc(f.due || "—")}</td><td>${esc(f.reason)}</td></tr>`);
  const risk = await getJson(`${api}/insights/risk`);
  rows("risk-table", risk.body.sites || [], (r) => `<tr><td>${esc(r.site)}</td><td>${num(r.score)}</td><td class="level-${r.level}">${r.level}</td>
    <td>${r.parts.filter((p) => p.points > 0).map((p) => `${esc(p.name)} +${num(p.points)}: ${esc(p.reason)}`).join("<br>") || "nothing notable"}</td></tr>`);
  $("risk-chart").src = `${api}/insights/risk?format=png`;
  const history = await getJson(`${api}/insights/service-history`);
  const h = history.body;
  rows("tech-table", h.technicians || [], (t) => `<tr><td>${esc(t.technician)}</td><td>${t.visits}</td><td>${t.answered_alerts}</td>
    <td>${num(t.median_response_hours)}</td><td>${pct(t.quiet_after_visit_rate)}</td></tr>`);
  $("never-visited").textContent = (h.never_visited || []).join(", ") || "Every point has had a visit.";
  rows("points-table", h.points || [], (p) => `<tr><td>${esc(p.point_ref)}</td><td>${esc(p.site)}</td><td>${p.alerts}</td><td>${p.visits}</td>
    <td>${fmtDate(p.last_alert)}</td><td>${fmtDate(p.last_visit)}</td><td>${p.alerts_after_last_visit}</td></tr>`);
}

function seasonLinks() {
  const by = $("season-by").value;
  $("season-chart").src = `${api}/insights/seasonal?by=${by}&format=png`;
  $("season-csv").href = `${api}/insights/seasonal?by=${by}&format=csv`;
}

function packLinks() {
  const q = new URLSearchParams({ site: $("pack-site").value, from: `${$("pack-from").value}T00:00:00Z`, to: `${$("pack-to").value}T23:59:59Z` });
  $("pack-pdf").href = `${api}/compliance?${q}&format=pdf`;
  $("pack-csv").href = `${api}/compliance?${q}&format=csv`;
}

async function init() {
  await SB.session();  // not signed in: off to sign-in, back here after
  api = SB.url("/api/v1/erp");
  const now = new Date();
  $("month").value = now.toISOString().slice(0, 7);  // the running month, to date
  $("pack-to").value = now.toISOString().slice(0, 10);
  $("pack-from").value = new Date(now - 30 * 86400000).toISOString().slice(0, 10);
  $("month").addEventListener("change", () => loadReport().catch(showError));
  $("season-by").addEventListener("change", seasonLinks);
  for (const id of ["pack-site", "pack-from", "pack-to"]) $(id).addEventListener("change", packLinks);
  $("collect")?.addEventListener("click", async () => {
    $("collect-status").textContent = "Queued…";
    try { await getJson(`${api}/insights/collect`, { method: "POST" }); $("collect-status").textContent = "Queued: results refresh within a minute."; }
    catch (err) { $("collect-status").textContent = err.message; }
  });
  $("bill")?.addEventListener("click", async () => {
    try { const out = await getJson(`${api}/usage/${$("month").value}/bill`, { method: "POST" }); $("bill-status").textContent = `${out.lines.length} lines written.`; }
    catch (err) { $("bill-status").textContent = err.message; }
  });
  $("portal-make")?.addEventListener("click", async () => {
    try {
      const out = await getJson(`${api}/portal-links`, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ customer: $("portal-customer").value, days: Number($("portal-days").value) }) });
      $("portal-link").href = out.url; $("portal-link").textContent = `${out.url.slice(0, 60)}… (expires ${fmtDate(out.expires_at)})`;
    } catch (err) { showError(err); }
  });
  try {
    const who = await getJson(`${api}/insights/customers`);
    // offer only what this person's role may do (the server refuses the rest anyway)
    if ($("collect")) $("collect").hidden = !who.can.collect;
    if ($("bill")) $("bill").hidden = !who.can.bill;
    $("portal").hidden = !who.can.portal_links;
    document.querySelector('a[href="#portal"]').hidden = !who.can.portal_links;
    $("pack-site").innerHTML = who.sites.map((s) => `<option>${esc(s)}</option>`).join("");
    $("portal-customer").innerHTML = who.customers.map((c) => `<option>${esc(c)}</option>`).join("");
    packLinks(); seasonLinks();
    await Promise.all([loadReport(), loadCached()]);
  } catch (err) { showError(err); }
  document.body.dataset.ready = "true";
}
init();
