"""The DynamoDB repositories keep the ports' promises: conditional writes, tenant keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncbridge.domain.pest.config import default_config
from syncbridge.domain.pest.errors import Conflict, DuplicateDevEui
from syncbridge.domain.pest.models import (
    AuditEntry,
    Device,
    IncidentGroup,
    IotDevice,
    Point,
    SnapshotMeta,
)
from syncbridge.store.devices import DynamoDeviceAudit, DynamoDeviceStore
from syncbridge.store.pest import DynamoPestStore

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _device(tenant: str, device_id: str = "3") -> Device:
    return Device(
        tenant_id=tenant,
        device_id=device_id,
        point_id=device_id,
        point_ref="R3",
        created_at=NOW,
        updated_at=NOW,
    )


def test_config_is_versioned_and_tenants_are_registered(dynamo):
    store = DynamoPestStore()
    assert store.get_config("a") is None
    store.put_config("a", default_config(), None)
    with pytest.raises(Conflict):
        store.put_config("a", default_config(), None)
    store.put_config("a", default_config(), 1)
    assert store.get_config("a").version == 2
    store.put_config("b", default_config(), None)
    assert sorted(store.list_tenants()) == ["a", "b"]


def test_snapshot_items_are_per_tenant(dynamo):
    store = DynamoPestStore()
    store.upsert_points("a", [Point(id=str(i), name=f"p{i}") for i in range(30)])
    store.upsert_points("b", [Point(id="x", name="other")])
    store.delete_points("a", ["0", "1"])
    assert len(store.list_points("a")) == 28
    assert [p.id for p in store.list_points("b")] == ["x"]
    store.put_iot_devices("a", [IotDevice(deveui="58-A0-CB-00-00-10-2F-01")])
    assert store.get_iot_devices("b") == []
    store.put_meta("a", SnapshotMeta(source="erp", cursor=NOW))
    assert store.get_meta("a", "erp").cursor == NOW and store.get_meta("b", "erp") is None


def test_leases_and_alert_claims_are_exclusive(dynamo):
    store = DynamoPestStore()
    assert store.try_lease("a", "refresh", "one", 30)
    assert not store.try_lease("a", "refresh", "two", 30)
    assert store.try_lease("b", "refresh", "two", 30)
    store.release_lease("a", "refresh", "one")
    assert store.try_lease("a", "refresh", "two", 30)
    assert store.claim_alert("a", "evt-1") and not store.claim_alert("a", "evt-1")
    assert store.claim_alert("b", "evt-1")
    store.release_alert("a", "evt-1")
    assert store.claim_alert("a", "evt-1")


def test_incident_groups_use_optimistic_locking(dynamo):
    store = DynamoPestStore()
    group = IncidentGroup(key="point#1", incident_id="9", first_at=NOW, last_at=NOW)
    store.put_group("a", group, None)
    loaded = store.get_group("a", "point#1")
    store.put_group("a", loaded.model_copy(update={"count": 2}), loaded.version)
    with pytest.raises(Conflict):
        store.put_group("a", loaded.model_copy(update={"count": 3}), loaded.version)
    assert store.get_group("a", "point#1").count == 2
    assert store.get_group("b", "point#1") is None


def test_device_create_save_claim_and_deveui_uniqueness(dynamo):
    devices = DynamoDeviceStore()
    assert devices.create(_device("a")) and not devices.create(_device("a"))
    d = devices.get("a", "3")
    saved = devices.save(d.model_copy(update={"proposed_deveui": "70-B3-D5-32-60-00-12-34"}))
    with pytest.raises(Conflict):
        devices.save(d)  # stale version
    assert saved.version == 2 and devices.get("a", "3").proposed_deveui
    assert devices.try_claim("a", "3", "me", 60) and not devices.try_claim("a", "3", "you", 60)
    devices.release_claim("a", "3", "me")
    assert devices.try_claim("a", "3", "you", 60)
    devices.reserve_deveui("a", "70-B3-D5-32-60-00-12-34", "3")
    devices.reserve_deveui("a", "70-B3-D5-32-60-00-12-34", "3")  # idempotent for its owner
    with pytest.raises(DuplicateDevEui):
        devices.reserve_deveui("a", "70-B3-D5-32-60-00-12-34", "4")
    devices.reserve_deveui("b", "70-B3-D5-32-60-00-12-34", "4")  # other tenant: independent
    devices.release_deveui("a", "70-B3-D5-32-60-00-12-34", "4")  # not the owner: no effect
    assert devices.owner_of("a", "70-B3-D5-32-60-00-12-34") == "3"
    assert devices.get("b", "3") is None and devices.list("b") == []


def test_audit_history_is_ordered_and_per_tenant(dynamo):
    audit = DynamoDeviceAudit()
    for n in range(3):
        audit.append(
            "a",
            "3",
            AuditEntry(
                at=NOW.replace(minute=n),
                actor="x",
                action="a",
                field="status",
                old=str(n),
                new=str(n + 1),
            ),
        )
    assert [e.old for e in audit.history("a", "3")] == ["0", "1", "2"]
    assert audit.history("b", "3") == []
    item = dynamo["AUDIT_TABLE"].scan()["Items"][0]
    assert item["pk"] == "TENANT#a#DEVICE#3" and int(item["expires_at"]) > 0
