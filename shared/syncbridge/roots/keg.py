"""Composition root of the keg product line: Ekos connections, the guided setup and
staying in sync, wired to DynamoDB, SQS, KMS, Secrets Manager and the keg ERP adapters.

Handlers and API routes call these factories (once per warm Lambda where they cache);
tests build the services from fakes instead. Nothing here is cached but the applier's
ports (one set per warm container, each resolving its table on use): the adapters are
cheap (boto3 clients are cached in `syncbridge.aws`, which the local runtime resets), and
a cached table would outlive a switch of endpoint or stack. The ERP adapters and the
matching engine are imported where they are used: the matcher, applier and scheduler
functions ship without httpx, authlib and cryptography (`CryptoLayer`, `HttpLayer`), and
the API function without the engine.

A keg ERP is a registry entry (`KEG_ERPS`): the client of one tenant's connection and its
`RecordMapper` (its fields in the home shape), its `RecordSource` for pulls and imports,
and its `ScanSink` for outbound unit scans.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.connections.service import ConnectionService
from syncbridge.domain.connections.tokens import StoredTokenProvider
from syncbridge.domain.setup.applier import ApplyService
from syncbridge.domain.setup.importer import ImportService
from syncbridge.domain.setup.matchers import EngineMatcher
from syncbridge.domain.setup.matching import MatchService
from syncbridge.domain.setup.models import ImportMessage
from syncbridge.domain.setup.ports import RecordSource
from syncbridge.domain.setup.records import RecordMapper
from syncbridge.domain.setup.review import ReviewService
from syncbridge.domain.sync.events import EventOutcome, apply_erp_event
from syncbridge.domain.sync.models import ScheduleTick, SyncCommand, UnitScanMessage
from syncbridge.domain.sync.outbound import ScanSink
from syncbridge.domain.sync.pull import SyncReport, parse_sync_command, run_sync_command
from syncbridge.roots.settings import Settings
from syncbridge.store.audit import DynamoAuditTrail
from syncbridge.store.connections import (
    DynamoConnectionRepository,
    KmsTokenCipher,
    SqsImportPublisher,
)
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

if TYPE_CHECKING:
    from syncbridge.adapters.ekos.client import EkosClient
    from syncbridge.adapters.ekos.models import TokenResponse
    from syncbridge.adapters.ekos.oauth import EkosOAuthClient

# The variables holding the queue URLs (the template sets them; a store reads the URL
# when it sends).
IMPORT_QUEUE = "IMPORT_QUEUE_URL"
MATCH_QUEUE = "MATCH_QUEUE_URL"
APPLY_QUEUE = "APPLY_QUEUE_URL"
OUTBOUND_QUEUE = "OUTBOUND_QUEUE_URL"
EVENTS_QUEUE = "EVENTS_QUEUE_URL"


# ---------------------------------------------------------------- Ekos connections
def ekos_oauth_client() -> EkosOAuthClient:
    from syncbridge.adapters.ekos.credentials import load_client_credentials
    from syncbridge.adapters.ekos.oauth import EkosOAuthClient

    return EkosOAuthClient(_ekos_base_url(), load_client_credentials())


def _ekos_base_url() -> str:
    url = Settings().ekos_base_url
    if not url:
        raise RuntimeError("environment variable EKOS_BASE_URL is not set (see template.yaml)")
    return url


class _LazyOAuth:
    """Reads the client secret only when an OAuth call is made (listing needs none)."""

    def __init__(self) -> None:
        self._client: EkosOAuthClient | None = None

    def _get(self) -> EkosOAuthClient:
        if self._client is None:
            self._client = ekos_oauth_client()
        return self._client

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        return self._get().authorization_url(
            redirect_uri=redirect_uri, state=state, code_verifier=code_verifier
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenResponse:
        return self._get().exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )

    def refresh(self, refresh_token: str) -> TokenResponse:
        return self._get().refresh(refresh_token)

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        self._get().revoke(token, token_type_hint)


def connection_service() -> ConnectionService:
    from syncbridge.store.schedules import EventBridgeSchedules

    return ConnectionService(
        DynamoConnectionRepository(),
        KmsTokenCipher(),
        _LazyOAuth(),
        SqsImportPublisher(),
        schedules=EventBridgeSchedules(),
    )


EKOS_CONNECTION_ID = "ekos"


def token_provider(tenant_id: str, connection_id: str = EKOS_CONNECTION_ID) -> StoredTokenProvider:
    return StoredTokenProvider(
        DynamoConnectionRepository(), KmsTokenCipher(), _LazyOAuth(), tenant_id, connection_id
    )


def ekos_client(tenant_id: str, connection_id: str = EKOS_CONNECTION_ID) -> EkosClient:
    """An Ekos API client acting for `tenant_id`, refreshing its tokens as needed."""
    from syncbridge.adapters.ekos.client import EkosClient

    return EkosClient(_ekos_base_url(), token_provider(tenant_id, connection_id))


# ---------------------------------------------------------------- the keg ERPs
@dataclass(frozen=True)
class KegErp:
    """One keg ERP: the client of a tenant's connection, and its records' mapper."""

    client: Callable[[str, str], EkosClient]
    mapper: RecordMapper


KEG_ERPS: dict[str, KegErp] = {"ekos": KegErp(ekos_client, EkosRecordMapper())}
"""Each keg ERP by name; a new ERP is a new adapter package with its client, mapper,
record source and scan sink, and one entry here."""


def erp_client(erp: str, tenant_id: str, connection_id: str) -> EkosClient:
    """The client of a tenant's connection to `erp` (ValueError for an ERP we do not know)."""
    try:
        factory = KEG_ERPS[erp].client
    except KeyError:
        raise ValueError(f"no keg ERP adapter for {erp!r}") from None
    return factory(tenant_id, connection_id)


def record_mappers() -> dict[str, RecordMapper]:
    """Each keg ERP's records in the home shape, by ERP name (the setup and sync ports)."""
    return {name: erp.mapper for name, erp in KEG_ERPS.items()}


def erp_source(command: SyncCommand) -> AbstractContextManager[EkosClient]:
    """The ERP client a sync command reads from (closed after the command)."""
    return erp_client(command.erp, command.tenant_id, command.connection_id)


def scan_sink(message: UnitScanMessage) -> AbstractContextManager[ScanSink]:
    """Where a unit scan goes: the scan's ERP, acting for its tenant (closed after use)."""
    from syncbridge.adapters.ekos.scans import EkosScanSink

    return EkosScanSink(erp_client(message.erp, message.tenant_id, message.connection_id))


def record_source(msg: ImportMessage) -> RecordSource:
    """The import's ERP, as pages of records (tokens from the Connections table)."""
    from syncbridge.adapters.ekos.source import EkosRecordSource

    client = erp_client(msg.erp, msg.tenant_id, msg.connection_id)
    return EkosRecordSource(client, page_size=Settings().import_page_size)


# ---------------------------------------------------------------- guided setup
def home_platform() -> DynamoHomePlatform:
    """The home platform (loading an organisation's existing records, applying changes)."""
    return DynamoHomePlatform()


def import_service() -> ImportService:
    from syncbridge.store.setup import DynamoSetupRepository
    from syncbridge.store.staging import DynamoStagingRepository

    return ImportService(
        setups=DynamoSetupRepository(),
        staging=DynamoStagingRepository(),
        source_for=record_source,
        match_queue=SqsQueue(MATCH_QUEUE),
    )


def retry_import(tenant_id: str, resource_type: str) -> dict[str, str]:
    """A person's retry of a failed import (see `importer.retry_import`)."""
    from syncbridge.domain.setup.importer import retry_import as retry
    from syncbridge.store.setup import DynamoSetupRepository

    return retry(DynamoSetupRepository(), SqsQueue(IMPORT_QUEUE), tenant_id, resource_type)


def matcher() -> EngineMatcher:
    """The matching engine, required: an ImportError here fails the function (no fallback)."""
    from syncbridge.matching import MemoryLimitError, match_records
    from syncbridge.matching.models import MatchOptions

    return EngineMatcher(match_records, MatchOptions, MemoryLimitError)


def match_service() -> MatchService:
    from syncbridge.store.labels import DynamoLabelRepository
    from syncbridge.store.mappings import DynamoMappingRepository
    from syncbridge.store.proposals import DynamoProposalRepository
    from syncbridge.store.setup import DynamoSetupRepository
    from syncbridge.store.staging import DynamoStagingRepository

    return MatchService(
        setups=DynamoSetupRepository(),
        staging=DynamoStagingRepository(),
        proposals=DynamoProposalRepository(),
        home=home_platform(),
        mappings=DynamoMappingRepository(),
        matcher=matcher(),
        labels=DynamoLabelRepository(),
        mappers=record_mappers(),
    )


def review_service() -> ReviewService:
    from syncbridge.store.labels import DynamoLabelRepository
    from syncbridge.store.mappings import DynamoMappingRepository
    from syncbridge.store.proposals import DynamoProposalRepository
    from syncbridge.store.setup import DynamoSetupRepository

    return ReviewService(
        setups=DynamoSetupRepository(),
        proposals=DynamoProposalRepository(),
        home=home_platform(),
        mappings=DynamoMappingRepository(),
        apply_queue=SqsQueue(APPLY_QUEUE),
        labels=DynamoLabelRepository(),
    )


def apply_service() -> ApplyService:
    from syncbridge.store.mappings import DynamoMappingRepository
    from syncbridge.store.proposals import DynamoProposalRepository
    from syncbridge.store.setup import DynamoSetupRepository

    return ApplyService(
        setups=DynamoSetupRepository(),
        proposals=DynamoProposalRepository(),
        home=home_platform(),
        mappings=DynamoMappingRepository(),
        audit=DynamoAuditTrail(),
        import_queue=SqsQueue(IMPORT_QUEUE),
    )


# ---------------------------------------------------------------- staying in sync
def event_mappings() -> EventMappingRepository:
    return EventMappingRepository()


def event_claims() -> DynamoEventClaims:
    return DynamoEventClaims()


def setup_progress() -> SetupProgressView:
    return SetupProgressView()


def audit_log() -> DynamoAuditTrail:
    return DynamoAuditTrail()


def review_items() -> SyncReviewItems:
    return SyncReviewItems()


def sync_queue() -> SqsQueue:
    """Where a sync chunk sends its continuation (the importer's queue)."""
    return SqsQueue(IMPORT_QUEUE)


def events_queue() -> SqsFifoQueue:
    """Where a pull puts the changes it read (the applier's ordered events queue)."""
    return SqsFifoQueue(EVENTS_QUEUE)


def sync_runs() -> SyncRunRepository:
    return SyncRunRepository()


def sync_cursors() -> SyncCursorRepository:
    return SyncCursorRepository()


@cache
def _event_ports() -> dict[str, Any]:
    """The change-event applier's ports, built once per warm container: each resolves its
    table or queue on use, so nothing here outlives a switch of stack, and the matching
    engine is not re-imported for every event."""
    return {
        "mappings": event_mappings(),
        "home": home_platform(),
        "setup": setup_progress(),
        "audit": audit_log(),
        "matcher": matcher(),
        "reviews": review_items(),
        "claims": event_claims(),
        "mappers": record_mappers(),
    }


def apply_event(body: str | bytes) -> EventOutcome:
    """The applier's ERP change event (an EventsQueue message body), on the real stores,
    the home platform and the matching engine; applied once per event id."""
    return apply_erp_event(body, **_event_ports())


def run_sync(body: str | bytes) -> SyncReport:
    """The importer's `incremental_sync` / `reconcile` message: one chunk of a pull from
    the command's ERP, continuations on the same queue."""
    command = parse_sync_command(body)
    with erp_source(command) as source:
        return run_sync_command(
            command,
            source,
            event_mappings(),
            home_platform(),
            setup_progress(),
            sync_cursors(),
            audit_log(),
            matcher=matcher(),
            reviews=review_items(),
            queue=sync_queue(),
            runs=sync_runs(),
            events=events_queue(),
            mappers=record_mappers(),
        )


def plan_scheduled_sync(tick: ScheduleTick) -> list[SyncCommand]:
    """The scheduler's tick: one sync command per active connection and resource type."""
    from syncbridge.domain.sync.scheduling import plan_sync
    from syncbridge.store.sync import ActiveConnectionDirectory

    return plan_sync(tick, ActiveConnectionDirectory(), SqsQueue(IMPORT_QUEUE), sync_cursors())


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
    return SqsQueue(OUTBOUND_QUEUE)


def outbound_mappings() -> Any:
    from syncbridge.store.mappings import DynamoMappingRepository

    return DynamoMappingRepository()


def dead_letter_queues() -> Any:
    from syncbridge.store.dead_letters import SqsDeadLetterQueues

    return SqsDeadLetterQueues(name_prefix=Settings().dead_letter_queue_prefix)
