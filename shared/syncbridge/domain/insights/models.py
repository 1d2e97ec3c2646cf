"""The vocabulary of pest-control insights: health readings, visits, work orders, findings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class HealthReading(BaseModel):
    """One device uplink as Microshare unpacks it: battery, radio and trap state.

    `battery_pct` is the charge in percent (Microshare's `battery`/`charge` metric); `rssi`
    in dBm and `snr` in dB come from the uplink's `meta.iot`. A reading is also a heartbeat:
    the newest one tells when the device was last heard.
    """

    deveui: str
    at: datetime
    point_ref: str | None = None
    battery_pct: float | None = None
    voltage: float | None = None
    rssi: float | None = None
    snr: float | None = None
    trap_state: str | None = None


class SensorEvent(BaseModel):
    """A pest event kept for history: which point, when, what (rodent_present, catch...)."""

    id: str
    at: datetime
    point_ref: str | None
    site: str | None = None
    event: str
    pest_type: str = "rodent"


class Visit(BaseModel):
    """A technician's service visit, read from the ERP (an Odoo task in the service project)."""

    id: str
    at: datetime
    technician: str | None = None
    point_refs: list[str] = Field(default_factory=list)
    site: str | None = None
    done: bool = True
    notes: str | None = None


class Problem(StrEnum):
    BATTERY = "battery"
    SIGNAL = "signal"
    SILENT = "silent"


class Attention(BaseModel):
    """A device that needs a technician before it fails, and why (numbers, not a verdict)."""

    deveui: str
    point_ref: str | None
    problem: Problem
    severity: float = Field(ge=0, le=1, description="0 mild .. 1 already failed")
    reason: str
    due: date | None = Field(default=None, description="When the problem will bite.")

    @property
    def key(self) -> str:
        """One work order per device and problem: the idempotency key in the ERP."""
        return f"pm:{self.deveui}:{self.problem.value}"


class WorkOrder(BaseModel):
    """A preventive work order as the ERP holds it."""

    id: str
    key: str
    open: bool = True
    description: str = ""


class WorkOrderAction(BaseModel):
    """What to do in the ERP so that exactly one open work order stands per live problem."""

    kind: str = Field(description="create | update | close | keep")
    key: str
    order_id: str | None = None
    title: str | None = None
    description: str | None = None
