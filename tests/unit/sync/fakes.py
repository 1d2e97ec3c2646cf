"""In-memory implementations of the sync ports (same semantics as the DynamoDB ones)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from syncbridge.adapters.ekos.errors import EkosUnavailable
from syncbridge.adapters.home.dynamodb import KEY_FANOUT_LIMIT
from syncbridge.domain.candidate_keys import candidate_keys
from syncbridge.domain.home import HomeRecord, HomeRecordNotFound
from syncbridge.domain.sync.models import ErpUnitScan, ScanAccepted
from syncbridge.domain.sync.ports import ConnectionRef
from tests.unit.setup.fakes import FakeMappings as SetupFakeMappings

Key = tuple[str, str, str, str]


class FakeMappings(SetupFakeMappings):
    """The setup fake plus the per-record version the change-event applier advances."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[Key, str] = {}

    def source_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        return self.versions.get((tenant_id, erp, resource_type, external_id))

    def snapshot(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> tuple[str | None, str | None]:
        key = (tenant_id, erp, resource_type, external_id)
        return self.get(*key), self.versions.get(key)

    def advance_version(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        external_id: str,
        version: str,
        event_id: str,
    ) -> bool:
        key = (tenant_id, erp, resource_type, external_id)
        if self.get(*key) is None:
            return False
        if key in self.versions and self.versions[key] >= version:
            return False
        self.versions[key] = version
        return True

    def external_for(
        self, tenant_id: str, erp: str, resource_type: str, internal_id: str
    ) -> str | None:
        for ext, iid in self.external_to_internal(tenant_id, erp, resource_type).items():
            if iid == internal_id:
                return ext
        return None

    seen: dict[Key, str]

    def tombstone_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        return self.__dict__.get("tombs", {}).get((tenant_id, erp, resource_type, external_id))

    def bury(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, version: str
    ) -> None:
        tombs = self.__dict__.setdefault("tombs", {})
        key = (tenant_id, erp, resource_type, external_id)
        tombs[key] = max(version, tombs.get(key, version))

    def mark_seen(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, run_id: str
    ) -> None:
        if self.get(tenant_id, erp, resource_type, external_id) is not None:
            self.__dict__.setdefault("seen", {})[(tenant_id, erp, resource_type, external_id)] = (
                run_id
            )

    def page_mapped(
        self, tenant_id: str, erp: str, resource_type: str, after: str | None, limit: int
    ) -> tuple[list[tuple[str, str, str, str]], str | None]:
        seen = self.__dict__.get("seen", {})
        rows = sorted(
            (ext, iid, seen.get((tenant_id, erp, resource_type, ext), ""), "")
            for ext, iid in self.external_to_internal(tenant_id, erp, resource_type).items()
            if after is None or ext > after
        )
        return rows[:limit], (rows[limit - 1][0] if len(rows) > limit else None)


class FakeHome:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], HomeRecord] = {}
        self.writes = 0

    def get(self, tenant_id: str, kind: str, record_id: str) -> HomeRecord | None:
        return self.records.get((tenant_id, kind, record_id))

    def iter_all(self, tenant_id: str, kind: str) -> Any:
        return [
            r
            for (t, k, _), r in self.records.items()
            if (t, k) == (tenant_id, kind) and not r.archived
        ]

    def list(
        self, tenant_id: str, kind: str, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[HomeRecord], str | None]:
        rows = [r for (t, k, _), r in sorted(self.records.items()) if (t, k) == (tenant_id, kind)]
        return rows[:limit], None

    def candidates(self, tenant_id: str, kind: str, fields: Mapping[str, Any]) -> Any:
        """Records sharing a candidate key with `fields` (as the DynamoDB adapter files them;
        a key held by more than `KEY_FANOUT_LIMIT` records is skipped)."""
        wanted = set(candidate_keys(kind, fields))
        live = self.iter_all(tenant_id, kind)
        sharing = {
            key: [r for r in live if key in candidate_keys(kind, r.fields)] for key in wanted
        }
        found: dict[str, HomeRecord] = {}
        for hits in sharing.values():
            if len(hits) <= KEY_FANOUT_LIMIT:
                found.update((r.id, r) for r in hits)
        return list(found.values())

    def create(
        self, tenant_id: str, kind: str, fields: Mapping[str, Any], record_id: str | None = None
    ) -> HomeRecord:
        key = (tenant_id, kind, record_id or f"h{len(self.records)}")
        if key in self.records:
            return self.records[key]
        self.writes += 1
        self.records[key] = HomeRecord(id=key[2], kind=kind, fields=dict(fields))  # type: ignore[arg-type]
        return self.records[key]

    def update(
        self,
        tenant_id: str,
        kind: str,
        record_id: str,
        fields: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> HomeRecord:
        record = self.records.get((tenant_id, kind, record_id))
        if record is None:
            raise HomeRecordNotFound("no such record")
        self.writes += 1
        record.fields = dict(fields)
        record.version += 1
        return record

    def archive(self, tenant_id: str, kind: str, record_id: str) -> HomeRecord:
        record = self.records.get((tenant_id, kind, record_id))
        if record is None:
            raise HomeRecordNotFound("no such record")
        self.writes += 1
        record.archived = True
        return record


class FakeAudit:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def record(self, tenant_id: str, entries: Iterable[Mapping[str, Any]]) -> None:
        for entry in entries:
            self.entries[entry["entry_id"]] = {"tenant_id": tenant_id, **entry}


class FakeEventClaims:
    """One claim per event, as the conditional put of `DynamoEventClaims` grants it."""

    def __init__(self) -> None:
        self.claims: dict[tuple[str, str, str], tuple[str, float]] = {}
        self.now = 0.0  # seconds; a test moves it to expire a lease

    def claim(self, tenant_id: str, erp: str, event_id: str, lease_seconds: float) -> str:
        key = (tenant_id, erp, event_id)
        state, lease_until = self.claims.get(key, ("", 0.0))
        if state == "done":
            return "done"
        if state == "applying" and lease_until >= self.now:
            return "busy"
        self.claims[key] = ("applying", self.now + lease_seconds)
        return "claimed"

    def finish(self, tenant_id: str, erp: str, event_id: str, outcome: str) -> None:
        self.claims[(tenant_id, erp, event_id)] = ("done", 0.0)

    def release(self, tenant_id: str, erp: str, event_id: str) -> None:
        if self.claims.get((tenant_id, erp, event_id), ("",))[0] == "applying":
            del self.claims[(tenant_id, erp, event_id)]


class FakeSetupProgress:
    def __init__(self, done: set[str] | None = None) -> None:
        self.done = done or set()

    def type_done(self, tenant_id: str, erp: str, resource_type: str) -> bool:
        return resource_type in self.done


class FakeFifoQueue:
    """Drops a message whose deduplication id was already seen (SQS's 5-minute window)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, BaseModel]] = []

    def send(self, message: BaseModel, *, group_id: str, deduplication_id: str) -> None:
        if any(d == deduplication_id for _, d, _ in self.messages):
            return
        self.messages.append((group_id, deduplication_id, message))


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[BaseModel] = []

    def send(self, message: BaseModel) -> None:
        self.messages.append(message)


class FakeConnections:
    def __init__(self, refs: list[ConnectionRef]) -> None:
        self.refs = refs

    def list_active(self) -> list[ConnectionRef]:
        return list(self.refs)


class FakeCursors:
    def __init__(self, values: dict[tuple[str, str, str], str] | None = None) -> None:
        self.values = values or {}

    def get(self, tenant_id: str, connection_id: str, resource_type: str) -> str | None:
        return self.values.get((tenant_id, connection_id, resource_type))


class FakeScanSink:
    """Ekos's unit-scan endpoint: replays by Idempotency-Key, or fails as told."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.fail_with = fail_with
        self.received: dict[str, ErpUnitScan] = {}
        self.calls: list[tuple[str, ErpUnitScan]] = []

    def post_unit_scan(self, scan: ErpUnitScan, idempotency_key: str) -> ScanAccepted:
        self.calls.append((idempotency_key, scan))
        if self.fail_with is not None:
            raise self.fail_with
        replayed = idempotency_key in self.received
        self.received.setdefault(idempotency_key, scan)
        return ScanAccepted(
            id=f"ekos-{idempotency_key[:8]}", scan_id=scan.scan_id, replayed=replayed
        )


def unavailable() -> EkosUnavailable:
    return EkosUnavailable("Ekos answered 503 after 3 attempts", status=503)


class FakeCursorStore(FakeCursors):
    def advance(
        self, tenant_id: str, connection_id: str, resource_type: str, updated_since: str
    ) -> bool:
        key = (tenant_id, connection_id, resource_type)
        if key in self.values and self.values[key] >= updated_since:
            return False
        self.values[key] = updated_since
        return True


class FakeReviews:
    """`ReviewItems` in memory."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str, str], Any] = {}

    def put(self, tenant_id: str, erp: str, resource_type: str, proposal: Any) -> None:
        self.items[(tenant_id, erp, resource_type, proposal.external_id)] = proposal

    def get(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> Any:
        return self.items.get((tenant_id, erp, resource_type, external_id))

    def remove(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> None:
        self.items.pop((tenant_id, erp, resource_type, external_id), None)


class FakeFailedScans:
    """`FailedScans` in memory."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def record(
        self, message: Any, status: int, errors: list[dict[str, str]], audit_ref: str
    ) -> None:
        self.rows[(message.tenant_id, message.erp, message.scan_id)] = {
            "scan_id": message.scan_id,
            "erp": message.erp,
            "status": status,
            "errors": errors,
            "attempt": message.attempt,
            "audit_ref": audit_ref,
            "message": message.model_dump(mode="json"),
        }

    def resolve(self, tenant_id: str, erp: str, scan_id: str) -> None:
        self.rows.pop((tenant_id, erp, scan_id), None)

    def get(self, tenant_id: str, erp: str, scan_id: str) -> dict[str, Any] | None:
        return self.rows.get((tenant_id, erp, scan_id))

    def list(self, tenant_id: str, limit: int = 100) -> list[dict[str, Any]]:
        return [r for (t, _, _), r in self.rows.items() if t == tenant_id][:limit]
