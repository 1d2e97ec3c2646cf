"""The embedded home platform: internal records in DynamoDB (`HOME_TABLE`).

Key: pk `TENANT#<tenant>#HOME#<kind>`, sk `REC#<id>`. Fields are stored as one JSON string
(floats such as lat/lon survive without Decimal juggling) next to a lower-cased `search`
text. Writes are conditional: create never overwrites, update checks the version.

Each record is also filed under its candidate keys (`domain.candidate_keys`): one small item
per key, pk `TENANT#<tenant>#HOMEKEY#<kind>#<key>`, sk `REC#<id>`, so the possible twins of
an incoming ERP record are a few keyed Queries away instead of a read of every record.
Key items are only added (a record whose key changed keeps the old item until it is
filed again); `candidates` checks each hit's current keys, so a stale item finds nothing.
Records written before the key items existed are filed again by `refile`
(`python -m syncbridge.ops.refile_keys`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.candidate_keys import candidate_keys
from syncbridge.domain.home import HomeKind, HomeRecord, HomeRecordNotFound, HomeVersionConflict
from syncbridge.domain.setup import cursor as cursors
from syncbridge.domain.setup.records import search_text
from syncbridge.store.cursor_key import cursor_key

from .search import matches


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _pk(tenant_id: str, kind: str) -> str:
    return f"TENANT#{tenant_id}#HOME#{kind}"


def _key_pk(tenant_id: str, kind: str, key: str) -> str:
    return f"TENANT#{tenant_id}#HOMEKEY#{kind}#{key}"


KEY_FANOUT_LIMIT = 50
"""A candidate key shared by more records than this tells none apart: it is skipped (as
the matching engine skips an over-full block)."""


class DynamoHomePlatform:
    """`HomePlatform` on DynamoDB; the table is resolved lazily from `HOME_TABLE`."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("HOME_TABLE")

    @staticmethod
    def _record(item: Mapping[str, Any]) -> HomeRecord:
        return HomeRecord(
            id=item["id"],
            kind=item["kind"],
            fields=json.loads(item.get("fields_json") or "{}"),
            archived=bool(item.get("archived", False)),
            version=int(item.get("version", 1)),
            created_at=item.get("created_at", ""),
            updated_at=item.get("updated_at", ""),
        )

    def _item(self, tenant_id: str, record: HomeRecord) -> dict[str, Any]:
        return {
            "pk": _pk(tenant_id, record.kind),
            "sk": f"REC#{record.id}",
            "id": record.id,
            "kind": record.kind,
            "tenant_id": tenant_id,
            "fields_json": json.dumps(record.fields, separators=(",", ":"), default=str),
            "search": search_text(record.kind, record.fields),
            "archived": record.archived,
            "version": record.version,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }

    @staticmethod
    def _key_items(
        tenant_id: str, record: HomeRecord, skip: frozenset[str] = frozenset()
    ) -> list[dict[str, Any]]:
        return [
            {"pk": _key_pk(tenant_id, record.kind, key), "sk": f"REC#{record.id}", "id": record.id}
            for key in candidate_keys(record.kind, record.fields)
            if key not in skip
        ]

    def _file(self, tenant_id: str, record: HomeRecord, before: HomeRecord | None = None) -> None:
        """Put the record's candidate-key items (only the keys `before` did not have)."""
        old = frozenset(candidate_keys(before.kind, before.fields)) if before else frozenset()
        items = self._key_items(tenant_id, record, skip=old)
        if len(items) == 1:
            self.table.put_item(Item=items[0])
        elif items:
            with self.table.batch_writer() as batch:
                for item in items:
                    batch.put_item(Item=item)

    def refile(self, tenant_id: str, kind: HomeKind) -> int:
        """File every record of a kind under its candidate keys (records written before
        the key items existed); the number of records filed."""
        count = 0
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for record in self.iter_all(tenant_id, kind):
                for item in self._key_items(tenant_id, record):
                    batch.put_item(Item=item)
                count += 1
        return count

    def candidates(
        self, tenant_id: str, kind: HomeKind, fields: Mapping[str, Any]
    ) -> list[HomeRecord]:
        keys = candidate_keys(kind, fields)
        ids: dict[str, None] = {}
        for key in keys:
            page = self.table.query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": _key_pk(tenant_id, kind, key)},
                ProjectionExpression="id",
                Limit=KEY_FANOUT_LIMIT + 1,
            )
            hits = page.get("Items", [])
            if len(hits) <= KEY_FANOUT_LIMIT:
                ids.update((item["id"], None) for item in hits)
        wanted = set(keys)
        found: list[HomeRecord] = []
        for record in self._get_many(tenant_id, kind, list(ids)):
            if not record.archived and wanted & set(candidate_keys(kind, record.fields)):
                found.append(record)
        return found

    def _get_many(self, tenant_id: str, kind: HomeKind, ids: list[str]) -> list[HomeRecord]:
        """Records by id (BatchGetItem, 100 per call, strongly consistent), in `ids` order."""
        if not ids:
            return []
        name = self.table.name
        got: dict[str, HomeRecord] = {}
        for start in range(0, len(ids), 100):
            keys = [
                {"pk": _pk(tenant_id, kind), "sk": f"REC#{i}"} for i in ids[start : start + 100]
            ]
            request: dict[str, Any] = {name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                reply = aws.resource("dynamodb").batch_get_item(RequestItems=request)
                for item in reply.get("Responses", {}).get(name, []):
                    got[item["id"]] = self._record(item)
                request = reply.get("UnprocessedKeys") or {}
        return [got[i] for i in ids if i in got]

    def list(
        self, tenant_id: str, kind: HomeKind, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[HomeRecord], str | None]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _pk(tenant_id, kind)},
            "Limit": limit,
        }
        listing, key = _pk(tenant_id, kind), cursor_key()
        start = cursors.decode(cursor, context=listing, key=key)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self.table.query(**kwargs)
        items = [self._record(i) for i in page.get("Items", [])]
        return items, cursors.encode(page.get("LastEvaluatedKey"), context=listing, key=key)

    def iter_all(self, tenant_id: str, kind: HomeKind) -> Iterator[HomeRecord]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _pk(tenant_id, kind)},
        }
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                record = self._record(item)
                if not record.archived:
                    yield record
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def count(self, tenant_id: str, kind: HomeKind) -> int:
        """`Select=COUNT`: DynamoDB counts, no record crosses the wire (the setup page asks
        every second while an import runs)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "attribute_not_exists(archived) OR archived = :no",
            "ExpressionAttributeValues": {":pk": _pk(tenant_id, kind), ":no": False},
            "Select": "COUNT",
        }
        total = 0
        while True:
            page = self.table.query(**kwargs)
            total += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, tenant_id: str, kind: HomeKind, record_id: str) -> HomeRecord | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant_id, kind), "sk": f"REC#{record_id}"}, ConsistentRead=True
        ).get("Item")
        return self._record(item) if item else None

    def search(
        self, tenant_id: str, kind: HomeKind, query: str, limit: int = 20
    ) -> list[HomeRecord]:
        found: list[HomeRecord] = []
        for record in self.iter_all(tenant_id, kind):
            if matches(record, query):
                found.append(record)
                if len(found) >= limit:
                    break
        return found

    def create(
        self,
        tenant_id: str,
        kind: HomeKind,
        fields: Mapping[str, Any],
        record_id: str | None = None,
    ) -> HomeRecord:
        now = _now()
        record = HomeRecord(
            id=record_id or f"h-{uuid.uuid4().hex[:16]}",
            kind=kind,
            fields=dict(fields),
            created_at=now,
            updated_at=now,
        )
        try:
            self.table.put_item(
                Item=self._item(tenant_id, record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if not aws.condition_failed(exc):
                raise
            existing = self.get(tenant_id, kind, record.id)
            if existing is None:  # pragma: no cover - deleted in between
                raise
            return existing
        self._file(tenant_id, record)
        return record

    def create_many(
        self, tenant_id: str, kind: HomeKind, records: Mapping[str, Mapping[str, Any]]
    ) -> set[str]:
        """Batch create: read which ids exist (100 per BatchGetItem), write the missing ones
        (25 per BatchWriteItem). Used by the applier, the single writer of its type while
        applying, so no one creates the same deterministic id in between."""
        ids = list(records)
        existing: set[str] = set()
        name = self.table.name
        for start in range(0, len(ids), 100):
            keys = [
                {"pk": _pk(tenant_id, kind), "sk": f"REC#{i}"} for i in ids[start : start + 100]
            ]
            request: dict[str, Any] = {name: {"Keys": keys, "ProjectionExpression": "id"}}
            while request:
                reply = aws.resource("dynamodb").batch_get_item(RequestItems=request)
                existing.update(item["id"] for item in reply.get("Responses", {}).get(name, []))
                request = reply.get("UnprocessedKeys") or {}
        now = _now()
        created = {i for i in ids if i not in existing}
        with self.table.batch_writer() as batch:
            for record_id in ids:
                if record_id in created:
                    record = HomeRecord(
                        id=record_id,
                        kind=kind,
                        fields=dict(records[record_id]),
                        created_at=now,
                        updated_at=now,
                    )
                    batch.put_item(Item=self._item(tenant_id, record))
                    for item in self._key_items(tenant_id, record):
                        batch.put_item(Item=item)
        return created

    def load(self, tenant_id: str, kind: HomeKind, rows: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-load records (`id` + fields) in 25-item batches: seeding a demo or a test,
        not part of the `HomePlatform` protocol. Existing ids are overwritten."""
        now = _now()
        count = 0
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for row in rows:
                fields = {k: v for k, v in row.items() if k != "id" and v is not None}
                record = HomeRecord(
                    id=str(row["id"]), kind=kind, fields=fields, created_at=now, updated_at=now
                )
                batch.put_item(Item=self._item(tenant_id, record))
                for item in self._key_items(tenant_id, record):
                    batch.put_item(Item=item)
                count += 1
        return count

    def update(
        self,
        tenant_id: str,
        kind: HomeKind,
        record_id: str,
        fields: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> HomeRecord:
        current = self.get(tenant_id, kind, record_id)
        if current is None:
            raise HomeRecordNotFound(f"no {kind} record {record_id}", record_id=record_id)
        if expected_version is not None and current.version != expected_version:
            raise HomeVersionConflict(
                "the record changed since it was read", version=current.version
            )
        updated = current.model_copy(
            update={
                "fields": {**current.fields, **fields},
                "version": current.version + 1,
                "updated_at": _now(),
            }
        )
        self._put_versioned(tenant_id, updated, current.version)
        self._file(tenant_id, updated, before=current)
        return updated

    def archive(self, tenant_id: str, kind: HomeKind, record_id: str) -> HomeRecord:
        current = self.get(tenant_id, kind, record_id)
        if current is None:
            raise HomeRecordNotFound(f"no {kind} record {record_id}", record_id=record_id)
        if current.archived:
            return current
        archived = current.model_copy(
            update={"archived": True, "version": current.version + 1, "updated_at": _now()}
        )
        self._put_versioned(tenant_id, archived, current.version)
        return archived

    def _put_versioned(self, tenant_id: str, record: HomeRecord, previous_version: int) -> None:
        try:
            self.table.put_item(
                Item=self._item(tenant_id, record),
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": previous_version},
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                raise HomeVersionConflict("the record changed since it was read") from None
            raise
