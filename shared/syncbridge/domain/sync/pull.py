"""Run one scheduled sync command: pull from the ERP and apply newest-wins, like events.

`incremental_sync` reads the records changed since the command's `updated_since` (the
contract's listing is inclusive and keeps tombstones 30 days) and applies each as a change
event whose `occurred_at` is the record's `updated_at`; the same version check as for
pushed events makes the overlap with pushes and earlier pulls harmless, and unmapped
records go through the matcher the same way. The cursor moves to the newest `updated_at`
seen (never backwards).

`reconcile` compares everything and reports drift on both sides:
- phase `erp`: every ERP page (changes applied; each mapping seen is marked with the run
  id; a mapped record whose home fields differ while the ERP has nothing newer is a
  home-side edit: kept, reported as `home_changed` and audited with both values);
- phase `home`: the mappings paged by external id; a mapping this run did not see is a
  record the ERP no longer lists at all (deleted before its tombstone retention):
  archived at home and reported `missing_in_erp`; the last chunk counts home records no
  ERP record maps to (`home_only`, reported, never touched).

With an events queue (the production wiring), a pull does not write the home platform
itself: each change goes onto the FIFO events queue in its record's group, so pushed
events and pulled changes of one record are applied one at a time, in order, by the same
applier (two writers racing on one record could leave the older data at home). Without
one (tests, tools), changes are applied directly.

Both run in bounded chunks (`pages_per_chunk` ERP pages, or that many mappings times the
page size): a chunk that has more to do sends its continuation (same run id, the cursor
or the last external id) to the queue, so no invocation outlives the Lambda timeout and a
crashed chunk is retried alone. Each chunk adds its counts to the run's record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from syncbridge.domain.home import HomePlatform
from syncbridge.domain.setup.ports import Matcher
from syncbridge.domain.setup.records import RecordMappers
from syncbridge.domain.sync.events import DependencyNotMapped, apply_erp_event, erp_home_fields
from syncbridge.domain.sync.intake import deduplication_id, group_id
from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent, SyncCommand
from syncbridge.domain.sync.ports import (
    AuditTrail,
    EventMappings,
    FifoQueue,
    MessageQueue,
    ReviewItems,
    SetupProgress,
)
from syncbridge.observability import logger

PULL_NAMESPACE = uuid.UUID("0d7f3c8e-4b1a-4f7e-9c55-7a2e1b9d6c40")
PAGES_PER_CHUNK = 5
PAGE_SIZE = 200


class PulledRecord(Protocol):
    """One listed record (an Ekos resource model): id, change time, tombstone flag."""

    id: str
    updated_at: datetime
    deleted: bool

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


class PulledPage(Protocol):
    @property
    def records(self) -> Sequence[PulledRecord]: ...

    @property
    def next_cursor(self) -> str | None: ...


class RecordSource(Protocol):
    """The ERP's paginated listing (the Ekos adapter's `EkosClient.iter_pages`)."""

    def iter_pages(
        self, resource: str, updated_since: str | None = None, *, cursor: str | None = None
    ) -> Iterator[PulledPage]: ...


class PullMappings(EventMappings, Protocol):
    def external_to_internal(
        self, tenant_id: str, erp: str, resource_type: str
    ) -> dict[str, str]: ...

    def mark_seen(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, run_id: str
    ) -> None:
        """Remember that reconcile run `run_id` found this mapped record in the ERP."""
        ...

    def page_mapped(
        self, tenant_id: str, erp: str, resource_type: str, after: str | None, limit: int
    ) -> tuple[list[tuple[str, str, str, str]], str | None]:
        """(external id, internal id, last reconcile run that saw it, mapping's updated_at)
        in external-id order after `after`, and the id to continue after (None at the end)."""
        ...


class CursorWriter(Protocol):
    def advance(
        self, tenant_id: str, connection_id: str, resource_type: str, updated_since: str
    ) -> bool: ...


class SyncRuns(Protocol):
    """The history of sync runs per connection and type (the status page's run list)."""

    def record(self, command: SyncCommand, report: SyncReport, finished: bool) -> None:
        """Add a chunk's counts to its run (created by the first chunk)."""
        ...


class SyncReport(BaseModel):
    action: str
    resource_type: str
    phase: str = "erp"
    chunk: int = 0
    read: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    drift: dict[str, int] = Field(default_factory=dict)
    cursor: str | None = None
    continued: bool = False


def run_sync_command(
    command: SyncCommand,
    source: RecordSource,
    mappings: PullMappings,
    home: HomePlatform,
    setup: SetupProgress | None = None,
    cursors: CursorWriter | None = None,
    audit: AuditTrail | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    matcher: Matcher | None = None,
    reviews: ReviewItems | None = None,
    queue: MessageQueue | None = None,
    runs: SyncRuns | None = None,
    pages_per_chunk: int | None = None,
    events: FifoQueue | None = None,
    mappers: RecordMappers | None = None,
) -> SyncReport:
    """Run one chunk of `command`; without a queue the whole command runs in one go.
    `mappers` are each ERP's `RecordMapper` (without them records count as home-shaped)."""
    report = SyncReport(
        action=command.action,
        resource_type=command.resource_type,
        phase=command.phase,
        chunk=command.chunk,
    )
    limit = (pages_per_chunk or PAGES_PER_CHUNK) if queue is not None else None
    ports = _Ports(mappings, home, setup, audit, matcher, reviews, clock)
    ports.events = events
    ports.mappers = mappers
    following: SyncCommand | None
    if command.phase == "erp":
        following = _erp_phase(command, source, ports, report, cursors, limit)
    else:
        following = _home_phase(command, ports, report, limit)
    if following is not None and queue is None:  # one go: run the rest here
        rest = run_sync_command(
            following,
            source,
            mappings,
            home,
            setup,
            cursors,
            audit,
            clock,
            matcher,
            reviews,
            events=events,
            mappers=mappers,
        )
        _merge(report, rest)
        following = None
    if following is not None:
        assert queue is not None
        queue.send(following)
        report.continued = True
    if runs is not None:
        runs.record(command, report, finished=following is None)
    logger.info("sync chunk done", extra=report.model_dump())
    return report


class _Ports:
    def __init__(self, mappings, home, setup, audit, matcher, reviews, clock) -> None:  # type: ignore[no-untyped-def]
        self.mappings: PullMappings = mappings
        self.home: HomePlatform = home
        self.setup: SetupProgress | None = setup
        self.audit: AuditTrail | None = audit
        self.matcher: Matcher | None = matcher
        self.reviews: ReviewItems | None = reviews
        self.clock: Callable[[], datetime] = clock
        self.events: FifoQueue | None = None
        self.mappers: RecordMappers | None = None

    def apply(self, queued: QueuedErpEvent, source: str) -> str:
        if self.events is not None:
            queued = queued.model_copy(update={"source": source})
            event = queued.event
            self.events.send(
                queued,
                group_id=group_id(
                    queued.tenant_id, queued.erp, event.resource_type, event.resource_id
                ),
                deduplication_id=deduplication_id(
                    queued.tenant_id, queued.erp, str(event.event_id)
                ),
            )
            return f"queued_{event.action}"
        return apply_erp_event(
            queued,
            self.mappings,
            self.home,
            self.setup,
            self.audit,
            self.matcher,
            self.reviews,
            source=source,
            mappers=self.mappers,
        )


def _erp_phase(
    command: SyncCommand,
    source: RecordSource,
    ports: _Ports,
    report: SyncReport,
    cursors: CursorWriter | None,
    limit: int | None,
) -> SyncCommand | None:
    reconcile = command.action == "reconcile"
    since = command.updated_since if command.action == "incremental_sync" else None
    newest: datetime | None = None
    next_cursor: str | None = None
    listing = source.iter_pages(command.resource_type, updated_since=since, cursor=command.cursor)
    for pages, page in enumerate(listing, 1):
        for record in page.records:
            report.read += 1
            newest = max(newest, record.updated_at) if newest else record.updated_at
            data = record.model_dump(mode="json")
            queued = _as_event(
                command,
                record.id,
                "deleted" if record.deleted else "updated",
                record.updated_at,
                data,
                ports.clock,
            )
            try:
                outcome = ports.apply(queued, "reconcile" if reconcile else "pull")
            except DependencyNotMapped:
                # e.g. a batch of a product not mapped yet: the next run picks it up; one
                # such record must not fail (and finally dead-letter) the whole chunk
                outcome = "dependency_not_mapped"
            _count(report.outcomes, outcome)
            if reconcile and not record.deleted:
                _check_home_side(command, queued, outcome, ports, report)
        next_cursor = page.next_cursor
        if limit is not None and pages >= limit and next_cursor:
            break
    else:
        next_cursor = None
    if newest is not None and cursors is not None:
        report.cursor = newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cursors.advance(
            command.tenant_id, command.connection_id, command.resource_type, report.cursor
        )
    if next_cursor:
        return command.model_copy(update={"cursor": next_cursor, "chunk": command.chunk + 1})
    if reconcile:
        return command.model_copy(
            update={"phase": "home", "cursor": None, "after": None, "chunk": command.chunk + 1}
        )
    return None


def _check_home_side(
    command: SyncCommand, queued: QueuedErpEvent, outcome: str, ports: _Ports, report: SyncReport
) -> None:
    """Mark the mapping seen; report a mapped record edited at home (not overwritten)."""
    tenant, erp, rtype = command.tenant_id, command.erp, command.resource_type
    external_id = queued.event.resource_id
    internal_id = ports.mappings.get(tenant, erp, rtype, external_id)
    if internal_id is None:
        return
    ports.mappings.mark_seen(tenant, erp, rtype, external_id, command.run_id)
    if outcome != "stale":
        return
    current = ports.home.get(tenant, rtype, internal_id)  # type: ignore[arg-type]
    try:
        erp_fields = erp_home_fields(queued, ports.mappings, ports.mappers)
    except DependencyNotMapped:  # nothing to compare yet
        return
    if current is None or current.archived:
        _drift(command, report, ports, "home_archived", external_id, internal_id, erp_fields, None)
        return
    differing = {k: v for k, v in erp_fields.items() if current.fields.get(k) != v}
    if differing:
        _drift(
            command,
            report,
            ports,
            "home_changed",
            external_id,
            internal_id,
            differing,
            {k: current.fields.get(k) for k in differing},
        )


def _home_phase(
    command: SyncCommand, ports: _Ports, report: SyncReport, limit: int | None
) -> SyncCommand | None:
    tenant, erp, rtype = command.tenant_id, command.erp, command.resource_type
    batch = (limit or 10_000) * PAGE_SIZE
    rows, after = ports.mappings.page_mapped(tenant, erp, rtype, command.after, batch)
    for external_id, internal_id, seen_by, mapped_at in rows:
        if seen_by == command.run_id or (command.started_at and mapped_at >= command.started_at):
            continue  # seen in the ERP by this run, or mapped after the run started
        outcome = ports.apply(
            _as_event(command, external_id, "deleted", ports.clock(), {}, ports.clock),
            "reconcile",
        )
        _count(report.outcomes, outcome)
        if outcome in ("archived", "queued_deleted"):
            _drift(command, report, ports, "missing_in_erp", external_id, internal_id, None, None)
    if after is not None:
        return command.model_copy(update={"after": after, "chunk": command.chunk + 1})
    taken = ports.mappings.internal_ids(tenant, erp, rtype)
    home_only = sum(1 for r in ports.home.iter_all(tenant, rtype) if r.id not in taken)  # type: ignore[arg-type]
    if home_only:
        report.drift["home_only"] = report.drift.get("home_only", 0) + home_only
    return None


def _drift(
    command: SyncCommand,
    report: SyncReport,
    ports: _Ports,
    kind: str,
    external_id: str,
    internal_id: str,
    erp_side: dict[str, Any] | None,
    home_side: dict[str, Any] | None,
) -> None:
    _count(report.drift, kind)
    if ports.audit is None:
        return
    ports.audit.record(
        command.tenant_id,
        [
            {
                "entry_id": f"DRIFT#{command.run_id}#{command.resource_type}#{external_id}",
                "at": ports.clock().isoformat(),
                "actor": f"{command.erp}-sync",
                "source": "reconcile",
                "action": "drift",
                "drift": kind,
                "erp": command.erp,
                "resource_type": command.resource_type,
                "external_id": external_id,
                "internal_id": internal_id,
                "before": erp_side,  # what the ERP holds
                "after": home_side,  # what the home platform holds
                "run_id": command.run_id,
            }
        ],
    )


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


def _count(counts: dict[str, int], outcome: str) -> None:
    counts[outcome] = counts.get(outcome, 0) + 1


def _merge(report: SyncReport, rest: SyncReport) -> None:
    report.read += rest.read
    for name, value in rest.outcomes.items():
        report.outcomes[name] = report.outcomes.get(name, 0) + value
    for name, value in rest.drift.items():
        report.drift[name] = report.drift.get(name, 0) + value
    report.cursor = rest.cursor or report.cursor


def parse_sync_command(body: str | bytes | Mapping[str, Any]) -> SyncCommand:
    """An `incremental_sync`/`reconcile` message of IMPORT_QUEUE_URL (JSON text or dict);
    the composition root opens the command's ERP and runs it (`run_sync_command`)."""
    if isinstance(body, str | bytes):
        return SyncCommand.model_validate_json(body)
    return SyncCommand.model_validate(body)
