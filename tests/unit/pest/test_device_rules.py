"""The device rules the lifecycle and saga tests leave implicit: where else a DevEUI may
already live, what a rollback restores, how writes survive a background save, and which
devices Microshare's state is adopted for."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.errors import ConcurrentUpdate, Conflict, DuplicateDevEui
from syncbridge.domain.pest.models import DeviceStatus, Point, ProvisionState

TENANT = "golden-crust"
EUI = "70-B3-D5-32-60-00-12-34"
OTHER = "70-B3-D5-32-60-00-99-99"
REC = "io.microshare.trap.packed"


@pytest.fixture
def provisioned(world):
    world.provisioning.create_devices(TENANT, world.config, "ops")
    return world


def _barcode(w, point_id: str, barcode: str | None) -> None:
    """The ERP point (and our snapshot of it) carries `barcode`."""
    point = w.erp.points[point_id].model_copy(update={"barcode": barcode})
    w.erp.points[point_id] = point
    w.store.upsert_points(TENANT, [point])


def _in_microshare(w, ref: str, **changes) -> None:
    for n, dev in enumerate(w.iot.devices):
        if dev.point_ref == ref:
            w.iot.devices[n] = dev.model_copy(update=changes)
    w.store.put_iot_devices(TENANT, w.iot.list_devices(REC))


# ------------------------------------------------------------------ where a DevEUI lives
def test_a_deveui_another_erp_point_holds_as_barcode_is_refused_naming_the_point(provisioned):
    w = provisioned
    _barcode(w, "4", "n/a")  # not a DevEUI: ignored, and the points after it still count
    _barcode(w, "6", EUI.lower().replace("-", ""))
    with pytest.raises(DuplicateDevEui) as refused:
        w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    assert "ERP point 6" in refused.value.message
    assert w.devices.owner_of(TENANT, EUI) is None


def test_the_barcode_of_the_devices_own_point_is_no_obstacle(provisioned):
    w = provisioned
    _barcode(w, "3", EUI)
    assert w.device_service.propose_deveui(TENANT, "3", EUI, "alice").proposed_deveui == EUI


def test_a_deveui_microshare_holds_for_another_point_is_refused(provisioned):
    w = provisioned
    _in_microshare(w, "ERP024_025_05", deveui=EUI)
    with pytest.raises(DuplicateDevEui) as refused:
        w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    assert "ERP024_025_05" in refused.value.message


def test_a_deveui_microshare_already_holds_for_this_point_may_be_proposed(provisioned):
    w = provisioned
    _in_microshare(w, "ERP024_025_03", deveui=EUI)
    assert w.device_service.propose_deveui(TENANT, "3", EUI, "alice").proposed_deveui == EUI


def test_proposing_the_same_deveui_again_keeps_it_reserved_for_the_device(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    again = w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    assert again.proposed_deveui == EUI and w.devices.owner_of(TENANT, EUI) == "3"
    with pytest.raises(DuplicateDevEui) as refused:
        w.device_service.propose_deveui(TENANT, "4", EUI, "bob")
    assert "device 3" in refused.value.message


# ------------------------------------------------------------------ pushes and the saga
def test_a_device_not_in_microshare_yet_keeps_its_microshare_step_pending(provisioned):
    w = provisioned
    device = w.devices.get(TENANT, "3")
    w.devices.save(
        device.model_copy(
            update={"provision": ProvisionState.INTENT, "pending_sync": ["iot:status"]}
        )
    )
    before = [d.model_copy() for d in w.iot.devices]
    dev = w.device_service.sync_sides(w.devices.get(TENANT, "3"))
    assert dev.pending_sync == ["iot:status"]
    assert "not in Microshare yet" in w.device_service.last_errors["iot:status"]
    assert w.iot.devices == before


def test_microshare_is_written_in_the_devices_own_cluster(provisioned):
    w = provisioned
    written = []
    real_update = w.iot.update_device

    def record(rec_type, point_ref, **changes):
        written.append(rec_type)
        return real_update(rec_type, point_ref, **changes)

    w.iot.update_device = record
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    assert written == [REC, REC]


def test_a_rollback_restores_the_old_deveui_reservation_and_keeps_other_pending_steps(
    provisioned,
):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    # a status change the ERP could not take yet stays pending through the rollback
    w.erp.outage.fail("write_point_fields")
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    assert w.devices.get(TENANT, "3").pending_sync == ["erp:status"]
    w.device_service.propose_deveui(TENANT, "3", OTHER, "alice")
    w.erp.points["99"] = Point(id="99", name="Spare", default_code="X", barcode=OTHER)
    w.clock.advance(minutes=1)
    with pytest.raises(Exception, match="refused"):
        w.device_service.confirm_deveui(TENANT, "3", "bob")
    device = w.devices.get(TENANT, "3")
    assert device.deveui == EUI and device.deveui_change.state == "rolled_back"
    assert w.devices.owner_of(TENANT, EUI) == "3" and w.devices.owner_of(TENANT, OTHER) is None
    assert w.erp.points["3"].status == "active"  # the pending status went out meanwhile
    last = w.device_service.history(TENANT, "3")[-1]
    assert (last.actor, last.action, last.field, last.old, last.new) == (
        "sync-bridge", "deveui_rolled_back", "deveui", OTHER, EUI
    )  # fmt: skip


def test_both_sides_refusing_says_both_reasons(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.erp.points["99"] = Point(id="99", name="Spare", default_code="X", barcode=EUI)
    real_update = w.iot.update_device

    def microshare_refuses(rec_type, point_ref, **changes):
        if changes.get("deveui") == EUI:
            raise Conflict("Microshare: DevEUI taken in another cluster")
        return real_update(rec_type, point_ref, **changes)

    w.iot.update_device = microshare_refuses
    with pytest.raises(Exception, match="refused"):
        w.device_service.confirm_deveui(TENANT, "3", "bob")
    reason = w.devices.get(TENANT, "3").deveui_change.reason
    assert reason.count("; ") == 1
    assert "another cluster" in reason and "already used" in reason


def test_an_applied_change_keeps_when_it_finished_through_later_pushes(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    applied = w.device_service.confirm_deveui(TENANT, "3", "bob").deveui_change
    assert applied.state == "applied" and applied.finished_at == w.clock()
    w.clock.advance(minutes=5)
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    assert w.devices.get(TENANT, "3").deveui_change == applied


def _background_saves(w, times: int) -> list[str]:
    """The store's next `times` saves find the device saved by someone else first."""
    real_save = w.devices.save
    seen = []

    def save(device):
        if len(seen) < times:
            seen.append(device.device_id)
            real_save(w.devices.get(device.tenant_id, device.device_id))
        return real_save(device)

    w.devices.save = save
    return seen


@pytest.mark.parametrize("times", [1, 3])
def test_a_push_survives_up_to_three_background_saves(provisioned, times):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    w.iot.outage.is_down = True
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    w.iot.outage.is_down = False
    _background_saves(w, times)
    assert w.device_service.sync_sides(w.devices.get(TENANT, "3")).pending_sync == []


def test_a_push_that_keeps_losing_to_background_saves_gives_up_with_the_conflict(provisioned):
    w = provisioned
    w.iot.outage.is_down = True
    w.device_service.transition(TENANT, "3", DeviceStatus.INACTIVE, "carol", w.config)
    w.iot.outage.is_down = False
    seen = _background_saves(w, 4)
    with pytest.raises(ConcurrentUpdate):
        w.device_service.sync_sides(w.devices.get(TENANT, "3"))
    assert len(seen) == 4


def test_settling_a_change_survives_a_background_save(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    real_save = w.devices.save
    hits = []

    def save(device):
        # the background write lands just before the saga records "applied"
        if device.deveui_change and device.pending_sync == [] and not hits:
            hits.append(1)
            real_save(w.devices.get(device.tenant_id, device.device_id))
        return real_save(device)

    w.devices.save = save
    device = w.device_service.confirm_deveui(TENANT, "3", "bob")
    assert hits and device.deveui_change.state == "applied"
    assert w.devices.get(TENANT, "3").deveui_change.state == "applied"


# ------------------------------------------------------------------ adopting Microshare
def test_adoption_goes_through_every_device_and_counts_each(provisioned):
    w = provisioned
    w.clock.advance(minutes=5)
    # device 3 has changes of ours pending for Microshare, device 4 is ours and newer,
    # device 5 is in no Microshare list: all skipped, and the devices after them adopted
    w.iot.outage.is_down = True
    w.device_service.transition(TENANT, "3", DeviceStatus.INACTIVE, "carol", w.config)
    w.iot.outage.is_down = False
    _in_microshare(w, "ERP024_025_03", status="maintenance")
    observed = w.clock()
    w.device_service.transition(TENANT, "4", DeviceStatus.INACTIVE, "carol", w.config)
    _in_microshare(w, "ERP024_025_04", status="maintenance")
    for ref in ("ERP024_025_06", "ERP024_025_07"):
        _in_microshare(w, ref, status="maintenance")
    _in_microshare(w, "ERP024_025_08", deveui=EUI)
    _in_microshare(w, "ERP024_025_09", deveui=OTHER)
    listed = [d for d in w.iot.list_devices(REC) if d.point_ref != "ERP024_025_05"]
    w.clock.advance(minutes=1)
    adopted = w.device_service.adopt_iot_state(TENANT, listed, w.config, observed)
    assert adopted == {"status": 2, "deveui": 2}
    assert w.devices.get(TENANT, "3").status is DeviceStatus.INACTIVE
    assert w.devices.get(TENANT, "4").status is DeviceStatus.INACTIVE
    assert w.devices.get(TENANT, "7").status is DeviceStatus.MAINTENANCE
    assert w.devices.get(TENANT, "9").deveui == OTHER and w.devices.owner_of(TENANT, OTHER) == "9"
    assert w.devices.get(TENANT, "9").updated_at == w.clock()


def test_a_device_we_changed_exactly_when_microshare_was_read_is_ours(provisioned):
    w = provisioned
    w.device_service.transition(TENANT, "3", DeviceStatus.INACTIVE, "carol", w.config)
    _in_microshare(w, "ERP024_025_03", status="maintenance")
    adopted = w.device_service.adopt_iot_state(TENANT, w.iot.list_devices(REC), w.config, w.clock())
    assert adopted == {"status": 0, "deveui": 0}


def test_adoption_skips_a_device_saved_meanwhile_and_goes_on(provisioned):
    w = provisioned
    w.clock.advance(minutes=5)
    for ref in ("ERP024_025_03", "ERP024_025_04"):
        _in_microshare(w, ref, status="maintenance")
    real_save = w.devices.save

    def device_3_changed(device):
        if device.device_id == "3":
            raise ConcurrentUpdate("device changed")
        return real_save(device)

    w.devices.save = device_3_changed
    adopted = w.device_service.adopt_iot_state(TENANT, w.iot.list_devices(REC), w.config, w.clock())
    assert adopted == {"status": 1, "deveui": 0}
    assert w.devices.get(TENANT, "4").status is DeviceStatus.MAINTENANCE


def test_retry_goes_through_every_device_and_counts_each(provisioned):
    w = provisioned
    w.iot.outage.is_down = True
    for point in ("3", "5", "6"):
        w.device_service.transition(TENANT, point, DeviceStatus.INACTIVE, "carol", w.config)
    w.iot.outage.is_down = False
    real_update = w.iot.update_device

    def refuse_5(rec_type, point_ref, **changes):
        if point_ref == "ERP024_025_05":
            raise Conflict("Microshare: device 5 is locked")
        return real_update(rec_type, point_ref, **changes)

    w.iot.update_device = refuse_5
    assert w.device_service.retry_pending(TENANT) == {"retried": 3, "finished": 2}


def test_devices_are_listed_by_reference_for_the_tenant_only(provisioned):
    w = provisioned
    refs = [d.point_ref for d in w.device_service.list(TENANT)]
    assert refs == sorted(refs) and len(refs) == 9
    assert w.device_service.list("another-tenant") == []
