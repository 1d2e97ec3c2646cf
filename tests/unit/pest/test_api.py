"""The pest API through its resolver: roles, tenant isolation, rate limit, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncbridge.api import throttle
from syncbridge.api.routes import pest_deps
from syncbridge.api.routes.pest_app import build_app
from syncbridge.roots.pest import PestContext
from tests.helpers.apigw import MemoryCounter, Reply, api_event, authorizer_context
from tests.unit.pest.conftest import build_world, seed_points

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def api(monkeypatch):
    """Two tenants with their own ERP and IoT fakes, sharing the same stores."""
    throttle.use_counter(MemoryCounter())
    a = build_world()
    b_points = [p.model_copy(update={"id": str(100 + int(p.id))}) for p in seed_points()[:3]]
    b = build_world(b_points)
    b.store, b.devices, b.audit = a.store, a.devices, a.audit
    worlds = {"tenant-a": a, "tenant-b": b}

    def factory(tenant: str) -> PestContext:
        w = worlds[tenant]
        config = w.store.get_config(tenant) or w.config
        return PestContext(tenant, config, w.store, w.devices, w.audit, w.erp, w.iot, w.clock)

    pest_deps.use_context_factory(factory)
    app = build_app()

    def call(method, path, *, tenant="tenant-a", roles=("admin",), body=None, **kw):
        auth = authorizer_context(tenant, *roles) if tenant else None
        event = api_event(method, path, json_body=body, headers=JSON, authorizer=auth, **kw)
        return Reply(app.resolve(event, None))

    call.worlds = worlds
    yield call
    pest_deps.use_context_factory(None)
    throttle.use_counter(None)


def test_discovery_and_gap_analysis(api):
    r = api("GET", "/api/v1/erp/discovery/inspection-points", roles=("viewer",))
    assert r.status == 200, r.text
    body = r.json()
    assert body["count"] == 11 and body["stale"] is False and body["parse_errors"] == []
    assert body["points"][0]["location_list"][3] == "ERP024_025_01"
    gaps = api("GET", "/api/v1/erp/discovery/unmapped", roles=("viewer",)).json()
    assert gaps["count"] == 9
    assert gaps["unmapped"][0]["template"] == {
        "rec_type": "io.microshare.trap.packed",
        "deveui": "00-00-00-00-00-00-00-00",
        "status": "pending",
        "location": [
            "Golden Crust Manchester",
            "Manchester Production",
            "Mixing Room",
            "ERP024_025_03",
            "Internal",
            "Snap Trap",
        ],
    }


def test_no_principal_is_401(api):
    r = api("GET", "/api/v1/erp/discovery/unmapped", tenant=None)
    assert r.status == 401 and r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "method, path, body, role",
    [
        ("POST", "/api/v1/erp/sync/create-devices", {"dry_run": True}, "viewer"),
        ("POST", "/api/v1/erp/incidents/sync", None, "viewer"),
        ("POST", "/api/v1/erp/devices/3/status", {"status": "active"}, "viewer"),
        (
            "PUT",
            "/api/v1/erp/config",
            {
                "config": {
                    "location": {
                        "patterns": [
                            {
                                "name": "n",
                                "field": "name",
                                "delimiter": "/",
                                "parts": ["site", "area"],
                            }
                        ]
                    }
                }
            },
            "operator",
        ),
    ],
)
def test_insufficient_role_is_403(api, method, path, body, role):
    r = api(method, path, roles=(role,), body=body)
    assert r.status == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"


def test_create_devices_dry_run_then_real_then_lifecycle(api):
    plan = api(
        "POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={"dry_run": True}
    ).json()
    assert plan["summary"] == {"create": 9} and plan["results"] == []
    done = api("POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={}).json()
    assert done["summary"] == {"created": 9}
    r = api("POST", "/api/v1/erp/devices/3/status", roles=("operator",), body={"status": "active"})
    assert r.status == 409 and "default DevEUI" in r.json()["error"]["message"]
    r = api("POST", "/api/v1/erp/devices/3/deveui", roles=("operator",), body={"deveui": "zz"})
    assert r.status == 422
    r = api(
        "POST",
        "/api/v1/erp/devices/3/deveui",
        roles=("operator",),
        body={"deveui": "70b3d53260001234"},
    )
    assert r.status == 200 and r.json()["proposed_deveui"] == "70-B3-D5-32-60-00-12-34"
    r = api(
        "POST",
        "/api/v1/erp/devices/4/deveui",
        roles=("operator",),
        body={"deveui": "70-B3-D5-32-60-00-12-34"},
    )
    assert r.status == 409 and r.json()["error"]["code"] == "duplicate_deveui"
    r = api("POST", "/api/v1/erp/devices/3/deveui/confirm", roles=("operator",))
    assert r.status == 200 and r.json()["deveui"] == "70-B3-D5-32-60-00-12-34"
    r = api("POST", "/api/v1/erp/devices/3/status", roles=("operator",), body={"status": "active"})
    assert r.status == 200 and r.json()["status"] == "active"
    r = api("POST", "/api/v1/erp/devices/3/status", roles=("operator",), body={"status": "pending"})
    assert r.status == 409
    history = api("GET", "/api/v1/erp/devices/3/history", roles=("viewer",)).json()["entries"]
    assert {"deveui_proposed", "deveui_confirmed", "status_changed"} <= {
        e["action"] for e in history
    }
    assert all(e["actor"] == "alice" for e in history)


def test_tenant_b_cannot_see_or_change_tenant_a(api):
    api("POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={})
    # B sees only its own three points and none of A's devices
    b_points = api(
        "GET", "/api/v1/erp/discovery/inspection-points", tenant="tenant-b", roles=("viewer",)
    ).json()
    assert {p["id"] for p in b_points["points"]} == {"101", "102", "103"}
    assert (
        api("GET", "/api/v1/erp/devices", tenant="tenant-b", roles=("viewer",)).json()["count"] == 0
    )
    # A's device ids do not exist for B: reads and writes are 404
    for method, path, body in [
        ("GET", "/api/v1/erp/devices/3", None),
        ("GET", "/api/v1/erp/devices/3/history", None),
        ("POST", "/api/v1/erp/devices/3/deveui", {"deveui": "70b3d53260001234"}),
        ("POST", "/api/v1/erp/devices/3/status", {"status": "inactive"}),
    ]:
        r = api(method, path, tenant="tenant-b", roles=("admin",), body=body)
        assert r.status == 404, (path, r.text)
    assert api("GET", "/api/v1/erp/devices/3", roles=("viewer",)).json()["status"] == "pending"


def test_rate_limit_answers_429_with_retry_after(api, monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "3")
    statuses = [api("GET", "/api/v1/erp/devices", roles=("viewer",)).status for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    r = api("GET", "/api/v1/erp/devices", roles=("viewer",))
    assert r.headers["retry-after"] == "60"
    assert r.json()["error"]["code"] == "rate_limited"
    # another tenant has its own bucket
    assert api("GET", "/api/v1/erp/devices", tenant="tenant-b", roles=("viewer",)).status == 200


def test_stale_flag_when_iot_is_down(api):
    api("GET", "/api/v1/erp/discovery/unmapped", roles=("viewer",))
    w = api.worlds["tenant-a"]
    w.iot.outage.is_down = True
    w.clock.advance(seconds=120)
    body = api("GET", "/api/v1/erp/discovery/unmapped", roles=("viewer",)).json()
    assert body["stale"] is True and body["sources"]["iot"]["ok"] is False
    assert body["as_of"] is not None and body["count"] == 9


def test_erp_down_without_snapshot_is_503(api):
    api.worlds["tenant-a"].erp.outage.is_down = True
    r = api("GET", "/api/v1/erp/discovery/inspection-points", roles=("viewer",))
    assert r.status == 503 and r.json()["error"]["code"] == "source_unavailable"


def test_incident_sync_route(api):
    from tests.unit.pest.test_incidents import _alert

    api("GET", "/api/v1/erp/discovery/inspection-points", roles=("viewer",))
    api.worlds["tenant-a"].iot.alerts = [_alert(1), _alert(2, minutes=5)]
    r = api("POST", "/api/v1/erp/incidents/sync", roles=("operator",))
    assert r.status == 200 and r.json()["summary"] == {"created": 1, "grouped": 1}
    incidents = api("GET", "/api/v1/erp/incidents", roles=("viewer",)).json()
    assert incidents["count"] == 1 and incidents["incidents"][0]["count"] == 2
    assert (
        api("GET", "/api/v1/erp/incidents", tenant="tenant-b", roles=("viewer",)).json()["count"]
        == 0
    )


def test_config_admin_roundtrip_changes_parsing(api):
    cfg = api("GET", "/api/v1/erp/config", roles=("viewer",)).json()
    assert cfg["stored"] is False
    new = cfg["config"]
    four = ["site", "building", "area", "zone"]
    new["location"]["patterns"] = [
        {"name": "four parts", "field": "name", "delimiter": " / ", "parts": four}
    ]
    r = api("PUT", "/api/v1/erp/config", body={"config": new})
    assert r.status == 200 and r.json()["config"]["version"] == 1
    body = api("GET", "/api/v1/erp/discovery/inspection-points", roles=("viewer",)).json()
    assert len(body["parse_errors"]) == 11  # names have three parts, not four
    # stale version -> 409
    r = api("PUT", "/api/v1/erp/config", body={"config": new, "expected_version": 0})
    assert r.status == 409
    bad = {"config": {"location": {"patterns": [{"name": "x", "regex": "(?P<bogus>.)"}]}}}
    r = api("PUT", "/api/v1/erp/config", body=bad)
    assert r.status == 422


def test_openapi_and_swagger_are_published(api):
    r = api("GET", "/api/v1/erp/openapi.json", tenant=None)
    assert r.status == 200
    spec = r.json()
    assert "/api/v1/erp/discovery/unmapped" in spec["paths"]
    assert "/api/v1/erp/sync/create-devices" in spec["paths"]
    assert "CreateDevicesIn" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    ui = api("GET", "/api/v1/erp/swagger", tenant=None)
    assert ui.status == 200 and "swagger" in ui.text.lower()


EVENTS = sorted((Path(__file__).resolve().parents[3] / "events").glob("pest_api-*.json"))


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.stem)
def test_every_sample_event_reaches_its_route(api, path):
    from syncbridge.api.routes.pest_app import build_app

    raw = json.loads(path.read_text())
    reply = Reply(build_app().resolve(raw, None))
    assert reply.status not in (404, 405, 500) or reply.json()["error"]["code"] not in (
        "not_found",
        "method_not_allowed",
        "internal_error",
    ), reply.text
    assert reply.status < 500, reply.text


def test_sample_events_exist_for_every_route():
    assert len(EVENTS) >= 15


def test_device_change_with_microshare_down_is_stale_until_retried(api):
    api("POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={})
    w = api.worlds["tenant-a"]
    api(
        "POST",
        "/api/v1/erp/devices/3/deveui",
        roles=("operator",),
        body={"deveui": "70b3d53260001234"},
    )
    w.iot.outage.is_down = True
    r = api("POST", "/api/v1/erp/devices/3/deveui/confirm", roles=("operator",))
    body = r.json()
    assert r.status == 200 and body["stale"] is True and body["pending_sync"] == ["iot:deveui"]
    assert "iot:deveui" in body["sync_errors"]
    assert w.erp.points["3"].barcode == "70-B3-D5-32-60-00-12-34"  # the ERP side went on
    w.iot.outage.is_down = False
    synced = api("POST", "/api/v1/erp/incidents/sync", roles=("operator",)).json()
    assert synced["devices_retried"] == {"retried": 1, "finished": 1}
    assert api("GET", "/api/v1/erp/devices/3", roles=("viewer",)).json()["stale"] is False
