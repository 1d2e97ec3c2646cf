"""The pest API over real HTTP in the local runtime: OAuth tokens through the authorizer,
roles, tenant isolation, rate limiting, the stale flag, the scheduled incident sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from syncbridge_local.demo.pest_walkthrough import install_simulator_credentials, role_tokens
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration
A, B, NEW = "golden-crust", "other-bakery", "new-bakery"


@pytest.fixture(scope="module")
def runtime() -> Iterator[Any]:
    from syncbridge_local.runtime import LocalRuntime

    with LocalRuntime.start(
        REPO_ROOT / "template.yaml",
        schedules=False,
        retry_delay=0,
        poll_wait=1,
        env={"MICROSHARE_SETTLE_SECONDS": "0.05"},
    ) as rt:
        yield rt


@pytest.fixture(scope="module")
def http(runtime: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(runtime: Any, http: httpx.Client) -> dict[str, dict[str, str]]:
    """Tokens per role for three tenants; A and B set their own credentials, NEW never does."""
    issued = {tenant: role_tokens(runtime, http, tenant) for tenant in (A, B, NEW)}
    for tenant in (A, B):
        install_simulator_credentials(runtime, http, issued[tenant]["admin"])
    return issued


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


def test_scheduled_incident_sync_iterates_tenants(runtime: Any) -> None:
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


def test_rate_limit_is_429_with_retry_after_counted_in_dynamodb(
    runtime: Any, http: httpx.Client, tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore

    busy = "busy-bakery"  # a tenant whose only API requests are these
    with runtime.env_of("OAuthFunction"):
        client = bootstrap_tenant(OAuthStore(), busy)
    token = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "pest:read"},
        auth=(client.client_id, client.client_secret or ""),
    ).json()["access_token"]
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "3")
    viewer = {"Authorization": f"Bearer {token}"}
    replies = [http.get("/api/v1/erp/devices", headers=viewer) for _ in range(8)]
    statuses = [r.status_code for r in replies]
    assert statuses[0] == 200 and 429 in statuses, statuses
    limited = next(r for r in replies if r.status_code == 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    # the counter lives in the ThrottleTable (every container sees it), not in memory
    with runtime.env_of("PestApiFunction"):
        from syncbridge import aws

        items = aws.table("THROTTLE_TABLE").scan()["Items"]
    assert any(i["pk"].startswith(f"api#{busy}#") and int(i["hits"]) >= 4 for i in items)
    # another tenant has its own counter
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "1000")
    assert http.get("/api/v1/erp/devices", headers=bearer(tokens, A, "viewer")).status_code == 200


def test_a_tenant_without_its_own_credentials_gets_not_configured_never_anothers(
    http: httpx.Client, tokens
) -> None:
    """Finding: a new tenant read and wrote the same Odoo / Microshare data as the others."""
    viewer, operator = bearer(tokens, NEW, "viewer"), bearer(tokens, NEW, "operator")
    for method, path, body in [
        ("GET", "/api/v1/erp/discovery/inspection-points", None),
        ("GET", "/api/v1/erp/discovery/unmapped", None),
        ("POST", "/api/v1/erp/sync/create-devices", {"dry_run": True}),
    ]:
        headers = operator if method == "POST" else viewer
        reply = http.request(method, path, json=body, headers=headers)
        assert reply.status_code == 409, (path, reply.text)
        assert reply.json()["error"]["code"] == "credentials_not_configured"
        assert "Golden Crust" not in reply.text
    admin = bearer(tokens, NEW, "admin")
    listed = http.get("/admin/credentials", headers=admin).json()["systems"]
    assert {s["system"]: s["configured"] for s in listed} == {
        "microshare": False, "odoo": False, "resterp": False,
    }  # fmt: skip
    configured_a = http.get("/admin/credentials", headers=bearer(tokens, A, "admin")).json()
    assert {s["system"] for s in configured_a["systems"] if s["configured"]} == {
        "odoo", "microshare",
    }  # fmt: skip
    assert "api_key" not in json.dumps(configured_a) and "password" not in json.dumps(configured_a)
    # only an admin may set them, and a private address is refused
    refused = http.put(
        "/admin/credentials/odoo", json={"api_key": "k"}, headers=bearer(tokens, NEW, "operator")
    )
    assert refused.status_code == 403
    internal = http.put(
        "/admin/credentials/odoo",
        json={"api_key": "k", "base_url": "https://169.254.169.254/latest"},
        headers=admin,
    )
    assert internal.status_code == 422
