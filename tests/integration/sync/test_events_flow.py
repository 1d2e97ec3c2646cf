"""ERP change events end to end in the local runtime: token -> authorizer -> API -> FIFO
events queue -> applier -> home platform, with a retry and an out-of-order delivery."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.api.principal import Principal
from syncbridge.authserver.service import ClientRegistration, bootstrap_tenant, register_client
from syncbridge.authserver.store import OAuthStore
from syncbridge.store.sync import EventMappingRepository

pytestmark = pytest.mark.integration
TENANT = "events-brewery"


def event(occurred_at: str, name: str, event_id: str | None = None, action: str = "updated") -> dict[str, Any]:
    return {"event_id": event_id or str(uuid.uuid4()), "resource_type": "products", "action": action,
            "resource_id": "p-77", "occurred_at": occurred_at,
            "data": {"id": "p-77", "name": name, "sku": "IPA-77", "active": True}}


def test_pushed_events_apply_newest_wins_through_the_whole_stack(local_runtime: Any) -> None:
    rt = local_runtime
    # Given tenant's Ekos client (events:write only) and a product already mapped by setup
    with rt.env_of("OAuthFunction"):
        store = OAuthStore()
        bootstrap_tenant(store, TENANT)
        admin = Principal(tenant_id=TENANT, client_id="cli", scopes=frozenset({"admin"}),
                          roles=frozenset({"admin"}))
        ekos = register_client(store, admin, ClientRegistration(name="Ekos", scope="events:write"))
    with rt.env_of("ApplierFunction"):
        DynamoHomePlatform().create(TENANT, "products", {"name": "IPA", "sku": "IPA-77"}, record_id="home-77")
        assert EventMappingRepository().put(TENANT, "ekos", "products", "p-77", "home-77", source="setup")

    with httpx.Client(base_url=rt.base_url, timeout=15) as http:
        got = http.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "events:write"},
                        auth=(ekos.client_id, ekos.client_secret or ""))
        assert got.status_code == 200, got.text
        headers = {"Authorization": f"Bearer {got.json()['access_token']}"}
        newest = event("2026-03-01T12:05:00Z", "IPA (new label)")
        # When Ekos pushes the newest change, retries it, then a stale change arrives late
        for body in (newest, newest, event("2026-03-01T12:00:00+00:00", "IPA (old label)")):
            reply = http.post("/api/v1/erp/ekos/events", json=body, headers=headers)
            assert reply.status_code == 202, reply.text
        # And a push without a token or with a malformed body is refused up front
        assert http.post("/api/v1/erp/ekos/events", json=newest).status_code == 401
        bad = http.post("/api/v1/erp/ekos/events", json={**newest, "occurred_at": "noon"}, headers=headers)
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
