"""Pest-control insights walk-through: a month of Golden Crust history, then the figures.

More sensors go live, the Microshare simulator gets 30 days of health uplinks and a year of
seasonal alerts, technicians' visits are entered in Odoo; one collect (queued through the
API, run by the collect function) stores the history, creates preventive work orders in
Odoo and caches the results; then the service history, report, usage, compliance PDF and a
customer portal link, all through the HTTP API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncbridge_local.demo import IDLE_TIMEOUT_S, DemoContext, demo_step
from syncbridge_local.demo.pest_walkthrough import TENANT, role_tokens

SITE = "Golden Crust Manchester"
TECHNICIANS = ("Ann Hughes", "Bilal Khan")
ARTIFACTS = Path(".artifacts/demo")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@demo_step(order=250, name="pest insights: service history, maintenance, reports, compliance")
def insights_walkthrough(ctx: DemoContext) -> None:
    rt, http = ctx.runtime, ctx.http
    tokens = ctx.state.get("pest_tokens") or role_tokens(rt, http)
    viewer, operator = _auth(tokens["viewer"]), _auth(tokens["operator"])
    odoo = rt.simulators["ODOO_BASE_URL"].state
    microshare = rt.simulators["MICROSHARE_API_URL"].state

    def call(method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
        reply = http.request(method, path, headers=headers, **kw)
        ctx.check(
            reply.status_code == 200, f"{method} {path} -> {reply.status_code}: {reply.text[:300]}"
        )
        return reply

    # more sensors go live: give four pending devices real DevEUIs and activate them
    devices = call("GET", "/api/v1/erp/devices", viewer).json()["devices"]
    pending = [d for d in devices if d["status"] == "pending"][:4]
    for index, device in enumerate(pending):
        deveui = f"70-B3-D5-32-60-00-20-{index + 1:02d}"
        call(
            "POST",
            f"/api/v1/erp/devices/{device['device_id']}/deveui",
            operator,
            json={"deveui": deveui},
        )
        call("POST", f"/api/v1/erp/devices/{device['device_id']}/deveui/confirm", operator)
        call(
            "POST",
            f"/api/v1/erp/devices/{device['device_id']}/status",
            operator,
            json={"status": "active"},
        )
    ctx.say(f"{len(pending)} more sensors assigned and active")

    now = datetime.now(UTC).replace(microsecond=0)
    history = microshare.add_history(now, days=30, alert_months=12)
    kinds = sorted(set(history["devices"].values()))
    ctx.say(
        f"Microshare: {history['uplinks']} health uplinks over 30 days from "
        f"{len(history['devices'])} devices ({', '.join(kinds)}), {history['alerts']} alerts over 12 months"
    )

    users = [
        odoo.add_record("res.users", {"name": name, "login": name.split()[0].lower()})
        for name in TECHNICIANS
    ]
    project = odoo.add_record("project.project", {"name": "Pest Control Service"})
    refs = sorted({d["point_ref"] for d in devices})
    visits = 0
    for week in range(4):
        visited = refs[week % 2 :: 2][:6]
        odoo.add_record(
            "project.task",
            {
                "name": f"Weekly service {' '.join(visited)}",
                "project_id": project,
                "user_ids": [[6, 0, [users[week % 2]]]],
                "state": "1_done",
                "date_end": (now - timedelta(days=27 - 7 * week)).strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
        visits += 1
    odoo.add_record(
        "project.task",
        {
            "name": f"Next service {' '.join(refs[:3])}",
            "project_id": project,
            "user_ids": [[6, 0, [users[0]]]],
            "date_deadline": (now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S"),
        },
    )
    ctx.say(f"Odoo: {visits} technician visits done and 1 planned in 'Pest Control Service'")

    queued = call("POST", "/api/v1/erp/insights/collect", operator).json()
    rt.wait_idle(timeout=IDLE_TIMEOUT_S)
    ctx.say(f"collect queued ({queued['message_id'][:8]}…) and run by the collect function")

    service = call("GET", "/api/v1/erp/insights/service-history", viewer).json()
    ctx.check(
        service["computed_at"] and not service["stale"], f"service history not computed: {service}"
    )
    body = service["body"]
    for tech in body["technicians"]:
        ctx.say(
            f"  technician {tech['technician']}: {tech['visits']} point visits, "
            f"{tech['answered_alerts']} alerts answered, median response "
            f"{tech['median_response_hours']} h, quiet after visit {tech['quiet_after_visit_rate']}"
        )
    ctx.say(f"  points never visited: {', '.join(body['never_visited']) or 'none'}")

    findings = call("GET", "/api/v1/erp/insights/maintenance", viewer).json()["body"]["findings"]
    ctx.check(findings, "no device needs attention, but the history has a draining battery")
    for finding in findings:
        ctx.say(
            f"  maintenance: {finding['point_ref'] or finding['deveui']} {finding['problem']}: {finding['reason']}"
        )
    orders = [t for t in odoo.records("project.task") if "[pm:" in str(t.get("description") or "")]
    ctx.check(
        len(orders) == len({f"{f['deveui']}:{f['problem']}" for f in findings}),
        "work orders != findings",
    )
    for order in orders:
        ctx.say(f"  Odoo work order #{order['id']}: {order['name']}")

    month = f"{now:%Y-%m}"
    report = call("GET", f"/api/v1/erp/reports/{month}", viewer).json()
    for row in report["sites"]:
        ctx.say(
            f"  report {month} {row['site']}: coverage {row['coverage_pct']}% "
            f"({row['covered_points']}/{row['points']}), {row['alerts']} alerts, "
            f"{row['incidents_opened']} incidents, median response "
            f"{row['median_response_hours'] if row['median_response_hours'] is not None else '—'} h, "
            f"revenue/device {row['revenue_per_device'] if row['revenue_per_device'] is not None else 'n/a (no invoicing in Odoo)'}"
        )
    chart = call("GET", f"/api/v1/erp/reports/{month}?format=png", viewer)
    ctx.check(chart.content.startswith(b"\x89PNG"), "the report chart is not a PNG")

    usage = call("GET", f"/api/v1/erp/usage/{month}", viewer).json()["customers"]
    for row in usage:
        ctx.say(
            f"  usage {month} {row['customer']}: {row['device_days']} device-days, {row['alerts']} alerts"
        )

    query = {"site": SITE, "from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
    pdf = call("GET", "/api/v1/erp/compliance", viewer, params={**query, "format": "pdf"})
    ctx.check(pdf.content.startswith(b"%PDF"), "the compliance pack is not a PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"compliance-{TENANT}-{now:%Y%m%d}.pdf"
    path.write_bytes(pdf.content)
    ctx.say(f"compliance pack ({len(pdf.content) // 1024} KB): {path.resolve()}")

    link = call(
        "POST", "/api/v1/erp/portal-links", operator, json={"customer": SITE, "days": 7}
    ).json()
    portal = http.get("/portal/data", params={"token": link["url"].split("token=", 1)[1]})
    ctx.check(portal.status_code == 200, f"portal data: {portal.status_code} {portal.text[:200]}")
    site = portal.json()["sites"][0]
    ctx.say(
        f"customer portal link (7 days): {site['sensors_working']}/{site['points']} points monitored, "
        f"{site['open_incidents']} open incidents, next visit {site['next_visit']}"
    )
