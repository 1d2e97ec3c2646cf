"""The ports the setup services need; `syncbridge.store.*` implements them on DynamoDB/SQS
and the unit tests implement them in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from pydantic import BaseModel

from syncbridge.domain.mappings import Mappings

from .models import (
    MatchGuidance,
    MatchOutcome,
    Page,
    Profile,
    Proposal,
    ReviewLabel,
    Setup,
    SourcePage,
    TypeStatus,
)


class SetupRepository(Protocol):
    def get(self, tenant_id: str, connection_id: str) -> Setup | None: ...

    def latest(self, tenant_id: str) -> Setup | None:
        """The tenant's most recently started setup (what the review page shows)."""
        ...

    def start(self, setup: Setup, replace_run: str | None = None) -> Setup:
        """Store a new setup unless one exists (then return that one). With `replace_run`,
        replace the stored setup only if its run id is `replace_run`."""
        ...

    def begin_import(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        run_id: str,
        now: int,
        lease_seconds: int,
    ) -> bool:
        """pending -> importing, zeroing the counters and the cursor; or resume an importing
        type whose lease ran out (counters and cursor kept, one more attempt). False when
        another import holds it, it failed (a person retries it) or it is past that."""
        ...

    def add_progress(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        pages: int,
        records: int,
        cursor: str | None = None,
    ) -> None:
        """Count a staged page and checkpoint the cursor after it (one write)."""
        ...

    def transition(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        target: TypeStatus,
        **fields: Any,
    ) -> bool:
        """Move the type to `target` when its status allows it; False when it does not."""
        ...

    def complete(self, tenant_id: str, connection_id: str) -> bool: ...


class StagingRepository(Protocol):
    def put_records(self, key: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Stage records under `key` (tenant#connection#type#run), overwriting by id."""
        ...

    def iter_records(self, key: str) -> Iterator[dict[str, Any]]: ...


class ProposalRepository(Protocol):
    def put_many(self, scope: str, proposals: Iterable[Proposal]) -> None: ...

    def get(self, scope: str, external_id: str) -> Proposal | None: ...

    def list(
        self,
        scope: str,
        decision: str,
        query: str = "",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page: ...

    def iter_all(self, scope: str) -> Iterator[Proposal]: ...

    def replace_many(self, scope: str, proposals: Iterable[Proposal]) -> int:
        """Store each proposal with version + 1, in bulk; how many were written."""
        ...

    def update(self, scope: str, proposal: Proposal, expected_version: int) -> Proposal:
        """Store `proposal` with version+1 if the stored version is `expected_version`;
        raise ProposalChanged otherwise."""
        ...


class MappingRepository(Mappings, Protocol):
    def put_many(
        self, tenant_id: str, erp: str, resource_type: str, pairs: dict[str, str], source: str
    ) -> set[str]:
        """Write many mappings; the external ids mapped elsewhere already (not changed)."""
        ...

    def external_to_internal(
        self, tenant_id: str, erp: str, resource_type: str
    ) -> dict[str, str]: ...

    def internal_ids(self, tenant_id: str, erp: str, resource_type: str) -> set[str]: ...


class AuditLog(Protocol):
    def record(self, tenant_id: str, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append entries; each has a deterministic `entry_id` so a replay writes it once."""
        ...


class MessageQueue(Protocol):
    def send(self, message: BaseModel) -> None: ...


class RecordSource(Protocol):
    """The ERP side: every page of one resource type (the Ekos adapter's `iter_pages`),
    starting after `cursor` when given (a resumed import)."""

    def iter_pages(
        self, resource: str, updated_since: str | None = None, cursor: str | None = None
    ) -> Iterator[SourcePage]: ...


class Matcher(Protocol):
    """The matching engine's library call, reduced to what the setup needs.

    Raises `errors.MatchTooLarge` when the records cannot be matched in the memory the
    function has (before any work: the engine refuses rather than exceed it).
    """

    def match(
        self,
        internal: list[dict[str, Any]],
        external: list[dict[str, Any]],
        profile: Profile,
        guidance: MatchGuidance | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[MatchOutcome]:
        """One decision per external record; with `guidance`, learn from and obey the
        labels, start from its parameters and fill `guidance.learned`. A matcher with
        `reports_progress = True` calls `on_progress(external records scored so far)`."""
        ...


class LabelRepository(Protocol):
    """A tenant's review answers and learned matching weights (kept across setups)."""

    def add(self, tenant_id: str, resource_type: str, labels: Iterable[ReviewLabel]) -> None:
        """Store answers; a later answer about the same pair replaces the earlier one."""
        ...

    def labels(self, tenant_id: str, resource_type: str) -> list[ReviewLabel]: ...

    def parameters(self, tenant_id: str, profile: Profile) -> dict[str, list[float]] | None: ...

    def save_parameters(
        self, tenant_id: str, profile: Profile, parameters: dict[str, list[float]]
    ) -> None: ...
