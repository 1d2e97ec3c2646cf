"""What the pest-control services need from the outside world, as small protocols.

The ERP and IoT ports are the services' view of the adapters (Odoo/REST ERP, Microshare);
`syncbridge.roots.pest` bridges the concrete adapters to them and turns their typed
errors into `SourceUnavailable` / `Conflict`. The store ports are implemented by
`syncbridge.store.pest` / `syncbridge.store.devices` on DynamoDB and by in-memory fakes in
the unit tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from syncbridge.domain.pest.config import PestConfig
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


class ErpPort(Protocol):
    """The ERP side: inspection points (source of truth for business data) and incidents."""

    def list_inspection_points(self, since: datetime | None) -> list[Point]: ...

    def list_point_ids(self) -> set[str]: ...

    def write_point_fields(self, point_id: str, fields: dict[str, Any]) -> None: ...

    def create_incident(self, draft: IncidentDraft) -> str: ...

    def append_to_incident(self, incident_id: str, note: str) -> bool:
        """Add a note to an open incident; False when the ERP adapter cannot."""
        ...

    def optional_fields(self) -> list[dict[str, Any]]:
        """The ERP fields Sync Bridge uses when present (`erp_fields.OptionalErpField`)."""
        ...

    def create_optional_field(self, key: str) -> dict[str, Any]:
        """Create one of them in the ERP (needs an ERP administrator's credentials)."""
        ...


class IotPort(Protocol):
    """The IoT side: device clusters (source of truth for device state) and alerts."""

    def list_devices(self, rec_type: str) -> list[IotDevice]: ...

    def add_devices(self, rec_type: str, devices: list[IotDevice]) -> None:
        """Add devices in one cluster write; ones already at their `location[3]` are kept."""
        ...

    def update_device(
        self,
        rec_type: str,
        point_ref: str,
        *,
        deveui: str | None = None,
        status: str | None = None,
    ) -> None: ...

    def list_alerts(self, rec_type: str, since: datetime | None) -> list[Alert]: ...


class PestStore(Protocol):
    """PEST_TABLE: config, snapshots, cursors, alert dedupe, incident groups, leases."""

    def get_config(self, tenant: str) -> PestConfig | None: ...

    def put_config(self, tenant: str, config: PestConfig, expected_version: int | None) -> None: ...

    def list_tenants(self) -> list[str]: ...

    def get_meta(self, tenant: str, source: str) -> SnapshotMeta | None: ...

    def put_meta(self, tenant: str, meta: SnapshotMeta) -> None: ...

    def upsert_points(self, tenant: str, points: Iterable[Point]) -> None: ...

    def delete_points(self, tenant: str, point_ids: Iterable[str]) -> None: ...

    def list_points(self, tenant: str) -> list[Point]: ...

    def get_iot_devices(self, tenant: str) -> list[IotDevice]: ...

    def put_iot_devices(self, tenant: str, devices: list[IotDevice]) -> None: ...

    def try_lease(self, tenant: str, name: str, owner: str, seconds: int) -> bool: ...

    def release_lease(self, tenant: str, name: str, owner: str) -> None: ...

    def claim_alert(self, tenant: str, alert_id: str) -> bool:
        """True when this alert was never handled (conditional put); False for a duplicate."""
        ...

    def finish_alert(
        self, tenant: str, alert_id: str, outcome: str, incident_id: str | None
    ) -> None: ...

    def release_alert(self, tenant: str, alert_id: str) -> None:
        """Forget a claim whose processing failed, so the next run retries it."""
        ...

    def get_group(self, tenant: str, key: str) -> IncidentGroup | None: ...

    def put_group(
        self, tenant: str, group: IncidentGroup, expected_version: int | None
    ) -> None: ...

    def list_groups(self, tenant: str) -> list[IncidentGroup]: ...


class DeviceStore(Protocol):
    """DEVICES_TABLE: our device records and the DevEUI uniqueness items."""

    def get(self, tenant: str, device_id: str) -> Device | None: ...

    def list(self, tenant: str) -> list[Device]: ...

    def create(self, device: Device) -> bool:
        """Insert `device` unless one with its id exists; True when inserted."""
        ...

    def save(self, device: Device) -> Device:
        """Write `device` if its stored version is still `device.version`; returns it bumped.

        Raises `Conflict` when someone else changed it meanwhile.
        """
        ...

    def reserve_deveui(self, tenant: str, deveui: str, device_id: str) -> None:
        """Claim `deveui` for `device_id` (idempotent); `DuplicateDevEui` when another has it."""
        ...

    def release_deveui(self, tenant: str, deveui: str, device_id: str) -> None: ...

    def owner_of(self, tenant: str, deveui: str) -> str | None: ...

    def try_claim(self, tenant: str, device_id: str, owner: str, seconds: int) -> bool:
        """A short lease so two create-devices runs do not work on one point at once."""
        ...

    def release_claim(self, tenant: str, device_id: str, owner: str) -> None: ...


class AuditLog(Protocol):
    """AUDIT_TABLE entries for devices: append only."""

    def append(self, tenant: str, device_id: str, entry: AuditEntry) -> None: ...

    def history(self, tenant: str, device_id: str) -> list[AuditEntry]: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class SourcesAndStores:
    """What the discovery and incident services both work on: the snapshot and device
    stores, the ERP and the IoT platform, and the clock (one constructor for both)."""

    def __init__(
        self,
        store: PestStore,
        devices: DeviceStore,
        erp: ErpPort,
        iot: IotPort,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.devices = devices
        self.erp = erp
        self.iot = iot
        self.clock = clock
