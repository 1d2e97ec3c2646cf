"""In-memory fakes of the pest-control ports, with the same conditional-write semantics."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.errors import (
    ConcurrentUpdate,
    Conflict,
    DuplicateDevEui,
    SourceUnavailable,
)
from syncbridge.domain.pest.models import (
    Alert,
    AuditEntry,
    Device,
    IncidentDraft,
    IncidentGroup,
    IotDevice,
    Point,
    SnapshotMeta,
)

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class Outage:
    """Makes named operations fail: `fail("add_devices", times=1)` or `down()` for all."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.is_down = False
        self.failures: dict[str, int] = {}
        self.calls: list[str] = []

    def fail(self, op: str, times: int = 1) -> None:
        self.failures[op] = times

    def check(self, op: str) -> None:
        self.calls.append(op)
        if self.is_down:
            raise SourceUnavailable(self.source, "connection refused")
        if self.failures.get(op, 0) > 0:
            self.failures[op] -= 1
            raise SourceUnavailable(self.source, f"{op} failed (injected)")


class FakeErp:
    def __init__(self, points: list[Point]) -> None:
        self.points = {p.id: p for p in points}
        self.incidents: dict[str, IncidentDraft] = {}
        self.notes: dict[str, list[str]] = {}
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self.outage = Outage("erp")
        self.since_calls: list[datetime | None] = []
        self._ids = itertools.count(1)

    def list_inspection_points(self, since: datetime | None) -> list[Point]:
        self.outage.check("list_inspection_points")
        self.since_calls.append(since)
        return [
            p
            for p in self.points.values()
            if since is None or (p.write_date and p.write_date >= since)
        ]

    def list_point_ids(self) -> set[str]:
        self.outage.check("list_point_ids")
        return set(self.points)

    def write_point_fields(self, point_id: str, fields: dict[str, Any]) -> None:
        self.outage.check("write_point_fields")
        barcode = fields.get("barcode")
        if barcode and any(p.barcode == barcode and p.id != point_id for p in self.points.values()):
            raise Conflict(f"barcode {barcode} already used")
        point = self.points[point_id]
        update: dict[str, Any] = {}
        if "barcode" in fields:
            update["barcode"] = barcode
        if "device_status" in fields:
            update["status"] = fields["device_status"]
        self.points[point_id] = point.model_copy(update=update)
        self.writes.append((point_id, fields))

    def create_incident(self, draft: IncidentDraft) -> str:
        self.outage.check("create_incident")
        for iid, existing in self.incidents.items():
            if existing.dedupe_key == draft.dedupe_key:
                return iid
        iid = str(next(self._ids))
        self.incidents[iid] = draft
        return iid

    def append_to_incident(self, incident_id: str, note: str) -> bool:
        self.outage.check("append_to_incident")
        self.notes.setdefault(incident_id, []).append(note)
        return True


class FakeIot:
    def __init__(self, devices: list[IotDevice] | None = None) -> None:
        self.devices: list[IotDevice] = list(devices or [])
        self.alerts: list[Alert] = []
        self.outage = Outage("iot")

    def list_devices(self, rec_type: str) -> list[IotDevice]:
        self.outage.check("list_devices")
        return [d.model_copy() for d in self.devices if d.rec_type == rec_type]

    def add_devices(self, rec_type: str, devices: list[IotDevice]) -> None:
        self.outage.check("add_devices")
        for device in devices:
            self.devices.append(device.model_copy(update={"rec_type": rec_type}))

    def update_device(
        self, rec_type: str, point_ref: str, *, deveui: str | None = None, status: str | None = None
    ) -> None:
        self.outage.check("update_device")
        for i, dev in enumerate(self.devices):
            if dev.point_ref == point_ref:
                update: dict[str, Any] = {}
                if deveui:
                    update["deveui"] = deveui
                if status:
                    update["status"] = status
                self.devices[i] = dev.model_copy(update=update)
                return
        raise Conflict(f"no device for {point_ref}")

    def list_alerts(self, rec_type: str, since: datetime | None) -> list[Alert]:
        self.outage.check("list_alerts")
        return [
            a
            for a in self.alerts
            if a.rec_type == rec_type and (since is None or a.created >= since)
        ]


class MemoryPestStore:
    def __init__(self) -> None:
        self.configs: dict[str, PestConfig] = {}
        self.metas: dict[tuple[str, str], SnapshotMeta] = {}
        self.points: dict[str, dict[str, Point]] = {}
        self.iot: dict[str, list[IotDevice]] = {}
        self.leases: dict[tuple[str, str], tuple[str, float]] = {}
        self.alerts: dict[tuple[str, str], dict[str, Any]] = {}
        self.groups: dict[tuple[str, str], IncidentGroup] = {}

    def get_config(self, tenant: str) -> PestConfig | None:
        cfg = self.configs.get(tenant)
        return cfg.model_copy(deep=True) if cfg else None

    def put_config(self, tenant: str, config: PestConfig, expected_version: int | None) -> None:
        current = self.configs.get(tenant)
        if (current.version if current else None) != expected_version:
            raise Conflict("config changed")
        self.configs[tenant] = config.model_copy(update={"version": (expected_version or 0) + 1})

    def list_tenants(self) -> list[str]:
        return sorted(self.configs)

    def get_meta(self, tenant: str, source: str) -> SnapshotMeta | None:
        meta = self.metas.get((tenant, source))
        return meta.model_copy() if meta else None

    def put_meta(self, tenant: str, meta: SnapshotMeta) -> None:
        self.metas[(tenant, meta.source)] = meta.model_copy()

    def upsert_points(self, tenant: str, points) -> None:
        for p in points:
            self.points.setdefault(tenant, {})[p.id] = p

    def delete_points(self, tenant: str, point_ids) -> None:
        for pid in point_ids:
            self.points.get(tenant, {}).pop(pid, None)

    def list_points(self, tenant: str) -> list[Point]:
        return list(self.points.get(tenant, {}).values())

    def get_iot_devices(self, tenant: str) -> list[IotDevice]:
        return list(self.iot.get(tenant, []))

    def put_iot_devices(self, tenant: str, devices: list[IotDevice]) -> None:
        self.iot[tenant] = list(devices)

    def try_lease(self, tenant: str, name: str, owner: str, seconds: int) -> bool:
        held = self.leases.get((tenant, name))
        if held and held[1] > time.monotonic():
            return False
        self.leases[(tenant, name)] = (owner, time.monotonic() + seconds)
        return True

    def release_lease(self, tenant: str, name: str, owner: str) -> None:
        if self.leases.get((tenant, name), ("",))[0] == owner:
            del self.leases[(tenant, name)]

    def claim_alert(self, tenant: str, alert_id: str) -> bool:
        if (tenant, alert_id) in self.alerts:
            return False
        self.alerts[(tenant, alert_id)] = {"state": "claimed"}
        return True

    def finish_alert(self, tenant, alert_id, outcome, incident_id) -> None:
        self.alerts[(tenant, alert_id)] = {
            "state": "done",
            "outcome": outcome,
            "incident": incident_id,
        }

    def release_alert(self, tenant: str, alert_id: str) -> None:
        self.alerts.pop((tenant, alert_id), None)

    def get_group(self, tenant: str, key: str) -> IncidentGroup | None:
        group = self.groups.get((tenant, key))
        return group.model_copy() if group else None

    def put_group(self, tenant: str, group: IncidentGroup, expected_version: int | None) -> None:
        current = self.groups.get((tenant, group.key))
        if (current.version if current else None) != expected_version:
            raise Conflict("group changed")
        self.groups[(tenant, group.key)] = group.model_copy(
            update={"version": (expected_version or 0) + 1}
        )

    def list_groups(self, tenant: str) -> list[IncidentGroup]:
        return [g for (t, _), g in self.groups.items() if t == tenant]


class MemoryDeviceStore:
    def __init__(self) -> None:
        self.devices: dict[tuple[str, str], Device] = {}
        self.euis: dict[tuple[str, str], str] = {}
        self.claims: dict[tuple[str, str], str] = {}

    def get(self, tenant: str, device_id: str) -> Device | None:
        dev = self.devices.get((tenant, device_id))
        return dev.model_copy(deep=True) if dev else None

    def list(self, tenant: str) -> list[Device]:
        return [d.model_copy(deep=True) for (t, _), d in self.devices.items() if t == tenant]

    def create(self, device: Device) -> bool:
        key = (device.tenant_id, device.device_id)
        if key in self.devices:
            return False
        self.devices[key] = device.model_copy(update={"version": 1})
        return True

    def save(self, device: Device) -> Device:
        key = (device.tenant_id, device.device_id)
        if self.devices[key].version != device.version:
            raise ConcurrentUpdate("device changed")
        new = device.model_copy(update={"version": device.version + 1})
        self.devices[key] = new
        return new.model_copy(deep=True)

    def reserve_deveui(self, tenant: str, deveui: str, device_id: str) -> None:
        owner = self.euis.get((tenant, deveui))
        if owner and owner != device_id:
            raise DuplicateDevEui(f"DevEUI {deveui} is already used by device {owner}")
        self.euis[(tenant, deveui)] = device_id

    def release_deveui(self, tenant: str, deveui: str, device_id: str) -> None:
        if self.euis.get((tenant, deveui)) == device_id:
            del self.euis[(tenant, deveui)]

    def owner_of(self, tenant: str, deveui: str) -> str | None:
        return self.euis.get((tenant, deveui))

    def try_claim(self, tenant: str, device_id: str, owner: str, seconds: int) -> bool:
        if (tenant, device_id) in self.claims:
            return False
        self.claims[(tenant, device_id)] = owner
        return True

    def release_claim(self, tenant: str, device_id: str, owner: str) -> None:
        if self.claims.get((tenant, device_id)) == owner:
            del self.claims[(tenant, device_id)]


class MemoryAudit:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[AuditEntry]] = {}

    def append(self, tenant: str, device_id: str, entry: AuditEntry) -> None:
        self.entries.setdefault((tenant, device_id), []).append(entry)

    def history(self, tenant: str, device_id: str) -> list[AuditEntry]:
        return list(self.entries.get((tenant, device_id), []))
