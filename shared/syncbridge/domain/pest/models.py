"""The pest-control vocabulary: inspection points, their parsed locations, devices, alerts.

These models are what the services take and return; adapters translate the ERP's and the
IoT platform's payloads into them at the edge, and the API serialises them as they are.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

DEFAULT_DEVEUI = "00-00-00-00-00-00-00-00"
DEFAULT_REC_TYPE = "io.microshare.trap.packed"


class DeviceStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    INACTIVE = "inactive"


class Point(BaseModel):
    """An inspection point as the ERP keeps it (Odoo `product.product`), ERP quirks removed."""

    id: str
    name: str
    default_code: str | None = None
    description: str | None = None
    barcode: str | None = None
    active: bool = True
    write_date: datetime | None = None
    status: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ParsedLocation(BaseModel):
    """The named parts of a point's location; `as_list()` is Microshare's `meta.location`."""

    site: str
    building: str = ""
    area: str = ""
    point_ref: str
    zone: str = ""
    method: str = ""

    def as_list(self) -> list[str]:
        return [self.site, self.building, self.area, self.point_ref, self.zone, self.method]


class ParseOutcome(BaseModel):
    location: ParsedLocation | None = None
    error: str | None = None


class PointView(BaseModel):
    """A point with its parsed location (or why it did not parse) and its device, if any."""

    point: Point
    location: ParsedLocation | None = None
    parse_error: str | None = None
    device_deveui: str | None = None
    device_status: str | None = None
    mapped: bool = False


class IotDevice(BaseModel):
    """One device of a Microshare cluster, DevEUI normalised."""

    deveui: str
    location: list[str] = Field(default_factory=list)
    status: str = DeviceStatus.PENDING.value
    cluster_id: str | None = None
    rec_type: str = DEFAULT_REC_TYPE

    @property
    def point_ref(self) -> str | None:
        return self.location[3] if len(self.location) > 3 and self.location[3] else None


class DeviceTemplate(BaseModel):
    """What a missing device must look like in Microshare."""

    rec_type: str
    deveui: str = DEFAULT_DEVEUI
    status: str = DeviceStatus.PENDING.value
    location: list[str]


class ProvisionState(StrEnum):
    """Per-point progress of create-devices: intent is recorded before any side effect."""

    INTENT = "intent"
    IOT_CREATED = "iot_created"
    DONE = "done"


class DevEuiChange(BaseModel):
    """A DevEUI change as one saga across our record, Microshare and the ERP.

    `pending`: some side is not in step yet (down, credentials refused, misconfigured);
    retried by every run, `reason` says why. `applied`: both sides hold `new`.
    `rolling_back`: a side refused `new` for good (`reason` is its whole text); the sides
    that took it are being put back to `old`. `rolled_back`: everything holds `old` again.
    """

    old: str
    new: str
    state: Literal["pending", "applied", "rolling_back", "rolled_back"] = "pending"
    reason: str | None = None
    attempts: int = 0
    started_at: datetime
    finished_at: datetime | None = None


class Device(BaseModel):
    """Our record of one device (DEVICES_TABLE): lifecycle, DevEUI, provisioning progress."""

    tenant_id: str
    device_id: str
    point_id: str
    point_ref: str
    rec_type: str = DEFAULT_REC_TYPE
    location: list[str] = Field(default_factory=list)
    deveui: str = DEFAULT_DEVEUI
    proposed_deveui: str | None = None
    status: DeviceStatus = DeviceStatus.PENDING
    provision: ProvisionState = ProvisionState.INTENT
    pending_sync: list[str] = Field(default_factory=list)
    deveui_change: DevEuiChange | None = None
    version: int = 0
    created_at: datetime
    updated_at: datetime

    @property
    def has_real_deveui(self) -> bool:
        return self.deveui != DEFAULT_DEVEUI


class AuditEntry(BaseModel):
    """Who changed what on a device, when, from which value to which."""

    at: datetime
    actor: str
    action: str
    field: str
    old: str | None = None
    new: str | None = None


class Alert(BaseModel):
    """A Microshare sensor event (rodent alert or trap event)."""

    id: str
    created: datetime
    rec_type: str
    event: str
    deveui: str | None = None
    location: list[str] = Field(default_factory=list)

    @property
    def point_ref(self) -> str | None:
        return self.location[3] if len(self.location) > 3 and self.location[3] else None


class IncidentDraft(BaseModel):
    """What the ERP needs to open an incident (Odoo `project.task` / helpdesk ticket)."""

    title: str
    description: str
    dedupe_key: str
    point_id: str | None = None
    point_ref: str | None = None
    occurred_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)


class IncidentGroup(BaseModel):
    """An open incident absorbing repeated alerts from one trap within a time window."""

    key: str
    incident_id: str
    point_id: str | None = None
    first_at: datetime
    last_at: datetime
    count: int = 1
    event_ids: list[str] = Field(default_factory=list)
    version: int = 0
    pending_notes: list[str] = Field(
        default_factory=list, description="notes the ERP was down for; delivered next run"
    )


class SnapshotMeta(BaseModel):
    """When a source was last read successfully, and what went wrong since."""

    source: str
    as_of: datetime | None = None
    refreshed_at: datetime | None = None
    cursor: datetime | None = None
    last_reconcile: datetime | None = None
    last_error: str | None = None
    last_error_code: str | None = None  # e.g. credentials_refused, configuration_missing
    last_error_details: dict[str, str] = Field(default_factory=dict)  # detail, setting, tried

    def record_error(self, exc: Exception) -> None:
        """Remember why the last read failed, enough to raise the same error again."""
        self.last_error = str(exc)
        self.last_error_code = getattr(exc, "code", None)
        details = {"detail": str(getattr(exc, "detail", exc))}
        for key in ("setting", "tried"):
            if getattr(exc, key, None) is not None:
                details[key] = str(getattr(exc, key))
        self.last_error_details = details

    def clear_error(self) -> None:
        self.last_error, self.last_error_code, self.last_error_details = None, None, {}
