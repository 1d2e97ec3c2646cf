"""The small interfaces the sync services depend on.

`syncbridge.store.sync` implements them on DynamoDB/SQS (on top of the setup team's
mappings table and the home platform); unit tests implement them in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from syncbridge.domain.mappings import Mappings
from syncbridge.domain.setup.models import Proposal


class FifoQueue(Protocol):
    def send(self, message: BaseModel, *, group_id: str, deduplication_id: str) -> None:
        """Send durably (raise when the queue did not take it)."""
        ...


class MessageQueue(Protocol):
    def send(self, message: BaseModel) -> None: ...


class EventMappings(Mappings, Protocol):
    """The mappings the change-event applier reads and the version it advances."""

    def internal_ids(self, tenant_id: str, erp: str, resource_type: str) -> set[str]:
        """Every home id mapped for this type (a new ERP record may not take one)."""
        ...

    def external_for(
        self, tenant_id: str, erp: str, resource_type: str, internal_id: str
    ) -> str | None:
        """The ERP record mapped to a home record, if any (a keyed lookup)."""
        ...

    def snapshot(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> tuple[str | None, str | None]:
        """(internal id, source version) of a record in one read (None, None if unmapped)."""
        ...

    def tombstone_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        """The version of a delete seen for a record that was never mapped."""
        ...

    def bury(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, version: str
    ) -> None:
        """Remember a delete of an unmapped record, so an older create arriving late
        (events overtake each other) does not bring it back."""
        ...

    def source_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        """The `occurred_at` (see `models.version_of`) of the newest change applied."""
        ...

    def advance_version(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        external_id: str,
        version: str,
        event_id: str,
    ) -> bool:
        """Store `version` iff it is newer than the stored one (conditional write)."""
        ...


ClaimState = Literal["claimed", "done", "busy"]


class EventClaims(Protocol):
    """Which delivery of an ERP event may apply it (a conditional write keyed on the event).

    `claim` -> "claimed" (this delivery applies it), "done" (applied before: a duplicate)
    or "busy" (another delivery holds an unexpired claim). `finish` marks it applied,
    `release` gives an unfinished claim up so a retry may take it at once."""

    def claim(
        self, tenant_id: str, erp: str, event_id: str, lease_seconds: float
    ) -> ClaimState: ...

    def finish(self, tenant_id: str, erp: str, event_id: str, outcome: str) -> None: ...

    def release(self, tenant_id: str, erp: str, event_id: str) -> None: ...


class ReviewItems(Protocol):
    """Records a change event could not place on its own, waiting for a person (shown on
    the review page beside the setup's proposals; one item per ERP record)."""

    def put(self, tenant_id: str, erp: str, resource_type: str, proposal: Proposal) -> None: ...

    def get(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> Proposal | None: ...

    def remove(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> None: ...


class FailedScans(Protocol):
    """Scans the ERP refused (409/422): shown to the user until retried successfully."""

    def record(
        self, message: Any, status: int, errors: list[dict[str, str]], audit_ref: str
    ) -> None: ...

    def resolve(self, tenant_id: str, erp: str, scan_id: str) -> None: ...

    def get(self, tenant_id: str, erp: str, scan_id: str) -> dict[str, Any] | None: ...

    def list(self, tenant_id: str, limit: int = 100) -> list[dict[str, Any]]: ...


class ScanMappings(Protocol):
    def external_for(
        self, tenant_id: str, erp: str, resource_type: str, internal_id: str
    ) -> str | None:
        """The ERP id of an internal record, if mapped."""
        ...


class AuditTrail(Protocol):
    def record(self, tenant_id: str, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append entries (each with a deterministic `entry_id`)."""
        ...


class SetupProgress(Protocol):
    def type_done(self, tenant_id: str, erp: str, resource_type: str) -> bool:
        """True once the guided setup applied this type (new ERP records may then be
        created at home directly; before, they wait for the person's review)."""
        ...


class ActiveConnections(Protocol):
    def list_active(self) -> Iterable[ConnectionRef]:
        """Every connection of every tenant whose status is active."""
        ...


class SyncCursors(Protocol):
    def get(self, tenant_id: str, connection_id: str, resource_type: str) -> str | None:
        """The `updated_since` the next incremental read starts from."""
        ...


class ConnectionRef(BaseModel):
    tenant_id: str
    connection_id: str
    erp: str
