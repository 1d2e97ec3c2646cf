"""The whole pest-control flow against the Odoo and Microshare simulators, moto tables."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.models import DeviceStatus
from syncbridge_local.simulators.odoo import seed
from tests.integration.pest.conftest import build_context

pytestmark = pytest.mark.integration
TENANT = "golden-crust"
EUI = "70-B3-D5-32-60-00-12-34"


def _ids_by_ref(ctx) -> dict[str, str]:
    inv = ctx.discovery.inventory(TENANT, ctx.config)
    return {v.point.default_code: v.point.id for v in inv.views}


def test_discovery_create_devices_assign_activate_and_incidents(dynamo, sims):
    odoo, microshare = sims
    ctx = build_context(TENANT, odoo, microshare)

    # discovery: 11 points, all parsed, 9 without a device
    inv = ctx.discovery.inventory(TENANT, ctx.config)
    assert len(inv.views) == 11 and inv.parse_errors == [] and not inv.freshness.stale
    gaps = ctx.discovery.unmapped(inv, ctx.config)
    assert sorted(g.point.default_code for g in gaps) == sorted(p.reference for p in seed.UNMAPPED)
    ids = {v.point.default_code: v.point.id for v in inv.views}

    # dry run, then create, then a rerun that does nothing
    plan = ctx.provisioning.create_devices(TENANT, ctx.config, "ops", dry_run=True)
    assert plan.summary == {"create": 9}
    assert len(microshare.state.devices()) == 2
    done = ctx.provisioning.create_devices(TENANT, ctx.config, "ops")
    assert done.summary == {"created": 9}, done
    devices = microshare.state.devices()
    assert len(devices) == 11
    new = [d for d in devices if d["meta"]["location"][3] == "ERP024_025_03"]
    assert new[0]["id"] == "00-00-00-00-00-00-00-00" and new[0]["status"] == "pending"
    assert new[0]["meta"]["location"] == list(seed.POINTS[2].location)
    mixing = odoo.state.raw("product.product", int(ids["ERP024_025_03"]))
    # a stock Odoo keeps no device status (no x_ field) and no placeholder barcode
    assert "x_device_status" not in mixing and not mixing["barcode"]
    again = ctx.provisioning.create_devices(TENANT, ctx.config, "ops")
    assert again.results == [] and len(microshare.state.devices()) == 11
    assert ctx.discovery.unmapped(ctx.discovery.inventory(TENANT, ctx.config), ctx.config) == []

    # DevEUI: propose, confirm -> Microshare device id and Odoo barcode; then activate
    device_id = ids["ERP024_025_03"]
    ctx.device_service.propose_deveui(TENANT, device_id, "70b3d53260001234", "alice")
    confirmed = ctx.device_service.confirm_deveui(TENANT, device_id, "bob")
    assert confirmed.pending_sync == [], ctx.device_service.last_errors
    assert odoo.state.raw("product.product", int(device_id))["barcode"] == EUI
    assert [
        d["id"] for d in microshare.state.devices() if d["meta"]["location"][3] == "ERP024_025_03"
    ] == [EUI]
    active = ctx.device_service.transition(
        TENANT, device_id, DeviceStatus.ACTIVE, "carol", ctx.config
    )
    assert active.pending_sync == []
    # a DevEUI already in Microshare for another point is refused
    with pytest.raises(Exception, match="already"):
        ctx.device_service.propose_deveui(
            TENANT, ids["ERP024_025_04"], "58-A0-CB-00-00-10-2F-01", "x"
        )

    # incidents: the seeded alerts become two Odoo tasks (silo A grouped, silo B); rerun adds none
    result = ctx.incidents.sync(TENANT, ctx.config)
    assert result.summary == {"created": 2, "grouped": 4, "unlinked": 1, "ignored": 1}, result
    tasks = odoo.state.records("project.task")
    assert len(tasks) == 2
    assert any("ERP024_025_01" in t["description"] for t in tasks)
    # in the project found with no configuration: the one whose name says "pest"
    project = odoo.state.search_ids("project.project", [["name", "=", seed.INCIDENT_PROJECT]])
    assert {t["project_id"] for t in tasks} == set(project)
    # the repeated alerts of silo A were posted as notes on its one incident
    assert len(odoo.state.messages) == 4
    microshare.state.add_alert(
        "70-B3-D5-32-60-00-12-34",
        list(seed.POINTS[2].location),
        event="rodent_present",
        alert_id="rodent-new",
    )
    again = ctx.incidents.sync(TENANT, ctx.config)
    assert again.summary.get("created") == 1
    assert len(odoo.state.records("project.task")) == 3
    assert ctx.incidents.sync(TENANT, ctx.config).summary.get("created") is None


def test_microshare_down_serves_stale_and_erp_side_goes_on(dynamo, sims):
    odoo, microshare = sims
    odoo.state.add_field("product.product", "x_device_status")  # an admin added it: used
    ctx = build_context(TENANT, odoo, microshare)
    ctx.config.snapshot_ttl_seconds = 0  # every read refreshes
    ctx.provisioning.create_devices(
        TENANT, ctx.config, "ops", point_ids=[_ids_by_ref(ctx)["ERP024_025_05"]]
    )
    ids = _ids_by_ref(ctx)
    device_id = ids["ERP024_025_05"]
    ctx.device_service.propose_deveui(TENANT, device_id, "70-B3-D5-32-60-00-55-55", "alice")
    ctx.device_service.confirm_deveui(TENANT, device_id, "bob")

    microshare.go_down()
    try:
        inv = ctx.discovery.inventory(TENANT, ctx.config)
        assert inv.freshness.stale and not inv.freshness.sources["iot"].ok
        assert inv.freshness.sources["erp"].ok and len(inv.views) == 11
        assert len(ctx.discovery.unmapped(inv, ctx.config)) == 8
        dev = ctx.device_service.transition(TENANT, device_id, DeviceStatus.ACTIVE, "c", ctx.config)
        assert dev.pending_sync == ["iot:status"]
        assert odoo.state.raw("product.product", int(device_id))["x_device_status"] == "active"
        assert ctx.incidents.sync(TENANT, ctx.config).stale
    finally:
        microshare.come_up()
    assert ctx.device_service.retry_pending(TENANT) == {"retried": 1, "finished": 1}
    status = [
        d["status"]
        for d in microshare.state.devices()
        if d["meta"]["location"][3] == "ERP024_025_05"
    ]
    assert status == ["active"]


def test_odoo_down_keeps_snapshot_and_alerts_wait(dynamo, sims):
    odoo, microshare = sims
    ctx = build_context(TENANT, odoo, microshare)
    ctx.config.snapshot_ttl_seconds = 0
    ctx.discovery.inventory(TENANT, ctx.config)
    odoo.go_down()
    try:
        inv = ctx.discovery.inventory(TENANT, ctx.config)
        assert inv.freshness.stale and not inv.freshness.sources["erp"].ok
        assert len(inv.views) == 11
        result = ctx.incidents.sync(TENANT, ctx.config)
        assert result.stale and "created" not in result.summary
    finally:
        odoo.come_up()
    result = ctx.incidents.sync(TENANT, ctx.config)
    assert result.summary["created"] == 2


def test_two_concurrent_create_devices_runs_never_duplicate(dynamo, sims):
    # Given two containers (own adapters) running create-devices at the same time
    from concurrent.futures import ThreadPoolExecutor

    odoo, microshare = sims
    microshare.state.read_delay = 0.02  # widen the read-modify-write race window
    contexts = [build_context(TENANT, odoo, microshare) for _ in range(2)]
    contexts[0].discovery.inventory(TENANT, contexts[0].config)

    def run(ctx):
        return ctx.provisioning.create_devices(TENANT, ctx.config, "ops")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, contexts))
    # When a third run tidies up whatever a "busy" point left
    final = run(contexts[0])
    # Then every point has exactly one device
    refs = [d["meta"]["location"][3] for d in microshare.state.devices()]
    assert len(refs) == len(set(refs)) == 11, results
    assert all(r.outcome != "failed" for r in final.results)


def test_concurrent_deveui_reservations_have_one_winner(dynamo):
    from concurrent.futures import ThreadPoolExecutor

    from syncbridge.domain.pest.errors import DuplicateDevEui
    from syncbridge.store.devices import DynamoDeviceStore

    store = DynamoDeviceStore()

    def reserve(device_id: str) -> bool:
        try:
            store.reserve_deveui(TENANT, EUI, device_id)
            return True
        except DuplicateDevEui:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        wins = list(pool.map(reserve, [str(n) for n in range(8)]))
    assert wins.count(True) == 1
    assert store.owner_of(TENANT, EUI) == str(wins.index(True))


def test_state_changed_in_microshare_reaches_odoo_on_the_next_run(dynamo, sims):
    # Given an active device
    from syncbridge.api.routes.pest_incidents import run_incident_sync

    odoo, microshare = sims
    odoo.state.add_field("product.product", "x_device_status")
    ctx = build_context(TENANT, odoo, microshare)
    ctx.config.snapshot_ttl_seconds = 0
    device_id = _ids_by_ref(ctx)["ERP024_025_06"]
    ctx.provisioning.create_devices(TENANT, ctx.config, "ops", point_ids=[device_id])
    ctx.device_service.propose_deveui(TENANT, device_id, "70-B3-D5-32-60-00-66-66", "a")
    ctx.device_service.confirm_deveui(TENANT, device_id, "a")
    ctx.device_service.transition(TENANT, device_id, DeviceStatus.ACTIVE, "a", ctx.config)
    # When a technician puts it into maintenance in Microshare itself
    with microshare.state.lock:
        for device in microshare.state.clusters[seed.TRAP_CLUSTER_REC_TYPE][
            next(iter(microshare.state.clusters[seed.TRAP_CLUSTER_REC_TYPE]))
        ]["data"]["devices"]:
            if device["meta"]["location"][3] == "ERP024_025_06":
                device["status"] = "maintenance"
    out = run_incident_sync(ctx)
    # Then our record and the Odoo point follow
    assert out.devices_adopted == {"status": 1, "deveui": 0}
    assert ctx.device_service.get(TENANT, device_id).status is DeviceStatus.MAINTENANCE
    assert odoo.state.raw("product.product", int(device_id))["x_device_status"] == "maintenance"
