"""A DevEUI change is one saga across Microshare and the ERP: both sides end equal, or it is
rolled back with the refusal's text, or it stays visibly pending and every run retries it."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.errors import UpstreamConflict
from syncbridge.domain.pest.models import DEFAULT_DEVEUI, Point

TENANT = "golden-crust"
EUI = "70-B3-D5-32-60-00-12-34"


@pytest.fixture
def provisioned(world):
    world.provisioning.create_devices(TENANT, world.config, "ops")
    return world


def _iot_deveui(world, reference: str) -> str:
    return next(d.deveui for d in world.iot.devices if d.point_ref == reference)


def _hold_barcode_elsewhere(world, barcode: str) -> None:
    """A product Sync Bridge never read (e.g. added in Odoo since the last refresh) holds
    the barcode, so only the ERP write can find out."""
    world.erp.points["99"] = Point(id="99", name="Spare trap", default_code="X", barcode=barcode)


def test_both_sides_take_the_new_deveui_and_the_change_is_applied(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    device = w.device_service.confirm_deveui(TENANT, "3", "bob")
    assert device.deveui_change.state == "applied" and device.deveui_change.reason is None
    assert (device.deveui_change.old, device.deveui_change.new) == (DEFAULT_DEVEUI, EUI)
    assert _iot_deveui(w, "ERP024_025_03") == EUI == w.erp.points["3"].barcode


def test_an_erp_refusal_rolls_microshare_and_our_record_back_with_the_whole_text(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    _hold_barcode_elsewhere(w, EUI)
    # When Microshare takes the DevEUI and the ERP refuses it
    with pytest.raises(UpstreamConflict) as raised:
        w.device_service.confirm_deveui(TENANT, "3", "bob")
    # Then the caller hears why (409), and both systems hold the old DevEUI again
    assert raised.value.http_status == 409 and "already used" in raised.value.message
    assert raised.value.details["deveui_change"] == "rolled_back"
    device = w.device_service.get(TENANT, "3")
    assert device.deveui == DEFAULT_DEVEUI and device.pending_sync == []
    assert device.deveui_change.state == "rolled_back"
    assert "already used" in device.deveui_change.reason
    assert _iot_deveui(w, "ERP024_025_03") == DEFAULT_DEVEUI
    assert w.erp.points["3"].barcode is None
    # the DevEUI is free again, and the trail says what happened
    assert w.devices.owner_of(TENANT, EUI) is None
    actions = [h.action for h in w.device_service.history(TENANT, "3")]
    assert actions[-2:] == ["deveui_confirmed", "deveui_rolled_back"]


def test_an_erp_that_is_down_leaves_the_change_pending_with_the_reason_until_a_retry(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    w.erp.outage.is_down = True
    device = w.device_service.confirm_deveui(TENANT, "3", "bob")
    assert device.deveui_change.state == "pending" and device.pending_sync == ["erp:barcode"]
    assert "erp:barcode: erp is unavailable" in device.deveui_change.reason
    assert _iot_deveui(w, "ERP024_025_03") == EUI and w.erp.points["3"].barcode is None
    assert w.device_service.retry_pending(TENANT) == {"retried": 1, "finished": 0}
    assert w.device_service.get(TENANT, "3").deveui_change.attempts == 2
    # When the ERP is back, the next run finishes the change
    w.erp.outage.is_down = False
    assert w.device_service.retry_pending(TENANT) == {"retried": 1, "finished": 1}
    device = w.device_service.get(TENANT, "3")
    assert device.deveui_change.state == "applied" and device.deveui_change.reason is None
    assert _iot_deveui(w, "ERP024_025_03") == EUI == w.erp.points["3"].barcode


def test_a_rollback_that_cannot_reach_microshare_stays_visible_and_finishes_later(provisioned):
    w = provisioned
    w.device_service.propose_deveui(TENANT, "3", EUI, "alice")
    _hold_barcode_elsewhere(w, EUI)
    # the new DevEUI gets into Microshare, the undo finds it down
    original = w.iot.update_device
    calls = []

    def second_call_fails(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            w.iot.outage.is_down = True
        try:
            return original(*args, **kwargs)
        finally:
            w.iot.outage.is_down = False

    w.iot.update_device = second_call_fails
    with pytest.raises(UpstreamConflict):
        w.device_service.confirm_deveui(TENANT, "3", "bob")
    device = w.device_service.get(TENANT, "3")
    assert device.deveui_change.state == "rolling_back" and device.pending_sync == ["iot:deveui"]
    assert device.deveui == DEFAULT_DEVEUI and _iot_deveui(w, "ERP024_025_03") == EUI
    # When the next run reaches Microshare, the rollback completes
    assert w.device_service.retry_pending(TENANT) == {"retried": 1, "finished": 1}
    device = w.device_service.get(TENANT, "3")
    assert device.deveui_change.state == "rolled_back"
    assert _iot_deveui(w, "ERP024_025_03") == DEFAULT_DEVEUI
