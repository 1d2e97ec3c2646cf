"""Microshare payloads as pydantic models.

Clusters are written back whole, so every model keeps fields it does not know
(`extra="allow"`) and is dumped with `exclude_unset=True`: a read-modify-write returns to
Microshare exactly what it read, plus our change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from syncbridge.domain.pest.deveui import is_unassigned, try_normalize_deveui

RODENT_ALERTS = "io.microshare.event.alert.rodent"
TRAP_EVENTS = "io.microshare.event.alert.trap"
TRAP_CLUSTERS = "io.microshare.trap.packed"
DEVICE_STATUSES = ("pending", "active", "maintenance", "inactive")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class DeviceMeta(_Open):
    location: list[str] = Field(default_factory=list)


class Device(_Open):
    """One device in a cluster. `id` is its DevEUI as Microshare stores it."""

    id: str
    meta: DeviceMeta = Field(default_factory=DeviceMeta)
    status: str | None = None

    @property
    def reference(self) -> str | None:
        """`location[3]`: the ERP reference (Odoo default_code) of the inspection point."""
        location = self.meta.location
        return location[3] if len(location) > 3 and location[3] else None

    @property
    def deveui(self) -> str | None:
        """Canonical DevEUI, or None when the id is not one."""
        return try_normalize_deveui(self.id)

    @property
    def unassigned(self) -> bool:
        return is_unassigned(self.id)


class ClusterData(_Open):
    devices: list[Device] = Field(default_factory=list)


class DeviceCluster(_Open):
    id: str | None = None
    recType: str
    name: str | None = None
    data: ClusterData = Field(default_factory=ClusterData)

    @property
    def devices(self) -> list[Device]:
        return self.data.devices

    def with_devices(self, devices: list[Device]) -> DeviceCluster:
        return self.model_copy(update={"data": self.data.model_copy(update={"devices": devices})})

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class PageMeta(_Open):
    totalPages: int = 1
    currentPage: int = 1
    perPage: int = 0
    totalCount: int = 0


class Page(_Open):
    meta: PageMeta = Field(default_factory=PageMeta)
    objs: list[dict[str, Any]] = Field(default_factory=list)


class AlertDevice(_Open):
    id: str | None = None
    meta: DeviceMeta = Field(default_factory=DeviceMeta)


class AlertData(_Open):
    event: str | None = None  # rodent alerts: rodent_present, ...
    trap_event: str | None = None  # trap_triggered, catch_detected, false_triggering, rearmed
    device: AlertDevice = Field(default_factory=AlertDevice)


class Alert(_Open):
    """A rodent alert or trap event from a share."""

    id: str
    created_at: datetime = Field(alias="createDate")
    recType: str | None = None
    data: AlertData = Field(default_factory=AlertData)

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    @property
    def kind(self) -> str | None:
        return self.data.event or self.data.trap_event

    @property
    def location(self) -> list[str]:
        return list(self.data.device.meta.location)

    @property
    def reference(self) -> str | None:
        location = self.data.device.meta.location
        return location[3] if len(location) > 3 and location[3] else None

    @property
    def deveui(self) -> str | None:
        return try_normalize_deveui(self.data.device.id)


class PlatformHealth(BaseModel):
    ok: bool
    platform: str = "microshare"
    detail: str = ""
    latency_ms: float | None = None


TRAP_HEALTH = "io.microshare.trap.unpacked"


def _metric(value: Any) -> float | None:
    """A Microshare metric: a bare number, or the standard's `[{"unit", "value"}]` list."""
    if isinstance(value, list):
        value = value[-1].get("value") if value and isinstance(value[-1], dict) else None
    if isinstance(value, dict):
        value = value.get("value")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class HealthRecord(_Open):
    """One unpacked uplink (`io.microshare.trap.unpacked`): device health and radio.

    Microshare's standards put the battery under `data.device_health` (`charge` or
    `battery` in %, `voltage` in V, each a list of `{"unit", "value"}`), older unpackers
    under `data.device.battery` (`power` %, `voltage`); radio figures under
    `data.meta.iot` (`rssi`, `snr`, `time`); the location under `data.meta.device`.
    """

    id: str
    created_at: datetime = Field(alias="createDate")
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    @property
    def _health(self) -> dict[str, Any]:
        return self.data.get("device_health") or {}

    @property
    def _iot(self) -> dict[str, Any]:
        return (self.data.get("meta") or {}).get("iot") or {}

    @property
    def deveui(self) -> str | None:
        raw = self._health.get("id") or (self.data.get("device") or {}).get("id")
        raw = raw or self._iot.get("device_id")
        return try_normalize_deveui(raw) if raw else None

    @property
    def location(self) -> list[str]:
        return list((self.data.get("meta") or {}).get("device") or [])

    @property
    def reference(self) -> str | None:
        location = self.location
        return location[3] if len(location) > 3 and location[3] else None

    @property
    def at(self) -> datetime:
        when = self._iot.get("time")
        if isinstance(when, str):
            try:
                parsed = datetime.fromisoformat(when.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            except ValueError:
                pass
        return self.created_at

    @property
    def battery_pct(self) -> float | None:
        health = self._health
        value = _metric(health.get("charge")) or _metric(health.get("battery"))
        if value is None:
            value = _metric(((self.data.get("device") or {}).get("battery") or {}).get("power"))
        return value

    @property
    def voltage(self) -> float | None:
        value = _metric(self._health.get("voltage"))
        if value is None:
            value = _metric(((self.data.get("device") or {}).get("battery") or {}).get("voltage"))
        return value

    @property
    def rssi(self) -> float | None:
        return _metric(self._iot.get("rssi"))

    @property
    def snr(self) -> float | None:
        return _metric(self._iot.get("snr"))

    @property
    def trap_state(self) -> str | None:
        trap = self.data.get("trap")
        if isinstance(trap, list) and trap and isinstance(trap[-1], dict):
            trap = trap[-1].get("value")
        return str(trap) if trap is not None else None
