"""Walk-through of our OAuth server and the sync flows, through the local API over HTTP.

1. An admin client for a new tenant registers an Ekos client (scope `events:write`); Ekos
   gets a token and pushes change events: the newest first, a retry, a stale one late. The
   applier keeps the newest. A revoked token is refused at once.
2. The tenant connects to the Ekos simulator; a unit scan sent twice reaches Ekos once,
   with the same Idempotency-Key, in Ekos's ids.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from syncbridge_local.demo import IDLE_TIMEOUT_S, DemoContext, demo_step

TENANT = "demo-taproom"


def _token(ctx: DemoContext, client_id: str, secret: str, scope: str) -> str:
    reply = ctx.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
    )
    ctx.check(reply.status_code == 200, f"token endpoint answered {reply.status_code}")
    return reply.json()["access_token"]


def _event(occurred_at: str, name: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "resource_type": "products",
        "action": "updated",
        "resource_id": "p-demo-1",
        "occurred_at": occurred_at,
        "data": {"id": "p-demo-1", "name": name, "sku": "DEMO-1", "active": True},
    }


@demo_step(order=400, name="our OAuth server and ERP change events (newest wins)")
def change_events(ctx: DemoContext) -> None:
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore
    from syncbridge.store.sync import EventMappingRepository

    rt = ctx.runtime
    with rt.env_of("OAuthFunction"):
        admin = bootstrap_tenant(OAuthStore(), TENANT, name="demo admin")
    ctx.say(f"bootstrapped tenant {TENANT}: admin client {admin.client_id}")
    admin_token = _token(ctx, admin.client_id, admin.client_secret or "", "admin")
    reply = ctx.http.post(
        "/oauth/clients",
        json={"name": "Ekos change events", "scope": "events:write"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    ctx.check(reply.status_code == 201, f"client registration answered {reply.status_code}")
    ekos = reply.json()
    ekos_token = _token(ctx, ekos["client_id"], ekos["client_secret"], "events:write")
    ctx.say("registered the Ekos client and got a 15-minute events:write token")

    with rt.env_of("ApplierFunction"):
        DynamoHomePlatform().create(
            TENANT, "products", {"name": "Demo IPA"}, record_id="home-demo-1"
        )
        EventMappingRepository().put(TENANT, "ekos", "products", "p-demo-1", "home-demo-1", "demo")
    headers = {"Authorization": f"Bearer {ekos_token}"}
    newest = _event("2026-03-01T12:05:00Z", "Demo IPA (new label)")
    for body, what in (
        (newest, "newest change"),
        (newest, "Ekos retry of the same event"),
        (_event("2026-03-01T12:00:00Z", "Demo IPA (old label)"), "an older change, arriving late"),
    ):
        reply = ctx.http.post("/api/v1/erp/ekos/events", json=body, headers=headers)
        ctx.check(reply.status_code == 202, f"events endpoint answered {reply.status_code}")
        ctx.say(f"pushed {what}: 202")
    rt.wait_idle(timeout=IDLE_TIMEOUT_S)
    with rt.env_of("ApplierFunction"):
        record = DynamoHomePlatform().get(TENANT, "products", "home-demo-1")
    name = record.fields.get("name") if record else None
    ctx.check(name == "Demo IPA (new label)", f"home record name is {name!r}")
    ctx.say(f"home record now reads {name!r} (the stale change was ignored)")

    ctx.http.post(
        "/oauth/revoke", data={"token": ekos_token}, auth=(ekos["client_id"], ekos["client_secret"])
    )
    reply = ctx.http.post(
        "/api/v1/erp/ekos/events", json=_event("2026-03-01T13:00:00Z", "x"), headers=headers
    )
    ctx.check(reply.status_code == 401, f"revoked token answered {reply.status_code}")
    ctx.say("after RFC 7009 revocation the same token gets 401")


@demo_step(order=410, name="unit scans to Ekos exactly once (Idempotency-Key)")
def unit_scans(ctx: DemoContext) -> None:
    from syncbridge.authserver.service import create_person, sign_in
    from syncbridge.authserver.store import OAuthStore
    from syncbridge.store.sync import EventMappingRepository

    rt = ctx.runtime
    sim = rt.simulators.get("EKOS_BASE_URL")
    ctx.check(sim is not None, "the Ekos simulator is not running")
    sim.auto_approve = True
    secret = json.loads(
        rt.client("secretsmanager").get_secret_value(SecretId=rt.ref("EkosClientSecret"))[
            "SecretString"
        ]
    )
    sim.register_client(
        secret["client_id"], secret["client_secret"], [rt.base_url + "/oauth/ekos/callback"]
    )
    with rt.env_of("OAuthFunction"):
        store = OAuthStore()
        login = create_person(store, TENANT, "demo-operator", "admin")
        session = sign_in(store, TENANT, login.username, login.password)
    # a browser of its own: the Ekos callback must carry the same session (and the
    # connect cookie start sets), which only a client's cookie jar keeps across redirects
    with httpx.Client(base_url=rt.base_url, cookies={"sb_session": session}, timeout=60) as browser:
        reply = browser.get("/connections/ekos/start", follow_redirects=True)
    ctx.check(reply.status_code == 200, f"connecting to Ekos answered {reply.status_code}")
    ctx.say("connected the tenant to the Ekos simulator")

    batch = next(b for b in sim.dataset.ekos["product-batches"] if not b["deleted"])
    customer = next(c for c in sim.dataset.ekos["customer-locations"] if not c["deleted"])
    with rt.env_of("OutboundFunction"):
        mappings = EventMappingRepository()
        mappings.put(TENANT, "ekos", "product-batches", batch["id"], "home-batch-demo", "demo")
        mappings.put(TENANT, "ekos", "customer-locations", customer["id"], "home-cust-demo", "demo")
    scan = {
        "tenant_id": TENANT,
        "scan_id": "demo-scan-1",
        "unit_serial": "KEG-DEMO-1",
        "event": "delivered",
        "product_batch_id": "home-batch-demo",
        "location_id": "home-cust-demo",
        "location_type": "customer",
        "scanned_at": "2026-03-01T12:00:00Z",
    }
    rt.send_message("OutboundQueue", scan)
    rt.send_message("OutboundQueue", scan)
    rt.wait_idle(timeout=IDLE_TIMEOUT_S)
    received = [s for s in sim.state.received_scans() if s["scan_id"] == "demo-scan-1"]
    ctx.check(len(received) == 1, f"Ekos holds {len(received)} copies of the scan")
    ctx.say(
        f"the scan was sent twice and Ekos recorded it once (batch {received[0]['product_batch_id']})"
    )
