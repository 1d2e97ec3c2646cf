"""Device changes are pure, re-appliable and verifiable (the merge in read-modify-write)."""

from __future__ import annotations

import pytest

from syncbridge.adapters.microshare import (
    UNASSIGNED_DEVEUI,
    AssignDevEui,
    Device,
    DeviceCluster,
    DeviceMatch,
    MicroshareConflict,
    MicroshareNotFound,
    RemoveDevice,
    SetDeviceStatus,
    UpsertDevice,
)


def device(reference: str, deveui: str = UNASSIGNED_DEVEUI, status: str = "pending") -> Device:
    return Device.model_validate(
        {
            "id": deveui,
            "meta": {"location": ["S", "A", "P", reference, "Internal", "Bait"]},
            "status": status,
            "firmware": "1.2",
        }
    )


def test_upsert_adds_then_replaces_by_reference_keeping_unknown_fields():
    devices = [device("R1"), device("R2")]
    added = UpsertDevice(device("R3")).apply(devices)
    assert [d.reference for d in added] == ["R1", "R2", "R3"] and len(devices) == 2
    changed = UpsertDevice(Device(id="58a0cb0000102f01", meta=device("R1").meta)).apply(added)
    assert changed[0].id == "58a0cb0000102f01" and changed[0].model_extra == {"firmware": "1.2"}
    assert UpsertDevice(device("R3")).applied(added) and not UpsertDevice(device("R4")).applied(
        added
    )


def test_many_pending_devices_share_the_placeholder_and_are_told_apart_by_reference():
    devices = [device("R1"), device("R2")]
    result = SetDeviceStatus(DeviceMatch(reference="R2"), "active").apply(devices)
    assert [d.status for d in result] == ["pending", "active"]
    with pytest.raises(ValueError):
        DeviceMatch(deveui=UNASSIGNED_DEVEUI)
    with pytest.raises(MicroshareNotFound):
        SetDeviceStatus(DeviceMatch(reference="R9"), "active").apply(devices)


def test_assigning_a_deveui_normalizes_it_and_refuses_a_second_owner():
    devices = [device("R1", "58-A0-CB-00-00-10-2F-01", "active"), device("R2")]
    change = AssignDevEui("R2", "58a0cb0000102f02")
    assert change.apply(devices)[1].id == "58-A0-CB-00-00-10-2F-02"
    assert change.applied(change.apply(devices)) and not change.applied(devices)
    with pytest.raises(MicroshareConflict):
        AssignDevEui("R2", "58:a0:cb:00:00:10:2f:01").apply(devices)


def test_remove_matches_by_deveui_in_any_spelling():
    devices = [device("R1", "58-A0-CB-00-00-10-2F-01"), device("R2")]
    change = RemoveDevice(DeviceMatch(deveui="58a0cb0000102f01"))
    assert [d.reference for d in change.apply(devices)] == ["R2"]
    assert change.applied(change.apply(devices)) and not change.applied(devices)


def test_a_cluster_goes_back_exactly_as_read_plus_our_change():
    wire = {"id": "c1", "recType": "io.microshare.trap.packed", "name": "traps",
            "tags": ["x"], "data": {"owner": "o", "devices": [
                {"id": "58-A0-CB-00-00-10-2F-01", "meta": {"location": [], "zone": 3}}]}}  # fmt: skip
    cluster = DeviceCluster.model_validate(wire)
    assert cluster.to_wire() == wire
    updated = cluster.with_devices(UpsertDevice(device("R2")).apply(cluster.devices))
    out = updated.to_wire()
    assert out["tags"] == ["x"] and out["data"]["owner"] == "o"
    assert out["data"]["devices"][0] == wire["data"]["devices"][0]
    assert out["data"]["devices"][1]["firmware"] == "1.2"
