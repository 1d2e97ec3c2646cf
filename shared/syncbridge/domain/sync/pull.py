"""Run one scheduled sync command: pull from the ERP and apply newest-wins, like events.

`incremental_sync` reads the records changed since the command's `updated_since` (the
contract's listing is inclusive and keeps tombstones 30 days) and applies each as a change
event whose `occurred_at` is the record's `updated_at`; the same version check as for
pushed events makes the overlap with pushes and earlier pulls harmless. The cursor then
moves to the newest `updated_at` seen (never backwards).

`reconcile` reads every record and also archives mapped records the ERP no longer lists
at all (deleted before its tombstone retention), the one change increments cannot see.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from syncbridge.domain.home import HomePlatform
from syncbridge.domain.sync.events import apply_erp_event
from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent, SyncCommand
from syncbridge.domain.sync.ports import AuditTrail, EventMappings, SetupProgress
from syncbridge.observability import logger

PULL_NAMESPACE = uuid.UUID("0d7f3c8e-4b1a-4f7e-9c55-7a2e1b9d6c40")


class PulledRecord(Protocol):
    """One listed record (an Ekos resource model): id, change time, tombstone flag."""

    id: str
    updated_at: datetime
    deleted: bool

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


class PulledPage(Protocol):
    @property
    def records(self) -> Sequence[PulledRecord]: ...


class RecordSource(Protocol):
    """The ERP's paginated listing (the Ekos adapter's `EkosClient.iter_pages`)."""

    def iter_pages(
        self, resource: str, updated_since: str | None = None
    ) -> Iterator[PulledPage]: ...


class PullMappings(EventMappings, Protocol):
    def external_to_internal(
        self, tenant_id: str, erp: str, resource_type: str
    ) -> dict[str, str]: ...


class CursorWriter(Protocol):
    def advance(
        self, tenant_id: str, connection_id: str, resource_type: str, updated_since: str
    ) -> bool: ...


class SyncReport(BaseModel):
    action: str
    resource_type: str
    read: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    cursor: str | None = None


def run_sync_command(
    command: SyncCommand,
    source: RecordSource,
    mappings: PullMappings,
    home: HomePlatform,
    setup: SetupProgress | None = None,
    cursors: CursorWriter | None = None,
    audit: AuditTrail | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncReport:
    report = SyncReport(action=command.action, resource_type=command.resource_type)
    since = command.updated_since if command.action == "incremental_sync" else None
    newest: datetime | None = None
    seen: set[str] = set()
    for page in source.iter_pages(command.resource_type, updated_since=since):
        for record in page.records:
            report.read += 1
            seen.add(record.id)
            newest = max(newest, record.updated_at) if newest else record.updated_at
            action = "deleted" if record.deleted else "updated"
            _count(
                report,
                apply_erp_event(
                    _as_event(
                        command,
                        record.id,
                        action,
                        record.updated_at,
                        record.model_dump(mode="json"),
                        clock,
                    ),
                    mappings,
                    home,
                    setup,
                    audit,
                ),
            )
    if command.action == "reconcile":
        mapped = mappings.external_to_internal(
            command.tenant_id, command.erp, command.resource_type
        )
        for external_id in sorted(set(mapped) - seen):
            _count(
                report,
                apply_erp_event(
                    _as_event(command, external_id, "deleted", clock(), {}, clock),
                    mappings,
                    home,
                    setup,
                    audit,
                ),
            )
    if newest is not None and cursors is not None:
        report.cursor = newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cursors.advance(
            command.tenant_id, command.connection_id, command.resource_type, report.cursor
        )
    logger.info("sync command done", extra=report.model_dump())
    return report


def _as_event(
    command: SyncCommand,
    external_id: str,
    action: str,
    occurred_at: datetime,
    data: Mapping[str, Any],
    clock: Callable[[], datetime],
) -> QueuedErpEvent:
    stamp = occurred_at.astimezone(UTC).isoformat()
    event_id = uuid.uuid5(
        PULL_NAMESPACE,
        f"{command.tenant_id}/{command.erp}/{command.resource_type}/{external_id}/{action}/{stamp}",
    )
    return QueuedErpEvent(
        tenant_id=command.tenant_id,
        erp=command.erp,
        received_at=clock(),
        event=ErpChangeEvent(
            event_id=event_id,
            resource_type=command.resource_type,
            action=action,  # type: ignore[arg-type]
            resource_id=external_id,
            occurred_at=occurred_at,
            data=dict(data),
        ),
    )


def _count(report: SyncReport, outcome: str) -> None:
    report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1


def run_sync_message(
    body: str | bytes | Mapping[str, Any],
    client_for: Callable[[SyncCommand], AbstractContextManager[RecordSource]] | None = None,
) -> SyncReport:
    """The importer's entry point for `incremental_sync`/`reconcile` messages: parse the
    IMPORT_QUEUE_URL body and run it with the production wiring (Ekos, DynamoDB)."""
    from syncbridge.domain.sync import bootstrap

    command = (
        SyncCommand.model_validate_json(body)
        if isinstance(body, str | bytes)
        else SyncCommand.model_validate(body)
    )
    opener = client_for or bootstrap.erp_source
    with opener(command) as source:
        return run_sync_command(
            command,
            source,
            bootstrap.event_mappings(),
            bootstrap.home_platform(),
            bootstrap.setup_progress(),
            bootstrap.sync_cursors(),
            bootstrap.audit_log(),
        )
