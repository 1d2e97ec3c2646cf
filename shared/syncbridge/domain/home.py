"""The home platform (Kegshoe side): the internal records Sync Bridge maps ERP records to.

A port the domain owns: services depend only on the `HomePlatform` protocol; the embedded
default keeps the records in DynamoDB (`HomeTable`, `syncbridge.adapters.home.dynamodb`)
so the local demo is complete.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from syncbridge.domain.errors import Conflict, NotFound

HomeKind = Literal["customer-locations", "storage-locations", "products", "product-batches"]


class HomeRecord(BaseModel):
    """One internal record: a location, product or batch."""

    id: str
    kind: HomeKind
    fields: dict[str, Any] = Field(default_factory=dict)
    archived: bool = False
    version: int = 1
    created_at: str = ""
    updated_at: str = ""


class HomeRecordNotFound(NotFound):
    code = "home_record_not_found"


class HomeVersionConflict(Conflict):
    code = "home_version_conflict"


class HomePlatform(Protocol):
    """CRUD over one tenant's internal records of a kind."""

    def list(
        self, tenant_id: str, kind: HomeKind, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[HomeRecord], str | None]:
        """A page of records (archived ones included) and the cursor of the next page."""
        ...

    def iter_all(self, tenant_id: str, kind: HomeKind) -> Iterator[HomeRecord]:
        """Every record of a kind, archived ones excluded."""
        ...

    def count(self, tenant_id: str, kind: HomeKind) -> int:
        """How many records of a kind, archived ones excluded (no record leaves the store)."""
        ...

    def get(self, tenant_id: str, kind: HomeKind, record_id: str) -> HomeRecord | None: ...

    def candidates(
        self, tenant_id: str, kind: HomeKind, fields: Mapping[str, Any]
    ) -> builtins.list[HomeRecord]:
        """Live records sharing a candidate key (`domain.candidate_keys`) with `fields`: the
        possible twins of an incoming record, found by key rather than by reading every
        record. A key shared by very many records tells none apart and is skipped."""
        ...

    def search(
        self, tenant_id: str, kind: HomeKind, query: str, limit: int = 20
    ) -> builtins.list[HomeRecord]:  # `list` is a method of this class
        """Records whose name/code/address contains every word of `query`."""
        ...

    def create(
        self,
        tenant_id: str,
        kind: HomeKind,
        fields: Mapping[str, Any],
        record_id: str | None = None,
    ) -> HomeRecord:
        """Create a record. With `record_id` given, creating it again returns the existing one
        (so a redelivered message never creates twice)."""
        ...

    def create_many(
        self, tenant_id: str, kind: HomeKind, records: Mapping[str, Mapping[str, Any]]
    ) -> set[str]:
        """Create each `id -> fields` not present yet (ids chosen by the caller, so a replay
        creates nothing); the ids actually created."""
        ...

    def update(
        self,
        tenant_id: str,
        kind: HomeKind,
        record_id: str,
        fields: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> HomeRecord: ...

    def archive(self, tenant_id: str, kind: HomeKind, record_id: str) -> HomeRecord: ...
