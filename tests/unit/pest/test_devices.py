"""Lifecycle with both systems in step, DevEUI propose/confirm, uniqueness, audit trail."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.errors import Conflict, DuplicateDevEui, InvalidInput
from syncbridge.domain.pest.lifecycle import InvalidTransition
from syncbridge.domain.pest.models import DeviceStatus

TENANT = "golden-crust"
EUI = "70-B3-D5-32-60-00-12-34"
REC = "io.microshare.trap.packed"


@pytest.fixture
def provisioned(world):
    world.provisioning.create_devices(TENANT, world.config, "ops")
    return world


def test_propose_then_confirm_updates_both_systems_and_audits(provisioned):
    w = provisioned
    proposed = w.device_service.propose_deveui(TENANT, "3", "70b3d53260001234", "alice")
    assert proposed.proposed_deveui == EUI and proposed.deveui == "00-00-00-00-00-00-00-00"
    confirmed = w.device_service.confirm_deveui(TENANT, "3", "bob")
    assert confirmed.deveui == EUI and confirmed.pending_sync == []
    assert next(d for d in w.iot.devices if d.point_ref == "ERP024_025_03").deveui == EUI
    assert w.erp.points["3"].barcode == EUI
    history = w.device_service.history(TENANT, "3")
    assert [(h.action, h.actor, h.old, h.new) for h in history[-2:]] == [
        ("deveui_proposed", "alice", None, EUI),
        ("deveui_confirmed", "bob", "00-00-00-00-00-00-00-00", EUI),
    ]


def test_deveui_is_unique_across_the_tenant(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    with pytest.raises(DuplicateDevEui) as info:
        w.device_service.propose_deveui(TENANT, "4", EUI.lower().replace("-", ":"), "alice")
    assert info.value.http_status == 409
    # a DevEUI already on an existing Microshare device is refused too
    with pytest.raises(DuplicateDevEui, match="Microshare"):
        w.device_service.propose_deveui(TENANT, "4", "58a0cb0000102f01", "alice")


def test_another_tenant_may_use_the_same_deveui(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.devices.reserve_deveui("other-tenant", EUI, "3")
    assert w.devices.owner_of(TENANT, EUI) == "3"


def test_reproposing_releases_the_previous_reservation(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.propose_deveui(TENANT, "3", "70-B3-D5-32-60-00-99-99", "alice")
    w.device_service.propose_deveui(TENANT, "4", EUI, "alice")  # free again
    assert w.devices.owner_of(TENANT, EUI) == "4"


@pytest.mark.parametrize("raw", ["nope", "00-00-00-00-00-00-00-00"])
def test_invalid_or_default_deveui_is_refused(provisioned, raw):
    with pytest.raises(InvalidInput):
        provisioned.device_service.propose_deveui(TENANT, "3", raw, "alice")


def test_confirm_without_proposal_is_a_conflict(provisioned):
    with pytest.raises(Conflict):
        provisioned.device_service.confirm_deveui(TENANT, "3", "bob")


def test_lifecycle_keeps_both_systems_in_step(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    for target in (DeviceStatus.ACTIVE, DeviceStatus.MAINTENANCE, DeviceStatus.ACTIVE):
        dev = w.device_service.transition(TENANT, "3", target, "carol", w.config)
        assert dev.status is target and dev.pending_sync == []
        assert w.erp.points["3"].status == target.value
        assert (
            next(d for d in w.iot.devices if d.point_ref == "ERP024_025_03").status == target.value
        )
    with pytest.raises(InvalidTransition):
        w.device_service.transition(TENANT, "3", DeviceStatus.PENDING, "carol", w.config)


def test_activation_without_real_deveui_is_refused(provisioned):
    with pytest.raises(InvalidTransition):
        provisioned.device_service.transition(
            TENANT, "4", DeviceStatus.ACTIVE, "carol", provisioned.config
        )


def test_side_down_leaves_step_pending_and_retry_finishes_it(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    w.iot.outage.is_down = True
    dev = w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    # the ERP side went on; the IoT side waits
    assert dev.status is DeviceStatus.ACTIVE and dev.pending_sync == ["iot:status"]
    assert w.erp.points["3"].status == "active"
    w.iot.outage.is_down = False
    assert w.device_service.retry_pending(TENANT) == {"retried": 1, "finished": 1}
    assert next(d for d in w.iot.devices if d.point_ref == "ERP024_025_03").status == "active"


def _set_in_microshare(w, ref: str, **changes) -> None:
    for i, dev in enumerate(w.iot.devices):
        if dev.point_ref == ref:
            w.iot.devices[i] = dev.model_copy(update=changes)


def test_status_changed_in_microshare_is_adopted_and_mirrored(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    w.clock.advance(minutes=5)
    _set_in_microshare(w, "ERP024_025_03", status="maintenance")  # a technician, in Microshare
    observed = w.clock()
    adopted = w.device_service.adopt_iot_state(TENANT, w.iot.list_devices(REC), w.config, observed)
    assert adopted == {"status": 1, "deveui": 0}
    assert w.devices.get(TENANT, "3").status is DeviceStatus.MAINTENANCE
    assert w.erp.points["3"].status == "maintenance"
    last = w.device_service.history(TENANT, "3")[-1]
    assert (last.actor, last.action, last.old, last.new) == (
        "microshare",
        "status_adopted",
        "active",
        "maintenance",
    )


def test_our_newer_change_is_not_reverted_by_an_older_snapshot(provisioned):
    w = provisioned
    snapshot = w.iot.list_devices(REC)  # read before our change
    observed = w.clock()
    w.clock.advance(seconds=1)
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.device_service.confirm_deveui(TENANT, "3", "bob")
    w.device_service.transition(TENANT, "3", DeviceStatus.ACTIVE, "carol", w.config)
    adopted = w.device_service.adopt_iot_state(TENANT, snapshot, w.config, observed)
    assert adopted == {"status": 0, "deveui": 0}
    assert w.devices.get(TENANT, "3").status is DeviceStatus.ACTIVE


def test_hardware_assigned_in_microshare_is_adopted_once_and_stays_unique(provisioned):
    w = provisioned
    w.clock.advance(minutes=5)
    _set_in_microshare(w, "ERP024_025_04", deveui=EUI)
    _set_in_microshare(w, "ERP024_025_05", deveui=EUI)  # a typo duplicated it
    adopted = w.device_service.adopt_iot_state(TENANT, w.iot.list_devices(REC), w.config, w.clock())
    assert adopted == {"status": 0, "deveui": 1}
    assert w.devices.get(TENANT, "4").deveui == EUI and w.erp.points["4"].barcode == EUI
    assert w.devices.get(TENANT, "5").deveui == "00-00-00-00-00-00-00-00"


def test_confirm_survives_a_background_sync_saving_the_device_meanwhile(provisioned):
    # Given a proposed DevEUI, and a scheduled sync that saves the same device right
    # after our read (optimistic locking: our first write finds a newer version)
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    store = w.device_service.devices
    real_get = store.get
    interfered = []

    def get_then_background_save(tenant, device_id):
        device = real_get(tenant, device_id)
        if not interfered:
            interfered.append(device_id)
            store.save(real_get(tenant, device_id))  # the background sync's write
        return device

    store.get = get_then_background_save
    # When the person confirms
    confirmed = w.device_service.confirm_deveui(TENANT, "3", "bob")
    # Then the change is re-applied on the newer version instead of failing with a 409
    assert interfered == ["3"]
    assert confirmed.deveui == EUI and confirmed.proposed_deveui is None
    assert w.erp.points["3"].barcode == EUI
