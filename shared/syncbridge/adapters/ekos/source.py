"""The Ekos client as the guided setup's `RecordSource`: pages of contract-shaped dicts."""

from __future__ import annotations

from collections.abc import Iterator

from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.domain.setup.models import SourcePage

MAX_PAGE_SIZE = 200  # the Ekos contract's maximum


class EkosRecordSource:
    """`RecordSource` over an `EkosClient` (closed when the pages are exhausted)."""

    def __init__(self, client: EkosClient, page_size: int = MAX_PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size

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
