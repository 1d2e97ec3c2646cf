"""Import one resource type: pull every page from the ERP, stage it, hand over to matching.

Idempotent through the Setup table: only the delivery that moves the type from `pending`
to `importing` (or takes over an import whose lease ran out) pulls; a redelivery after the
import finished only re-sends the match message (the matcher ignores duplicates).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from syncbridge.domain.errors import Conflict
from syncbridge.observability import logger

from .models import RESOURCE_ORDER, ImportMessage, MatchMessage, Setup, TypeProgress, staging_key
from .ports import MessageQueue, RecordSource, SetupRepository, StagingRepository
from .state import is_past

ImportOutcome = Literal["imported", "resent_match", "already_imported", "stale_run", "out_of_order"]
LEASE_SECONDS = 900


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
        if is_past(progress.status, "matching"):
            return "already_imported"
        now = int(self.clock())
        if not self.setups.begin_import(
            msg.tenant_id, msg.connection_id, msg.resource_type, msg.run_id, now, self.lease_seconds
        ):
            raise ImportBusy("this import is already running", resource_type=msg.resource_type)
        pages = records = 0
        key = staging_key(msg.tenant_id, msg.connection_id, msg.resource_type, msg.run_id)
        try:
            source = self.source_for(msg)
            for page in source.iter_pages(msg.resource_type):
                written = self.staging.put_records(key, page)
                pages += 1
                records += written
                self.setups.add_progress(
                    msg.tenant_id, msg.connection_id, msg.resource_type, pages=1, records=written
                )
        except Exception as exc:
            # Give the lease back so the redelivery can start over straight away.
            self.setups.transition(
                msg.tenant_id,
                msg.connection_id,
                msg.resource_type,
                "importing",
                lease_until=0,
                error=f"import failed: {type(exc).__name__}",
            )
            raise
        self.setups.transition(
            msg.tenant_id, msg.connection_id, msg.resource_type, "matching", lease_until=0, error=""
        )
        self.match_queue.send(MatchMessage(**msg.model_dump(exclude={"action"})))
        logger.info(
            "import staged",
            extra={"resource_type": msg.resource_type, "pages": pages, "records": records},
        )
        return "imported"

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
