"""Sync flows end to end in the local runtime (moto + the Ekos simulator).

- ERP change events: token -> authorizer -> API -> FIFO events queue -> applier -> home
  platform, with a retry and an out-of-order delivery.
- A scheduled pull: a sync command run against the Ekos simulator over HTTP.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.api.principal import Principal
from syncbridge.authserver.service import (
    ClientRegistration,
    bootstrap_tenant,
    create_person,
    register_client,
    sign_in,
)
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.sync.models import SyncCommand
from syncbridge.roots import keg
from syncbridge.store.sync import EventMappingRepository, SyncCursorRepository

pytestmark = pytest.mark.integration
TENANT = "events-brewery"


def event(
    occurred_at: str, name: str, event_id: str | None = None, action: str = "updated"
) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "resource_type": "products",
        "action": action,
        "resource_id": "p-77",
        "occurred_at": occurred_at,
        "data": {"id": "p-77", "name": name, "sku": "IPA-77", "active": True},
    }


def test_pushed_events_apply_newest_wins_through_the_whole_stack(local_runtime: Any) -> None:
    rt = local_runtime
    # Given tenant's Ekos client (events:write only) and a product already mapped by setup
    with rt.env_of("OAuthFunction"):
        store = OAuthStore()
        bootstrap_tenant(store, TENANT)
        admin = Principal(
            tenant_id=TENANT,
            client_id="cli",
            scopes=frozenset({"admin"}),
            roles=frozenset({"admin"}),
        )
        ekos = register_client(store, admin, ClientRegistration(name="Ekos", scope="events:write"))
    with rt.env_of("ApplierFunction"):
        DynamoHomePlatform().create(
            TENANT, "products", {"name": "IPA", "sku": "IPA-77"}, record_id="home-77"
        )
        assert EventMappingRepository().put(
            TENANT, "ekos", "products", "p-77", "home-77", source="setup"
        )

    with httpx.Client(base_url=rt.base_url, timeout=15) as http:
        got = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "events:write"},
            auth=(ekos.client_id, ekos.client_secret or ""),
        )
        assert got.status_code == 200, got.text
        headers = {"Authorization": f"Bearer {got.json()['access_token']}"}
        newest = event("2026-03-01T12:05:00Z", "IPA (new label)")
        # When Ekos pushes the newest change, retries it, then a stale change arrives late
        for body in (newest, newest, event("2026-03-01T12:00:00+00:00", "IPA (old label)")):
            reply = http.post("/api/v1/erp/ekos/events", json=body, headers=headers)
            assert reply.status_code == 202, reply.text
        # And a push without a token or with a malformed body is refused up front
        assert http.post("/api/v1/erp/ekos/events", json=newest).status_code == 401
        bad = http.post(
            "/api/v1/erp/ekos/events", json={**newest, "occurred_at": "noon"}, headers=headers
        )
        assert bad.status_code == 422 and "occurred_at" in bad.text

    rt.wait_idle(timeout=30)
    # Then the home record holds the newest state and nothing went to the DLQ
    with rt.env_of("ApplierFunction"):
        record = DynamoHomePlatform().get(TENANT, "products", "home-77")
        version = EventMappingRepository().source_version(TENANT, "ekos", "products", "p-77")
    assert record is not None and record.fields["name"] == "IPA (new label)"
    assert version == "2026-03-01T12:05:00.000000Z"
    assert sum(rt.queue_counts("EventsDLQ").values()) == 0
    applied = [c for c in rt.journal if c.function_id == "ApplierFunction"]
    assert applied and all(c.ok for c in applied)
    assert all(not (c.result or {}).get("batchItemFailures") for c in applied)


def connect_to_ekos(rt: Any, tenant: str) -> Any:
    """Connect `tenant` to the Ekos simulator through the real connect flow; the simulator."""
    sim = rt.simulators["EKOS_BASE_URL"]
    sim.auto_approve = True
    secret = rt.client("secretsmanager").get_secret_value(SecretId=rt.ref("EkosClientSecret"))
    ours = json.loads(secret["SecretString"])
    sim.register_client(
        ours["client_id"], ours["client_secret"], [rt.base_url + "/oauth/ekos/callback"]
    )
    with rt.env_of("ApiFunction"):
        store = OAuthStore()
        login = create_person(store, tenant, "pat", "admin")
        session = sign_in(store, tenant, "pat", login.password)
    with httpx.Client(base_url=rt.base_url, cookies={"sb_session": session}, timeout=30) as http:
        assert http.get("/connections/ekos/start", follow_redirects=True).status_code == 200
    return sim


def test_a_reconcile_pull_from_the_ekos_simulator_refreshes_mapped_records(
    local_runtime: Any,
) -> None:
    rt, tenant = local_runtime, "pull-brewery"
    # Given a tenant connected to Ekos (through the real connect flow) ...
    sim = connect_to_ekos(rt, tenant)
    # ... and two Ekos products mapped to stale home records
    live = [p for p in sim.dataset.ekos["products"] if not p["deleted"]][:2]
    with rt.env_of("ImporterFunction"):
        home, mappings = DynamoHomePlatform(), EventMappingRepository()
        for product in live:
            home.create(tenant, "products", {"name": "stale"}, record_id=f"home-{product['id']}")
            assert mappings.put(
                tenant, "ekos", "products", product["id"], f"home-{product['id']}", "setup"
            )
        # When the nightly reconcile command for products runs
        command = SyncCommand(
            action="reconcile",
            tenant_id=tenant,
            connection_id="ekos",
            erp="ekos",
            resource_type="products",
            run_id="reconcile-test",
        )
        report = keg.run_sync(command.model_dump_json())
    # (the pull queues each change on the events queue; the applier applies them in order,
    # and the reconcile's home phase follows on the import queue)
    rt.wait_idle(timeout=120)
    with rt.env_of("ImporterFunction"):
        names = {
            p["id"]: home.get(tenant, "products", f"home-{p['id']}").fields["name"] for p in live
        }  # type: ignore[union-attr]
        cursor = SyncCursorRepository().get(tenant, "ekos", "products")
        mapped = mappings.external_to_internal(tenant, "ekos", "products")
    # Then every Ekos product was read and queued, the mapped ones now carry Ekos's data,
    # the others wait for the guided setup of products (nothing created, nothing mapped),
    # and the incremental cursor moved to the newest change
    assert report.read == len(sim.dataset.ekos["products"])
    assert set(report.outcomes) <= {"queued_updated", "queued_deleted"}
    assert sum(report.outcomes.values()) == report.read and report.continued
    assert names == {p["id"]: p["name"] for p in live}
    assert set(mapped) == {p["id"] for p in live}
    assert cursor is not None and cursor.startswith("20")


def test_unit_scans_reach_ekos_once_and_invalid_ones_are_audited(local_runtime: Any) -> None:
    rt, tenant = local_runtime, "scan-brewery"
    sim = connect_to_ekos(rt, tenant)
    batch = next(b for b in sim.dataset.ekos["product-batches"] if not b["deleted"])
    customer = next(c for c in sim.dataset.ekos["customer-locations"] if not c["deleted"])
    # Given our batch and customer mapped to Ekos's, and a batch mapped to an id Ekos lacks
    with rt.env_of("OutboundFunction"):
        mappings = EventMappingRepository()
        assert mappings.put(tenant, "ekos", "product-batches", batch["id"], "home-batch", "setup")
        assert mappings.put(
            tenant, "ekos", "customer-locations", customer["id"], "home-cust", "setup"
        )
        assert mappings.put(
            tenant, "ekos", "product-batches", "no-such-batch", "home-ghost", "setup"
        )
    scan = {
        "tenant_id": tenant,
        "scan_id": "scan-1",
        "unit_serial": "KEG-1",
        "event": "delivered",
        "product_batch_id": "home-batch",
        "location_id": "home-cust",
        "location_type": "customer",
        "scanned_at": "2026-03-01T12:00:00Z",
    }
    # When the home platform sends a scan twice (redelivery) and an invalid one
    rt.send_message("OutboundQueue", scan)
    rt.send_message("OutboundQueue", scan)
    rt.send_message(
        "OutboundQueue", scan | {"scan_id": "scan-ghost", "product_batch_id": "home-ghost"}
    )
    rt.wait_idle(timeout=60)
    # Then Ekos recorded the scan once, in its own ids; the invalid one is audited, not in the DLQ
    received = [s for s in sim.state.received_scans() if s["scan_id"].startswith("scan-")]
    assert [(s["scan_id"], s["product_batch_id"], s["location_id"]) for s in received] == [
        ("scan-1", batch["id"], customer["id"])
    ]
    assert sum(rt.queue_counts("OutboundDLQ").values()) == 0
    with rt.env_of("OutboundFunction"):
        audit = rt.client("dynamodb").scan(TableName=rt.table_name("AuditTable"))["Items"]
    rejected = [i for i in audit if i.get("entry_id", {}).get("S") == "SCAN#ekos#scan-ghost"]
    assert rejected and "product_batch_id" in rejected[0]["entry_json"]["S"]
