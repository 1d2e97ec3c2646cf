"""Messages of the sync flows, validated at every edge (HTTP body, SQS body)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ResourceType = Literal["customer-locations", "storage-locations", "products", "product-batches"]
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    "customer-locations",
    "storage-locations",
    "products",
    "product-batches",
)
ErpName = str  # lower-case slug, e.g. "ekos"
ERP_PATTERN = r"^[a-z][a-z0-9_-]{1,31}$"


def version_of(moment: datetime) -> str:
    """A sortable, fixed-width UTC string for an instant: string order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ErpChangeEvent(BaseModel):
    """The body an ERP pushes to `POST /api/v1/erp/{erp}/events` (see the Ekos contract)."""

    model_config = ConfigDict(extra="ignore")  # tolerate fields a newer ERP version adds

    event_id: UUID
    resource_type: ResourceType
    action: Literal["created", "updated", "deleted"]
    resource_id: str = Field(min_length=1, max_length=256)
    occurred_at: AwareDatetime = Field(description="RFC 3339 with an offset")
    data: dict[str, Any] = Field(default_factory=dict, description="the full record")


class QueuedErpEvent(BaseModel):
    """What the events queue carries: the event plus who sent it (from the token)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["erp_event"] = "erp_event"
    tenant_id: str = Field(min_length=1)
    erp: str = Field(pattern=ERP_PATTERN)
    received_at: datetime
    event: ErpChangeEvent
    source: Literal["event", "pull", "reconcile"] = Field(
        default="event", description="pushed by the ERP, or read by a scheduled pull"
    )

    @property
    def version(self) -> str:
        return version_of(self.event.occurred_at)


class EventAccepted(BaseModel):
    """The 202 body: the event is durably queued."""

    status: Literal["accepted"] = "accepted"
    event_id: UUID
    duplicate_window_seconds: int = 300


class UnitScanMessage(BaseModel):
    """A unit scan the home platform put on OUTBOUND_QUEUE_URL, in internal ids."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1)
    erp: str = Field(default="ekos", pattern=ERP_PATTERN)
    connection_id: str = Field(default="ekos", min_length=1)
    scan_id: str = Field(min_length=1, max_length=128)
    unit_serial: str = Field(min_length=1)
    event: Literal["filled", "shipped", "delivered", "returned", "emptied"]
    product_batch_id: str = Field(min_length=1, description="internal (home) batch id")
    location_id: str = Field(min_length=1, description="internal (home) location id")
    location_type: Literal["customer", "storage"]
    scanned_at: AwareDatetime
    attempt: int = Field(
        default=0, ge=0, description="0, then +1 per retry a person asks for after a refusal"
    )


class ErpUnitScan(BaseModel):
    """A unit scan in the ERP's ids, as a `ScanSink` sends it."""

    scan_id: str
    unit_serial: str
    event: Literal["filled", "shipped", "delivered", "returned", "emptied"]
    product_batch_id: str
    location_id: str
    location_type: Literal["customer", "storage"]
    scanned_at: AwareDatetime


class ScanAccepted(BaseModel):
    """The ERP's receipt of a scan; `replayed` when it had seen the Idempotency-Key."""

    id: str
    scan_id: str
    replayed: bool = False


SyncAction = Literal["incremental_sync", "reconcile"]


class ScheduleTick(BaseModel):
    """What EventBridge Scheduler sends the scheduler function: a connection's own schedule
    names it; without one, every active connection is planned."""

    model_config = ConfigDict(extra="ignore")

    action: SyncAction
    tenant_id: str | None = None
    connection_id: str | None = None


class SyncCommand(BaseModel):
    """One pull the importer runs outside the guided setup (on IMPORT_QUEUE_URL).

    `incremental_sync` reads records changed since `updated_since`; `reconcile` reads every
    id (deletions an incremental read cannot see). `run_id` names the tick, so a
    redelivered command is recognisable.
    """

    action: SyncAction
    tenant_id: str
    connection_id: str
    erp: str
    resource_type: ResourceType
    run_id: str
    updated_since: str | None = None
    started_at: str = Field(default="", description="when the tick planned the run (UTC)")
    phase: Literal["erp", "home"] = "erp"
    cursor: str | None = Field(default=None, description="ERP cursor a continuation resumes at")
    after: str | None = Field(default=None, description="last external id the home phase did")
    chunk: int = Field(default=0, ge=0)
