"""What a user sees when Odoo says no, through the pest API, the same on both protocols:
one HTTP status and one code per thing to do (reconnect, configure, retry later, fix the
conflicting record), and the optional status field created by an admin in one call."""

from __future__ import annotations

import httpx
import pytest

from syncbridge.adapters.erp import build_erp_adapter
from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.microshare import MicroshareClient
from syncbridge.api import throttle
from syncbridge.api.routes import pest_deps
from syncbridge.api.routes.pest_app import build_app
from syncbridge.domain.pest.config import default_config
from syncbridge.roots.pest import ErpBridge, IotBridge, PestContext
from tests.helpers.apigw import MemoryCounter, Reply, api_event, authorizer_context
from tests.unit.pest.fakes import MemoryAudit, MemoryDeviceStore, MemoryPestStore

pytestmark = pytest.mark.integration
TENANT = "golden-crust"
PROTOCOLS = ("json2", "xmlrpc")


@pytest.fixture
def api(sims, monkeypatch):
    """The pest API over the Odoo simulator (adapter settings per test) and Microshare."""
    odoo, microshare = sims
    throttle.use_counter(MemoryCounter())
    stores = (MemoryPestStore(), MemoryDeviceStore(), MemoryAudit())
    retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
    iot = MicroshareClient.from_secret(
        microshare.url, microshare.auth_url, microshare.credentials, retry=retry,
        settle_seconds=0.05,
    )  # fmt: skip
    settings: dict = {}

    def factory(tenant: str) -> PestContext:
        creds = odoo.credentials
        erp = build_erp_adapter(
            {
                "kind": "odoo",
                "base_url": odoo.url,
                "settings": {"database": creds["database"], "login": creds["login"], **settings},
                "credentials": {"api_key": settings.get("api_key", creds["api_key"])},
            },
            http=httpx.Client(timeout=2.0),
            retry=retry,
        )
        config = default_config()
        config.snapshot_ttl_seconds = 0
        return PestContext(tenant, config, *stores, ErpBridge(erp), IotBridge(iot))

    pest_deps.use_context_factory(factory)
    app = build_app()

    def call(method: str, path: str, *, roles=("admin",), body=None) -> Reply:
        event = api_event(method, path, json_body=body, headers={"Content-Type": "application/json"},
                          authorizer=authorizer_context(TENANT, *roles))  # fmt: skip
        return Reply(app.resolve(event, None))

    call.settings, call.odoo, call.microshare = settings, odoo, microshare
    yield call
    pest_deps.use_context_factory(None)
    throttle.use_counter(None)
    iot.close()


def _error(reply: Reply) -> tuple[int, str, dict]:
    body = reply.json()["error"]
    return reply.status, body["code"], body


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_refused_key_says_reconnect(api, protocol):
    api.settings.update(protocol=protocol, api_key="not-the-key")
    status, code, body = _error(api("GET", "/api/v1/erp/discovery/inspection-points"))
    assert (status, code, body["action"], body["source"]) == (
        424, "credentials_refused", "reconnect", "erp"
    )  # fmt: skip
    assert body["message"].startswith("reconnect erp: credentials refused")
    assert "not-the-key" not in body["message"]
    # the incident sync answers 200 and says the same in its result
    synced = api("POST", "/api/v1/erp/incidents/sync", roles=("operator",))
    assert synced.status == 200 and synced.json()["stale"] is True
    problem = synced.json()["problems"]["erp"]
    assert (problem["code"], problem["action"]) == ("credentials_refused", "reconnect")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_wrong_database_names_the_setting_and_the_value_tried(api, protocol):
    api.settings.update(protocol=protocol, database="golden_crust_prod")
    status, code, body = _error(api("GET", "/api/v1/erp/discovery/unmapped"))
    assert (status, code, body["setting"], body["tried"]) == (
        424, "configuration_missing", "database", "golden_crust_prod"
    )  # fmt: skip
    assert body["message"].count("configuration missing") == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_odoo_down_is_retry_later_and_a_loaded_snapshot_is_served_stale(api, protocol):
    api.settings.update(protocol=protocol)
    assert api("GET", "/api/v1/erp/discovery/inspection-points").status == 200
    api.odoo.go_down()
    try:
        body = api("GET", "/api/v1/erp/discovery/inspection-points").json()
    finally:
        api.odoo.come_up()
    assert body["stale"] is True and body["count"] == 11
    erp = body["sources"]["erp"]
    assert erp["ok"] is False and erp["code"] == "source_unavailable"
    assert erp["error"].startswith("erp is unavailable: ") and "retry later" in erp["error"]
    assert "erp is unavailable: erp is unavailable" not in erp["error"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_missing_incident_project_is_a_configuration_error_in_the_sync_result(api, protocol):
    api.settings.update(protocol=protocol, incident_container="Pest incidents")
    reply = api("POST", "/api/v1/erp/incidents/sync", roles=("operator",))
    assert reply.status == 200, reply.text
    problem = reply.json()["problems"]["erp"]
    assert (problem["code"], problem["setting"], problem["tried"]) == (
        "configuration_missing", "incident_container", "Pest incidents"
    )  # fmt: skip
    # with no setting the project whose name says "pest" is found
    api.settings.pop("incident_container")
    again = api("POST", "/api/v1/erp/incidents/sync", roles=("operator",)).json()
    assert again["problems"] == {} and again["summary"]["created"] == 2


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_barcode_odoo_refuses_rolls_the_deveui_back_with_odoos_whole_text(api, protocol):
    api.settings.update(protocol=protocol)
    gaps = api("GET", "/api/v1/erp/discovery/unmapped").json()["unmapped"]
    point_id = next(g["point_id"] for g in gaps if g["reference"] == "ERP024_025_03")
    api("POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={})
    eui = "70-B3-D5-32-60-00-12-34"
    # a product added in Odoo since our last read already holds the barcode
    api.odoo.state.add_point("Spare trap (stock)", "SPARE-1", eui)
    api("POST", f"/api/v1/erp/devices/{point_id}/deveui", roles=("operator",), body={"deveui": eui})
    status, code, body = _error(
        api("POST", f"/api/v1/erp/devices/{point_id}/deveui/confirm", roles=("operator",))
    )
    assert (status, code, body["deveui_change"]) == (409, "erp_conflict", "rolled_back")
    assert "Barcode(s) already assigned:" in body["message"]
    assert "[SPARE-1] Spare trap (stock)" in body["message"]  # the whole text, every line
    device = api("GET", f"/api/v1/erp/devices/{point_id}", roles=("viewer",)).json()
    assert device["deveui"] == "00-00-00-00-00-00-00-00" and device["pending_sync"] == []
    assert device["deveui_change"]["state"] == "rolled_back"
    in_microshare = [
        d["id"]
        for d in api.microshare.state.devices()
        if d["meta"]["location"][3] == "ERP024_025_03"
    ]
    assert in_microshare == ["00-00-00-00-00-00-00-00"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_admin_creates_the_optional_status_field_in_one_call(api, protocol):
    api.settings.update(protocol=protocol)
    listed = api("GET", "/api/v1/erp/config/erp-fields").json()["fields"]
    assert [(f["key"], f["name"], f["present"]) for f in listed] == [
        ("device_status", "x_device_status", False)
    ]
    assert api("GET", "/api/v1/erp/config/erp-fields", roles=("operator",)).status == 403
    created = api("POST", "/api/v1/erp/config/erp-fields/device_status")
    assert created.status == 200 and created.json()["present"] is True
    assert api("GET", "/api/v1/erp/config/erp-fields").json()["fields"][0]["present"] is True
    # from now on create-devices mirrors the status onto the Odoo point
    api("POST", "/api/v1/erp/sync/create-devices", roles=("operator",), body={})
    silo = api.odoo.state.search_ids("product.product", [["default_code", "=", "ERP024_025_04"]])
    assert api.odoo.state.raw("product.product", silo[0])["x_device_status"] == "pending"
    unknown = api("POST", "/api/v1/erp/config/erp-fields/colour")
    assert _error(unknown)[:2] == (424, "configuration_missing")
