"""Pest-control walk-through: Golden Crust Manchester from discovery to an Odoo incident.

Against the local runtime, through its HTTP API with OAuth tokens, on the seed's naming
("Golden Crust Manchester - Flour Storage Silo A", as a real Odoo 19 holds it) and with no
tenant configuration stored: the tenant admin sets the tenant's own Odoo and Microshare
credentials (PUT /admin/credentials), discovery (11 points),
gap analysis (9 unmapped), a dry run, creating the devices, assigning and confirming a real
DevEUI, activating the device, a rodent alert in the Microshare simulator, the incident sync
-> a new task in the Odoo simulator. Also the bootstrap helpers tests reuse: putting the
simulators' credentials in as a tenant's own, and tokens per role.
"""

from __future__ import annotations

from typing import Any

import httpx

from syncbridge_local.demo import DemoContext, demo_step

TENANT = "golden-crust"
ROLES = ("viewer", "operator", "admin")
ROLE_SCOPES = {
    "viewer": "pest:read",
    "operator": "pest:read pest:write",
    "admin": "admin pest:read pest:write",
}
REAL_DEVEUI = "70-B3-D5-32-60-00-12-34"


def simulator_credentials(runtime: Any) -> dict[str, dict[str, str]]:
    """What a tenant admin would enter for the running Odoo / Microshare simulators."""
    found: dict[str, dict[str, str]] = {}
    odoo = runtime.simulators.get("ODOO_BASE_URL")
    if odoo is not None:
        found["odoo"] = {**odoo.secret_value(), "base_url": odoo.url}
    microshare = runtime.simulators.get("MICROSHARE_API_URL")
    if microshare is not None:
        found["microshare"] = {
            **microshare.secret_value(),
            "api_url": microshare.url,
            "auth_url": microshare.auth_url,
        }
    return found


def install_simulator_credentials(runtime: Any, http: httpx.Client, admin_token: str) -> list[str]:
    """The tenant's admin sets the tenant's OWN Odoo and Microshare credentials (the
    simulators') through `PUT /admin/credentials/{system}`; returns the systems set.

    Each tenant has its own (Secrets Manager, one secret per tenant and system): a tenant
    that never set them gets 409 `credentials_not_configured`, never another's.
    """
    written: list[str] = []
    for system, body in simulator_credentials(runtime).items():
        reply = http.put(f"/admin/credentials/{system}", json=body, headers=_auth(admin_token))
        if reply.status_code != 200:
            raise RuntimeError(f"setting {system} credentials: {reply.status_code} {reply.text}")
        written.append(system)
    from aws_lambda_powertools.utilities import parameters

    from syncbridge.roots.pest import reset_ports

    parameters.clear_caches()
    reset_ports()
    return written


def role_tokens(runtime: Any, http: httpx.Client, tenant: str = TENANT) -> dict[str, str]:
    """A bearer token per role for `tenant`: an admin client bootstraps the tenant, then
    registers one client per role through the OAuth server's API."""
    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore

    with runtime.env_of("OAuthFunction"):
        admin = bootstrap_tenant(OAuthStore(), tenant, name="pest demo admin")

    def token(client_id: str, secret: str, scope: str) -> str:
        reply = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client_id, secret),
        )
        if reply.status_code != 200:
            raise RuntimeError(f"token request refused: {reply.status_code} {reply.text}")
        return reply.json()["access_token"]

    admin_token = token(admin.client_id, admin.client_secret or "", "admin")
    tokens: dict[str, str] = {}
    for role in ROLES:
        reply = http.post(
            "/oauth/clients",
            json={"name": f"pest {role}", "scope": ROLE_SCOPES[role], "roles": [role]},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        if reply.status_code != 201:
            raise RuntimeError(f"client registration refused: {reply.status_code} {reply.text}")
        client = reply.json()
        tokens[role] = token(client["client_id"], client["client_secret"], ROLE_SCOPES[role])
    return tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@demo_step(
    order=200, name="pest control: Odoo inspection points -> Microshare devices -> incidents"
)
def pest_walkthrough(ctx: DemoContext) -> None:
    rt, http = ctx.runtime, ctx.http
    tokens = role_tokens(rt, http)
    ctx.say(f"tenant {TENANT}: tokens for viewer, operator and admin from our OAuth server")
    installed = install_simulator_credentials(rt, http, tokens["admin"])
    ctx.check(
        installed == ["odoo", "microshare"],
        "the Odoo and Microshare simulators are not running (simulators REGISTRY: "
        "ODOO_BASE_URL, MICROSHARE_API_URL, MICROSHARE_AUTH_URL)",
    )
    ctx.say(f"tenant {TENANT}: its admin set its own Odoo and Microshare credentials")
    ctx.state["pest_tokens"] = tokens  # the insights step goes on as the same tenant
    viewer, operator = _auth(tokens["viewer"]), _auth(tokens["operator"])
    admin = _auth(tokens["admin"])

    def call(method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
        reply = http.request(method, path, headers=headers, **kw)
        ctx.check(reply.status_code == 200, f"{method} {path} -> {reply.status_code}: {reply.text}")
        return reply.json()

    stored = call("GET", "/api/v1/erp/config", viewer)["stored"]
    ctx.check(stored is False, "the demo tenant must start with no stored configuration")
    points = call("GET", "/api/v1/erp/discovery/inspection-points", viewer)
    ctx.check(points["count"] == 11, f"expected 11 inspection points, got {points['count']}")
    ctx.check(points["parse_errors"] == [], f"unparsed: {points['parse_errors']}")
    sample = points["points"][0]
    ctx.say(
        f"discovery (no tenant configuration): {points['count']} inspection points in Odoo, "
        f"{len(points['parse_errors'])} unparseable; e.g. {sample['name']!r} -> "
        f"{sample['location_list']}"
    )
    fields = call("GET", "/api/v1/erp/config/erp-fields", admin)["fields"]
    ctx.say(
        "optional Odoo fields: "
        + ", ".join(
            f"{f['name']} ({'present' if f['present'] else 'absent, not needed'})" for f in fields
        )
        + "; an admin may add one with POST /api/v1/erp/config/erp-fields/<key>"
    )

    gaps = call("GET", "/api/v1/erp/discovery/unmapped", viewer)
    ctx.check(gaps["count"] == 9, f"expected 9 unmapped points, got {gaps['count']}")
    ctx.say(
        f"gap analysis: {gaps['count']} points without a device, e.g. "
        f"{gaps['unmapped'][0]['reference']} needs {gaps['unmapped'][0]['template']['rec_type']}"
    )

    plan = call("POST", "/api/v1/erp/sync/create-devices", operator, json={"dry_run": True})
    ctx.check(plan["summary"] == {"create": 9}, f"dry run planned {plan['summary']}")
    ctx.say(f"dry run: would create {plan['summary']['create']} devices; nothing written")

    created = call("POST", "/api/v1/erp/sync/create-devices", operator, json={})
    ctx.check(created["summary"] == {"created": 9}, f"create-devices: {created['summary']}")
    microshare = rt.simulators["MICROSHARE_API_URL"]
    cluster = microshare.state.devices()
    ctx.say(
        f"created 9 pending devices (DevEUI 00-00-00-00-00-00-00-00); the Microshare cluster "
        f"now has {len(cluster)} devices"
    )
    again = call("POST", "/api/v1/erp/sync/create-devices", operator, json={})
    ctx.check(again["results"] == [], f"second run was not a no-op: {again['summary']}")
    ctx.say("running it again changes nothing (idempotent)")

    device = next(r for r in created["results"] if r["point_id"] == gaps["unmapped"][0]["point_id"])
    device_id = device["device_id"]
    proposed = call(
        "POST",
        f"/api/v1/erp/devices/{device_id}/deveui",
        operator,
        json={"deveui": REAL_DEVEUI.replace("-", "").lower()},
    )
    confirmed = call("POST", f"/api/v1/erp/devices/{device_id}/deveui/confirm", operator)
    ctx.check(
        confirmed["deveui"] == REAL_DEVEUI
        and not confirmed["pending_sync"]
        and confirmed["deveui_change"]["state"] == "applied",
        f"confirm: {confirmed}",
    )
    odoo = rt.simulators["ODOO_BASE_URL"]
    barcode = odoo.state.raw("product.product", int(confirmed["point_id"]))["barcode"]
    ctx.say(
        f"device {device_id} ({proposed['point_ref']}): DevEUI {REAL_DEVEUI} proposed, "
        f"confirmed; Odoo barcode is now {barcode}"
    )
    active = call(
        "POST", f"/api/v1/erp/devices/{device_id}/status", operator, json={"status": "active"}
    )
    ctx.check(active["status"] == "active" and not active["pending_sync"], f"activate: {active}")
    history = call("GET", f"/api/v1/erp/devices/{device_id}/history", viewer)["entries"]
    ctx.say(
        f"activated; audit trail has {len(history)} entries "
        f"({', '.join(e['action'] for e in history[-3:])})"
    )

    location = next(
        d["meta"]["location"] for d in microshare.state.devices() if d["id"] == REAL_DEVEUI
    )
    alert_id = microshare.state.add_alert(REAL_DEVEUI, location, event="rodent_present")
    tasks_before = len(odoo.state.records("project.task"))
    synced = call("POST", "/api/v1/erp/incidents/sync", operator)
    tasks = odoo.state.records("project.task")
    # the scheduled incident sync (every 5 minutes, sped up in the demo) may have taken the
    # alert a moment before this call did: what matters is exactly one new Odoo task for it
    made = [t for t in tasks if f"microshare:{alert_id}" in (t.get("description") or "")]
    ctx.check(
        len(made) == 1,
        f"the new alert did not become exactly one incident: {synced['summary']}, {len(made)}",
    )
    new_task = made[0]
    project = odoo.state.raw("project.project", new_task["project_id"])["name"]
    ctx.say(
        f"incident sync: {synced['summary']}; Odoo now has {len(tasks)} pest tasks "
        f"(had {tasks_before}); new: {new_task['name']!r} in project {project!r} "
        "(found by name, no setting)"
    )
    incidents = call("GET", "/api/v1/erp/incidents", viewer)["incidents"]
    for incident in incidents:
        ctx.say(
            f"  incident {incident['incident_id']} for point {incident['point_id']}: "
            f"{incident['count']} alert(s) grouped"
        )
    ctx.say(
        f"summary: {points['count']} points discovered, {gaps['count']} unmapped -> "
        f"{created['summary']['created']} devices created, DevEUI {REAL_DEVEUI} assigned and "
        f"active on {confirmed['point_ref']}, {len(incidents)} incidents in Odoo from "
        f"{sum(i['count'] for i in incidents)} alerts"
    )
