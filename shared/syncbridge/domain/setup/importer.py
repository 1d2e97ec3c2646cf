"""Import one resource type: pull every page from the ERP, stage it, hand over to matching.

Idempotent through the Setup table: only the delivery that moves the type from `pending`
to `importing` (or takes over an import whose lease ran out) pulls; a redelivery after the
import finished only re-sends the match message (the matcher ignores duplicates).

Resumable: after each staged page the ERP's cursor is checkpointed with the page and
record counters in one write (the stream state, as Airbyte keeps a cursor per stream), so
a retried or taken-over import continues after the last staged page instead of page 1.
A crash between staging and checkpoint re-reads one page, which staging overwrites by id.
After `max_attempts` failed attempts the type moves to `failed` with the reason and waits
for a person's retry (`retry_import`), which resumes from the same cursor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from syncbridge.domain.errors import Conflict
from syncbridge.observability import logger

from .errors import ImportNotFailed, SetupNotFound
from .models import RESOURCE_ORDER, ImportMessage, MatchMessage, Setup, TypeProgress, staging_key
from .ports import MessageQueue, RecordSource, SetupRepository, StagingRepository
from .state import is_past

ImportOutcome = Literal[
    "imported", "resent_match", "already_imported", "stale_run", "out_of_order", "failed"
]
LEASE_SECONDS = 900
MAX_ATTEMPTS = 3


class ImportBusy(Conflict):
    """Another delivery of the same import is running; this one is retried later."""

    code = "import_busy"


@dataclass
class ImportService:
    setups: SetupRepository
    staging: StagingRepository
    source_for: Callable[[ImportMessage], RecordSource]
    match_queue: MessageQueue
    clock: Callable[[], float] = field(default=time.time)
    lease_seconds: int = LEASE_SECONDS
    max_attempts: int = MAX_ATTEMPTS

    def handle(self, msg: ImportMessage) -> ImportOutcome:
        setup = self._setup_for(msg)
        if setup.run_id != msg.run_id:
            logger.info("import for another run ignored", extra={"run_id": msg.run_id})
            return "stale_run"
        if not self._previous_done(setup, msg.resource_type):
            logger.warning("import before the previous type was applied ignored")
            return "out_of_order"
        progress = setup.progress(msg.resource_type)
        if progress.status == "matching":
            self.match_queue.send(MatchMessage(**msg.model_dump(exclude={"action"})))
            return "resent_match"
        if progress.status == "failed":
            logger.info("import failed earlier; waiting for a person's retry")
            return "failed"
        if is_past(progress.status, "matching"):
            return "already_imported"
        now = int(self.clock())
        if not self.setups.begin_import(
            msg.tenant_id, msg.connection_id, msg.resource_type, msg.run_id, now, self.lease_seconds
        ):
            raise ImportBusy("this import is already running", resource_type=msg.resource_type)
        resumed = self._progress(msg)
        cursor = resumed.cursor or None
        pages = records = 0
        key = staging_key(msg.tenant_id, msg.connection_id, msg.resource_type, msg.run_id)
        try:
            source = self.source_for(msg)
            for page in source.iter_pages(msg.resource_type, cursor=cursor):
                written = self.staging.put_records(key, page.records)
                pages += 1
                records += written
                self.setups.add_progress(
                    msg.tenant_id,
                    msg.connection_id,
                    msg.resource_type,
                    pages=1,
                    records=written,
                    cursor=page.next_cursor or "",
                )
        except Exception as exc:
            return self._failed(msg, exc, resumed.attempts)
        self.setups.transition(
            msg.tenant_id, msg.connection_id, msg.resource_type, "matching", lease_until=0, error=""
        )
        self.match_queue.send(MatchMessage(**msg.model_dump(exclude={"action"})))
        logger.info(
            "import staged",
            extra={
                "resource_type": msg.resource_type,
                "pages": pages,
                "records": records,
                "resumed_from_cursor": bool(cursor),
            },
        )
        return "imported"

    def _progress(self, msg: ImportMessage) -> TypeProgress:
        setup = self.setups.get(msg.tenant_id, msg.connection_id)
        assert setup is not None
        return setup.progress(msg.resource_type)

    def _failed(self, msg: ImportMessage, exc: Exception, attempts: int) -> ImportOutcome:
        """Record why; retry (raise) while attempts remain, else park the type as failed."""
        reason = _reason(exc)
        if attempts >= self.max_attempts:
            self.setups.transition(
                msg.tenant_id,
                msg.connection_id,
                msg.resource_type,
                "failed",
                lease_until=0,
                error=f"import failed after {attempts} attempts: {reason}",
            )
            logger.error(
                "import failed; waiting for a person's retry",
                extra={"resource_type": msg.resource_type, "reason": reason},
            )
            return "failed"
        # Give the lease back so the redelivery resumes from the cursor straight away.
        self.setups.transition(
            msg.tenant_id,
            msg.connection_id,
            msg.resource_type,
            "importing",
            lease_until=0,
            error=f"import attempt {attempts} failed: {reason}",
        )
        raise exc

    def _setup_for(self, msg: ImportMessage) -> Setup:
        """The connection's setup, started by the first import message of a run."""
        fresh = Setup(
            tenant_id=msg.tenant_id,
            connection_id=msg.connection_id,
            erp=msg.erp,
            run_id=msg.run_id,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            types={t: TypeProgress(resource_type=t, run_id=msg.run_id) for t in RESOURCE_ORDER},
        )
        setup = self.setups.start(fresh)
        if (
            setup.run_id != msg.run_id
            and setup.status == "complete"
            and msg.resource_type == RESOURCE_ORDER[0]
        ):
            # A reconnect after a finished setup starts a new run from the first type.
            setup = self.setups.start(fresh, replace_run=setup.run_id)
        return setup

    @staticmethod
    def _previous_done(setup: Setup, resource_type: str) -> bool:
        index = RESOURCE_ORDER.index(resource_type)  # type: ignore[arg-type]
        return all(setup.progress(t).status == "done" for t in RESOURCE_ORDER[:index])


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def retry_import(
    setups: SetupRepository, import_queue: MessageQueue, tenant_id: str, resource_type: str
) -> dict[str, str]:
    """A person's retry of a failed import: `failed -> importing` (lease free, attempts
    reset, cursor kept) and a new import message; 409 unless the type failed."""
    setup = setups.latest(tenant_id)
    if setup is None:
        raise SetupNotFound("no setup has started yet: connect your ERP first")
    status = setup.progress(resource_type).status
    if status != "failed" or not setups.transition(
        tenant_id, setup.connection_id, resource_type, "importing", lease_until=0, attempts=0
    ):
        raise ImportNotFailed(f"{resource_type} is {status}, not failed", current_status=status)
    import_queue.send(
        ImportMessage(
            tenant_id=tenant_id,
            connection_id=setup.connection_id,
            erp=setup.erp,
            resource_type=resource_type,  # type: ignore[arg-type]
            run_id=setup.run_id,
        )
    )
    logger.info("failed import retried by a person", extra={"resource_type": resource_type})
    return {"status": "importing", "resource_type": resource_type}
