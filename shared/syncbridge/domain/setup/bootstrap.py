"""Composition root of the guided setup: wires DynamoDB/SQS/Ekos adapters into the services.

Handlers call these factories once per warm Lambda; tests build the services directly
with fakes instead. Imports are local so the API function never loads the Ekos client or
the matching engine it does not use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from .applier import ApplyService
from .importer import ImportService
from .matchers import EngineMatcher
from .matching import MatchService
from .models import ImportMessage, SourcePage
from .ports import RecordSource
from .review import ReviewService


def _home() -> Any:
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform

    return DynamoHomePlatform()


def home_platform() -> Any:
    """The home platform (loading an organisation's existing records)."""
    return _home()


class EkosRecordSource:
    """`RecordSource` over the Ekos adapter: pages of contract-shaped dicts.

    `IMPORT_PAGE_SIZE` (default 200, the contract's maximum) sets the page size.
    """

    def __init__(self, client: Any, page_size: int | None = None) -> None:
        self.client = client
        self.page_size = page_size or int(os.environ.get("IMPORT_PAGE_SIZE", "200"))

    def iter_pages(
        self, resource: str, updated_since: str | None = None, cursor: str | None = None
    ) -> Iterator[SourcePage]:
        with self.client:
            for page in self.client.iter_pages(
                resource, updated_since=updated_since, cursor=cursor, page_size=self.page_size
            ):
                yield SourcePage(
                    records=[record.model_dump(mode="json") for record in page.records],
                    next_cursor=page.next_cursor,
                )


def ekos_source(msg: ImportMessage) -> RecordSource:
    """The Ekos client of the message's connection (tokens from the Connections table)."""
    from syncbridge.adapters.ekos.bootstrap import ekos_client

    return EkosRecordSource(ekos_client(msg.tenant_id, msg.connection_id))


def import_service() -> ImportService:
    from syncbridge.store.setup import DynamoSetupRepository, SqsQueue
    from syncbridge.store.staging import DynamoStagingRepository

    return ImportService(
        setups=DynamoSetupRepository(),
        staging=DynamoStagingRepository(),
        source_for=ekos_source,
        match_queue=SqsQueue("MATCH_QUEUE_URL"),
    )


def retry_import(tenant_id: str, resource_type: str) -> dict[str, str]:
    """A person's retry of a failed import (see `importer.retry_import`)."""
    from syncbridge.store.setup import DynamoSetupRepository, SqsQueue

    from .importer import retry_import as retry

    return retry(DynamoSetupRepository(), SqsQueue("IMPORT_QUEUE_URL"), tenant_id, resource_type)


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
        home=_home(),
        mappings=DynamoMappingRepository(),
        matcher=matcher(),
        labels=DynamoLabelRepository(),
    )


def matcher() -> EngineMatcher:
    """The matching engine; an ImportError here fails the matcher's init (no fallback)."""
    from syncbridge.matching import MemoryLimitError, match_records
    from syncbridge.matching.models import MatchOptions

    return EngineMatcher(match_records, MatchOptions, MemoryLimitError)


def review_service() -> ReviewService:
    from syncbridge.store.labels import DynamoLabelRepository
    from syncbridge.store.mappings import DynamoMappingRepository
    from syncbridge.store.proposals import DynamoProposalRepository
    from syncbridge.store.setup import DynamoSetupRepository, SqsQueue

    return ReviewService(
        setups=DynamoSetupRepository(),
        proposals=DynamoProposalRepository(),
        home=_home(),
        mappings=DynamoMappingRepository(),
        apply_queue=SqsQueue("APPLY_QUEUE_URL"),
        labels=DynamoLabelRepository(),
    )


def apply_service() -> ApplyService:
    from syncbridge.store.audit import DynamoAuditTrail
    from syncbridge.store.mappings import DynamoMappingRepository
    from syncbridge.store.proposals import DynamoProposalRepository
    from syncbridge.store.setup import DynamoSetupRepository, SqsQueue

    return ApplyService(
        setups=DynamoSetupRepository(),
        proposals=DynamoProposalRepository(),
        home=_home(),
        mappings=DynamoMappingRepository(),
        audit=DynamoAuditTrail(),
        import_queue=SqsQueue("IMPORT_QUEUE_URL"),
    )
