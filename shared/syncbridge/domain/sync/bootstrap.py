"""Composition root for the sync services: wires them to DynamoDB and SQS.

The only module of `domain.sync` that knows the concrete adapters; handlers call these
factories, tests build the services with fakes instead. Nothing is cached here: the
adapters are cheap (boto3 clients are cached in `syncbridge.aws`, which the local runtime
resets), and a cached table would outlive a switch of endpoint or stack.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from syncbridge.adapters.ekos import bootstrap as ekos_bootstrap
from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.setup.ports import Matcher
from syncbridge.domain.sync.models import SyncCommand
from syncbridge.store.audit import DynamoAuditTrail
from syncbridge.store.setup import SqsQueue
from syncbridge.store.sync import (
    EventMappingRepository,
    SetupProgressView,
    SyncCursorRepository,
    SyncReviewItems,
    SyncRunRepository,
)


def event_mappings() -> EventMappingRepository:
    return EventMappingRepository()


def home_platform() -> DynamoHomePlatform:
    return DynamoHomePlatform()


def setup_progress() -> SetupProgressView:
    return SetupProgressView()


def audit_log() -> DynamoAuditTrail:
    return DynamoAuditTrail()


def matcher() -> Matcher:
    """The matching engine (or the exact-key stand-in where it does not import)."""
    from syncbridge.domain.setup.matchers import default_matcher

    return default_matcher()


def review_items() -> SyncReviewItems:
    return SyncReviewItems()


def sync_queue() -> SqsQueue:
    """Where a sync chunk sends its continuation (the importer's queue)."""
    return SqsQueue("IMPORT_QUEUE_URL")


def sync_runs() -> SyncRunRepository:
    return SyncRunRepository()


def sync_cursors() -> SyncCursorRepository:
    return SyncCursorRepository()


def erp_source(command: SyncCommand) -> AbstractContextManager[EkosClient]:
    """The ERP client a sync command reads from (closed after the command)."""
    if command.erp != "ekos":
        raise ValueError(f"no sync source for ERP {command.erp!r}")
    return ekos_bootstrap.ekos_client(command.tenant_id, command.connection_id)
