"""Request and response bodies of the pest-control API (they become its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.discovery import Freshness, ParseProblem
from syncbridge.domain.pest.incidents import SyncProblem
from syncbridge.domain.pest.models import (
    AuditEntry,
    DevEuiChange,
    Device,
    DeviceStatus,
    DeviceTemplate,
    IncidentGroup,
    ParsedLocation,
)
from syncbridge.domain.pest.provisioning import DeviceResult, PlannedDevice


class Freshened(BaseModel):
    """Every read says how current it is: `stale` when a source is down and the last known
    snapshot is served; `as_of` is when the oldest source was last read successfully."""

    stale: bool
    as_of: datetime | None
    sources: dict[str, Any]

    @classmethod
    def fields_from(cls, freshness: Freshness) -> dict[str, Any]:
        return {
            "stale": freshness.stale,
            "as_of": freshness.as_of,
            "sources": {k: v.model_dump(mode="json") for k, v in freshness.sources.items()},
        }


class PointOut(BaseModel):
    id: str
    name: str
    reference: str | None
    barcode: str | None
    active: bool
    write_date: datetime | None
    location: ParsedLocation | None
    location_list: list[str] | None
    parse_error: str | None
    mapped: bool
    device_deveui: str | None
    device_status: str | None


class InspectionPointsOut(Freshened):
    tenant_id: str
    count: int
    points: list[PointOut]
    parse_errors: list[ParseProblem]


class UnmappedOut(BaseModel):
    point_id: str
    name: str
    reference: str | None
    template: DeviceTemplate


class GapAnalysisOut(Freshened):
    tenant_id: str
    count: int
    unmapped: list[UnmappedOut]
    unparseable: list[ParseProblem] = Field(
        description="Points without a device whose location could not be parsed."
    )


class CreateDevicesIn(BaseModel):
    point_ids: list[str] | None = Field(
        default=None, max_length=1000, description="Only these points (default: every unmapped)."
    )
    dry_run: bool = False
    limit: int = Field(
        default=200, ge=1, le=1000, description="At most this many points per call (resumable)."
    )


class CreateDevicesOut(BaseModel):
    tenant_id: str
    dry_run: bool
    stale: bool = Field(
        description="The plan was made from a snapshot a down source could not refresh."
    )
    as_of: datetime | None
    remaining: int = Field(description="Points left for the next call (over `limit`).")
    plan: list[PlannedDevice]
    results: list[DeviceResult]
    summary: dict[str, int]


class DeviceOut(BaseModel):
    device_id: str
    point_id: str
    point_ref: str
    rec_type: str
    location: list[str]
    deveui: str
    proposed_deveui: str | None
    status: DeviceStatus
    provision: str
    pending_sync: list[str] = Field(
        description="Steps not yet applied to Microshare (iot:...) or the ERP (erp:...); "
        "the next run retries them."
    )
    stale: bool = Field(description="True while a system is not yet in step (pending_sync).")
    sync_errors: dict[str, str] = Field(default_factory=dict)
    deveui_change: DevEuiChange | None = Field(
        default=None,
        description="The last DevEUI change across Microshare and the ERP: pending (with "
        "the reason; retried by every run), applied, rolling_back or rolled_back (with "
        "the refusal's text).",
    )
    updated_at: datetime

    @classmethod
    def of(cls, device: Device, errors: dict[str, str] | None = None) -> DeviceOut:
        return cls(
            **device.model_dump(
                include={
                    "device_id",
                    "point_id",
                    "point_ref",
                    "rec_type",
                    "location",
                    "deveui",
                    "proposed_deveui",
                    "status",
                    "pending_sync",
                    "updated_at",
                }
            ),
            deveui_change=device.deveui_change,
            provision=device.provision.value,
            stale=bool(device.pending_sync),
            sync_errors=errors or {},
        )


class DevicesOut(BaseModel):
    tenant_id: str
    count: int
    devices: list[DeviceOut]


class StatusIn(BaseModel):
    status: DeviceStatus


class DevEuiIn(BaseModel):
    deveui: str = Field(
        min_length=16, max_length=23, description="16 hex digits, plain, dashed or colon-separated."
    )


class HistoryOut(BaseModel):
    device_id: str
    entries: list[AuditEntry]


class IncidentSyncOut(BaseModel):
    tenant_id: str
    stale: bool
    more: bool = Field(default=False, description="Stopped at the per-run limit; run again.")
    errors: dict[str, str]
    problems: dict[str, SyncProblem] = Field(
        default_factory=dict,
        description="Per source or share that stopped: code (source_unavailable, "
        "credentials_refused, configuration_missing, upstream_rejected), action, and for a "
        "configuration error the setting and the value tried.",
    )
    summary: dict[str, int]
    results: list[dict[str, Any]]
    devices_retried: dict[str, int]
    devices_adopted: dict[str, int] = Field(
        default_factory=dict, description="Status / DevEUI changes taken from Microshare."
    )


class IncidentsOut(BaseModel):
    tenant_id: str
    count: int
    incidents: list[IncidentGroup]


class ConfigOut(BaseModel):
    tenant_id: str
    stored: bool = Field(description="False while the tenant uses the default configuration.")
    config: PestConfig


class ConfigIn(BaseModel):
    config: PestConfig
    expected_version: int | None = Field(
        default=None, description="The version read before editing (optimistic locking)."
    )


class PreviewOut(BaseModel):
    parsed: int
    errors: list[ParseProblem]
    sample: list[PointOut]
