"""Composition root for the sync services: wires them to DynamoDB and SQS.

The only module of `domain.sync` that knows the concrete adapters; handlers call these
factories, tests build the services with fakes instead. Nothing is cached here: the
adapters are cheap (boto3 clients are cached in `syncbridge.aws`, which the local runtime
resets), and a cached table would outlive a switch of endpoint or stack.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import Any

from syncbridge.adapters.ekos import bootstrap as ekos_bootstrap
from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.setup.ports import Matcher
from syncbridge.domain.sync.models import SyncCommand
from syncbridge.store.audit import DynamoAuditTrail
from syncbridge.store.setup import SqsQueue
from syncbridge.store.sync import (
    DynamoEventClaims,
    EventMappingRepository,
    SetupProgressView,
    SqsFifoQueue,
    SyncCursorRepository,
    SyncReviewItems,
    SyncRunRepository,
)


def event_mappings() -> EventMappingRepository:
    return EventMappingRepository()


def event_claims() -> DynamoEventClaims:
    return DynamoEventClaims()


def home_platform() -> DynamoHomePlatform:
    return DynamoHomePlatform()


def setup_progress() -> SetupProgressView:
    return SetupProgressView()


def audit_log() -> DynamoAuditTrail:
    return DynamoAuditTrail()


def matcher() -> Matcher:
    """The matching engine, required: an import failure fails the function (no fallback)."""
    from syncbridge.domain.setup import bootstrap as setup_wiring

    return setup_wiring.matcher()


def review_items() -> SyncReviewItems:
    return SyncReviewItems()


def sync_queue() -> SqsQueue:
    """Where a sync chunk sends its continuation (the importer's queue)."""
    return SqsQueue("IMPORT_QUEUE_URL")


def events_queue() -> SqsFifoQueue:
    """Where a pull puts the changes it read (the applier's ordered events queue)."""
    return SqsFifoQueue()


def sync_runs() -> SyncRunRepository:
    return SyncRunRepository()


def sync_cursors() -> SyncCursorRepository:
    return SyncCursorRepository()


def erp_source(command: SyncCommand) -> AbstractContextManager[EkosClient]:
    """The ERP client a sync command reads from (closed after the command)."""
    if command.erp != "ekos":
        raise ValueError(f"no sync source for ERP {command.erp!r}")
    return ekos_bootstrap.ekos_client(command.tenant_id, command.connection_id)


# ---------------------------------------------------------------- what the API calls
def sync_status(tenant_id: str) -> dict[str, Any]:
    from syncbridge.domain.sync.status import sync_status as status
    from syncbridge.store.connections import DynamoConnectionRepository
    from syncbridge.store.schedules import EventBridgeSchedules
    from syncbridge.store.sync import SyncStatusReads

    return status(
        tenant_id,
        DynamoConnectionRepository(),
        EventBridgeSchedules(),
        SyncStatusReads(),
        DynamoAuditTrail(),
    )


def decide_review_item(
    tenant_id: str, erp: str, resource_type: str, external_id: str, resolution: Any, actor: str
) -> dict[str, Any]:
    from syncbridge.domain.sync.review import resolve_review_item

    return resolve_review_item(
        tenant_id,
        erp,
        resource_type,
        external_id,
        resolution,
        actor,
        review_items(),
        event_mappings(),
        home_platform(),
        audit_log(),
    )


def failed_scans() -> Any:
    from syncbridge.store.sync import FailedScanRepository

    return FailedScanRepository()


def outbound_queue() -> SqsQueue:
    return SqsQueue("OUTBOUND_QUEUE_URL")


def dead_letter_queues() -> Any:
    from syncbridge.store.dead_letters import SqsDeadLetterQueues

    return SqsDeadLetterQueues(name_prefix=os.environ.get("DEAD_LETTER_QUEUE_PREFIX", ""))
