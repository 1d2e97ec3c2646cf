"""In-memory implementations of the setup ports, with the same conditional semantics as
the DynamoDB stores (a transition only happens from an allowed status)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from syncbridge.adapters.home.search import matches
from syncbridge.domain.candidate_keys import candidate_keys
from syncbridge.domain.home import HomeKind, HomeRecord, HomeRecordNotFound
from syncbridge.domain.setup import cursor as cursors
from syncbridge.domain.setup.errors import ProposalChanged
from syncbridge.domain.setup.models import (
    MatchOutcome,
    Page,
    Proposal,
    Setup,
    SourcePage,
    TypeProgress,
)
from syncbridge.domain.setup.state import allowed_sources


class FakeSetups:
    def __init__(self) -> None:
        self.setups: dict[tuple[str, str], Setup] = {}

    def get(self, tenant_id: str, connection_id: str) -> Setup | None:
        setup = self.setups.get((tenant_id, connection_id))
        return copy.deepcopy(setup) if setup else None

    def latest(self, tenant_id: str) -> Setup | None:
        mine = [s for (t, _), s in self.setups.items() if t == tenant_id]
        return copy.deepcopy(max(mine, key=lambda s: s.started_at)) if mine else None

    def start(self, setup: Setup, replace_run: str | None = None) -> Setup:
        key = (setup.tenant_id, setup.connection_id)
        existing = self.setups.get(key)
        if existing is None or (replace_run is not None and existing.run_id == replace_run):
            self.setups[key] = copy.deepcopy(setup)
        return copy.deepcopy(self.setups[key])

    def _progress(self, tenant_id: str, connection_id: str, rtype: str) -> TypeProgress:
        setup = self.setups[(tenant_id, connection_id)]
        return setup.types.setdefault(rtype, TypeProgress(resource_type=rtype))  # type: ignore[arg-type]

    def begin_import(self, tenant_id, connection_id, resource_type, run_id, now, lease_seconds):
        p = self._progress(tenant_id, connection_id, resource_type)
        if p.run_id == run_id and p.status == "importing" and p.lease_until < now:
            p.attempts += 1  # resume: counters and cursor kept
        elif p.status == "pending" or p.run_id != run_id:
            p.status, p.run_id, p.pages, p.records = "importing", run_id, 0, 0
            p.cursor, p.attempts, p.error = "", 1, ""
        else:
            return False
        p.lease_until = now + lease_seconds
        return True

    def add_progress(self, tenant_id, connection_id, resource_type, pages, records, cursor=None):
        p = self._progress(tenant_id, connection_id, resource_type)
        p.pages += pages
        p.records += records
        if cursor is not None:
            p.cursor = cursor

    def transition(self, tenant_id, connection_id, resource_type, target, **fields):
        p = self._progress(tenant_id, connection_id, resource_type)
        if p.status not in allowed_sources(target):
            return False
        p.status = target
        for name, value in fields.items():
            setattr(p, name, value)
        return True

    def complete(self, tenant_id, connection_id):
        setup = self.setups[(tenant_id, connection_id)]
        if setup.status == "complete":
            return False
        setup.status = "complete"
        return True


class FakeStaging:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = {}

    def put_records(self, key: str, records: Iterable[Mapping[str, Any]]) -> int:
        bucket = self.items.setdefault(key, {})
        n = 0
        for record in records:
            bucket[str(record["id"])] = dict(record)
            n += 1
        return n

    def iter_records(self, key: str) -> Iterator[dict[str, Any]]:
        yield from self.items.get(key, {}).values()


class FakeProposals:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Proposal]] = {}

    def put_many(self, scope: str, proposals: Iterable[Proposal]) -> None:
        bucket = self.items.setdefault(scope, {})
        for p in proposals:
            bucket[p.external_id] = p

    def get(self, scope: str, external_id: str) -> Proposal | None:
        return self.items.get(scope, {}).get(external_id)

    def list(self, scope, decision, query="", cursor=None, limit=50) -> Page:
        rows = sorted(
            (p for p in self.items.get(scope, {}).values() if p.decision == decision),
            key=lambda p: p.external_id,
        )
        if query:
            rows = [p for p in rows if query in p.model_dump_json().lower()]
        start = int((cursors.decode(cursor) or {}).get("offset", 0))
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return Page(
            items=page, next_cursor=cursors.encode({"offset": start + limit}) if more else None
        )

    def iter_all(self, scope: str) -> Iterator[Proposal]:
        yield from list(self.items.get(scope, {}).values())

    def replace_many(self, scope: str, proposals: Iterable[Proposal]) -> int:
        n = 0
        for p in proposals:
            self.items[scope][p.external_id] = p.model_copy(update={"version": p.version + 1})
            n += 1
        return n

    def update(self, scope: str, proposal: Proposal, expected_version: int) -> Proposal:
        current = self.get(scope, proposal.external_id)
        if current is None or current.version != expected_version:
            raise ProposalChanged("changed")
        stored = proposal.model_copy(update={"version": expected_version + 1})
        self.items[scope][proposal.external_id] = stored
        return stored


class FakeMappings:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], dict[str, str]] = {}

    def put(self, tenant_id, erp, resource_type, external_id, internal_id, source) -> bool:
        bucket = self.items.setdefault((tenant_id, erp, resource_type), {})
        if bucket.get(external_id, internal_id) != internal_id:
            return False
        bucket[external_id] = internal_id
        return True

    def put_many(self, tenant_id, erp, resource_type, pairs, source) -> set[str]:
        return {
            e for e, i in pairs.items() if not self.put(tenant_id, erp, resource_type, e, i, source)
        }

    def get(self, tenant_id, erp, resource_type, external_id):
        return self.items.get((tenant_id, erp, resource_type), {}).get(external_id)

    def external_to_internal(self, tenant_id, erp, resource_type):
        return dict(self.items.get((tenant_id, erp, resource_type), {}))

    def internal_ids(self, tenant_id, erp, resource_type):
        return set(self.items.get((tenant_id, erp, resource_type), {}).values())


class FakeHome:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, HomeRecord]] = {}
        self.creates = 0

    def seed(self, tenant_id: str, kind: HomeKind, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            fields = {k: v for k, v in row.items() if k != "id"}
            self.create(tenant_id, kind, fields, record_id=str(row["id"]))

    def list(self, tenant_id, kind, cursor=None, limit=100):
        rows = list(self.records.get((tenant_id, kind), {}).values())
        return rows[:limit], None

    def candidates(self, tenant_id, kind, fields):
        wanted = set(candidate_keys(kind, fields))
        return [
            r
            for r in self.iter_all(tenant_id, kind)
            if wanted & set(candidate_keys(kind, r.fields))
        ]

    def iter_all(self, tenant_id, kind):
        yield from (r for r in self.records.get((tenant_id, kind), {}).values() if not r.archived)

    def count(self, tenant_id, kind):
        return sum(1 for _ in self.iter_all(tenant_id, kind))

    def get(self, tenant_id, kind, record_id):
        return self.records.get((tenant_id, kind), {}).get(record_id)

    def search(self, tenant_id, kind, query, limit=20):
        return [r for r in self.iter_all(tenant_id, kind) if matches(r, query)][:limit]

    def create(self, tenant_id, kind, fields, record_id=None):
        bucket = self.records.setdefault((tenant_id, kind), {})
        rid = record_id or uuid.uuid4().hex
        if rid in bucket:
            return bucket[rid]
        self.creates += 1
        bucket[rid] = HomeRecord(id=rid, kind=kind, fields=dict(fields))
        return bucket[rid]

    def create_many(self, tenant_id, kind, records):
        bucket = self.records.setdefault((tenant_id, kind), {})
        created = {rid for rid in records if rid not in bucket}
        for rid in created:
            self.create(tenant_id, kind, records[rid], record_id=rid)
        return created

    def update(self, tenant_id, kind, record_id, fields, expected_version=None):
        current = self.get(tenant_id, kind, record_id)
        if current is None:
            raise HomeRecordNotFound(record_id)
        new = current.model_copy(
            update={"fields": {**current.fields, **fields}, "version": current.version + 1}
        )
        self.records[(tenant_id, kind)][record_id] = new
        return new

    def archive(self, tenant_id, kind, record_id):
        current = self.get(tenant_id, kind, record_id)
        if current is None:
            raise HomeRecordNotFound(record_id)
        new = current.model_copy(update={"archived": True})
        self.records[(tenant_id, kind)][record_id] = new
        return new


class FakeAudit:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def record(self, tenant_id, entries):
        for entry in entries:
            self.entries[f"{tenant_id}|{entry['entry_id']}"] = dict(entry)


class ListQueue:
    def __init__(self) -> None:
        self.sent: list[BaseModel] = []

    def send(self, message: BaseModel) -> None:
        self.sent.append(message)


class FakeSource:
    """Pages of ERP records per resource; `fail_after` raises mid-read once."""

    def __init__(self, pages: dict[str, list[list[dict[str, Any]]]]) -> None:
        self.pages = pages
        self.reads = 0
        self.fail_after: int | None = None

    def iter_pages(self, resource, updated_since=None, cursor=None):
        pages = self.pages.get(resource, [])
        for index in range(int(cursor or 0), len(pages)):
            if self.fail_after is not None and index == self.fail_after:
                self.fail_after = None
                raise ConnectionError("ekos went away")
            self.reads += 1
            yield SourcePage(
                records=pages[index], next_cursor=str(index + 1) if index + 1 < len(pages) else None
            )


class RecordingMatcher:
    """Wraps a matcher and remembers what it was asked."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[list[dict], list[dict], str]] = []

    def match(self, internal, external, profile) -> list[MatchOutcome]:
        self.calls.append((internal, external, profile))
        return self.inner.match(internal, external, profile)
