"""The pest API over real HTTP in the local runtime: OAuth tokens through the authorizer,
roles, tenant isolation, rate limiting, the stale flag, the scheduled incident sync."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from syncbridge.api.routes import pest_guard
from syncbridge.domain.pest.ratelimit import RateLimiter
from syncbridge_local.demo.pest_walkthrough import install_simulator_credentials, role_tokens
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration
A, B = "golden-crust", "other-bakery"


@pytest.fixture(scope="module")
def runtime() -> Iterator[Any]:
    from syncbridge import pest_bootstrap
    from syncbridge_local.runtime import LocalRuntime

    # Containers remember which tenants they registered; this runtime's tables are new.
    pest_bootstrap._registered.clear()
    with LocalRuntime.start(
        REPO_ROOT / "template.yaml",
        schedules=False,
        retry_delay=0,
        poll_wait=1,
        env={"MICROSHARE_SETTLE_SECONDS": "0.05"},
    ) as rt:
        install_simulator_credentials(rt)
        yield rt
    pest_guard.reset_limiter()


@pytest.fixture(scope="module")
def http(runtime: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(runtime: Any, http: httpx.Client) -> dict[str, dict[str, str]]:
    return {tenant: role_tokens(runtime, http, tenant) for tenant in (A, B)}


def bearer(tokens: dict[str, dict[str, str]], tenant: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[tenant][role]}"}


def test_no_token_is_401_and_openapi_is_public(http: httpx.Client) -> None:
    assert http.get("/api/v1/erp/discovery/unmapped").status_code == 401
    spec = http.get("/api/v1/erp/openapi.json")
    assert spec.status_code == 200 and "/api/v1/erp/incidents/sync" in spec.json()["paths"]
    assert http.get("/api/v1/erp/swagger").status_code == 200


def test_roles_are_enforced(http: httpx.Client, tokens) -> None:
    viewer = bearer(tokens, A, "viewer")
    assert http.get("/api/v1/erp/discovery/unmapped", headers=viewer).status_code == 200
    r = http.post("/api/v1/erp/sync/create-devices", json={"dry_run": True}, headers=viewer)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    operator = bearer(tokens, A, "operator")
    r = http.post("/api/v1/erp/sync/create-devices", json={"dry_run": True}, headers=operator)
    assert r.status_code == 200 and r.json()["summary"] == {"create": 9}
    r = http.put(
        "/api/v1/erp/config",
        json={
            "config": {
                "location": {
                    "patterns": [
                        {"name": "x", "field": "name", "delimiter": "/", "parts": ["site", "area"]}
                    ]
                }
            }
        },
        headers=operator,
    )
    assert r.status_code == 403


def test_full_flow_and_tenant_isolation(runtime: Any, http: httpx.Client, tokens) -> None:
    op_a, op_b = bearer(tokens, A, "operator"), bearer(tokens, B, "operator")
    created = http.post("/api/v1/erp/sync/create-devices", json={}, headers=op_a).json()
    assert created["summary"] == {"created": 9}, created
    device_id = created["results"][0]["device_id"]
    r = http.post(
        f"/api/v1/erp/devices/{device_id}/deveui", json={"deveui": "70b3d53260004242"}, headers=op_a
    )
    assert r.status_code == 200, r.text
    # tenant B cannot read or change tenant A's device, nor see its incidents
    assert http.get(f"/api/v1/erp/devices/{device_id}", headers=op_b).status_code == 404
    assert (
        http.post(f"/api/v1/erp/devices/{device_id}/deveui/confirm", headers=op_b).status_code
        == 404
    )
    assert (
        http.post(
            f"/api/v1/erp/devices/{device_id}/status", json={"status": "inactive"}, headers=op_b
        ).status_code
        == 404
    )
    assert http.get("/api/v1/erp/devices", headers=op_b).json()["count"] == 0
    r = http.post(f"/api/v1/erp/devices/{device_id}/deveui/confirm", headers=op_a)
    assert r.status_code == 200 and r.json()["deveui"] == "70-B3-D5-32-60-00-42-42", r.text
    r = http.post(
        f"/api/v1/erp/devices/{device_id}/status", json={"status": "active"}, headers=op_a
    )
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = http.post(
        f"/api/v1/erp/devices/{device_id}/status", json={"status": "pending"}, headers=op_a
    )
    assert r.status_code == 409
    synced = http.post("/api/v1/erp/incidents/sync", headers=op_a).json()
    assert synced["summary"]["created"] == 2, synced
    assert http.get("/api/v1/erp/incidents", headers=op_a).json()["count"] == 2
    assert http.get("/api/v1/erp/incidents", headers=op_b).json()["count"] == 0
    history = http.get(
        f"/api/v1/erp/devices/{device_id}/history", headers=bearer(tokens, A, "viewer")
    ).json()["entries"]
    assert {"deveui_proposed", "deveui_confirmed", "status_changed"} <= {
        e["action"] for e in history
    }


def test_scheduled_incident_sync_iterates_tenants(runtime: Any, http: httpx.Client, tokens) -> None:
    # Given both tenants have used the pest API (which registers them), whatever ran before
    for tenant in (A, B):
        answer = http.get(
            "/api/v1/erp/discovery/unmapped", headers=bearer(tokens, tenant, "viewer")
        )
        assert answer.status_code == 200, answer.text
    # And the alerts seen so far were synced (by an earlier test, or here)
    assert runtime.fire_schedule("IncidentSyncSchedule")["ok"]
    microshare = runtime.simulators["MICROSHARE_API_URL"]
    location = microshare.state.devices()[0]["meta"]["location"]
    microshare.state.add_alert(
        microshare.state.devices()[0]["id"],
        location,
        event="rodent_present",
        alert_id="scheduled-1",
        created="2026-11-23T20:00:00Z",
    )
    result = runtime.fire_schedule("IncidentSyncSchedule")
    assert result["ok"], result
    assert A in result["tenants"] and B in result["tenants"]
    assert result["tenants"][A]["summary"].get("created") == 1


def test_stale_flag_when_microshare_is_down(runtime: Any, http: httpx.Client, tokens) -> None:
    viewer = bearer(tokens, A, "viewer")
    http.get("/api/v1/erp/discovery/unmapped", headers=viewer)
    microshare = runtime.simulators["MICROSHARE_API_URL"]
    microshare.go_down()
    try:
        body = http.get(
            "/api/v1/erp/discovery/unmapped", params={"refresh": "true"}, headers=viewer
        ).json()
        assert body["stale"] is True and body["sources"]["iot"]["ok"] is False
        assert body["as_of"] and body["sources"]["erp"]["ok"] is True
    finally:
        microshare.come_up()
    body = http.get(
        "/api/v1/erp/discovery/unmapped", params={"refresh": "true"}, headers=viewer
    ).json()
    assert body["stale"] is False


def test_rate_limit_is_429_with_retry_after(http: httpx.Client, tokens) -> None:
    pest_guard.use_limiter(RateLimiter(rate_per_second=0.2, burst=3))
    try:
        viewer = bearer(tokens, B, "viewer")
        replies = [http.get("/api/v1/erp/devices", headers=viewer) for _ in range(5)]
        assert [r.status_code for r in replies] == [200, 200, 200, 429, 429]
        assert int(replies[-1].headers["Retry-After"]) >= 1
        assert replies[-1].json()["error"]["code"] == "rate_limited"
        # tenant A has its own bucket
        assert (
            http.get("/api/v1/erp/devices", headers=bearer(tokens, A, "viewer")).status_code == 200
        )
    finally:
        pest_guard.reset_limiter()
