"""Staged ERP records of one import run (`STAGING_TABLE`).

pk `TENANT#<t>#CONN#<c>#TYPE#<type>#RUN#<run>`, sk `REC#<external id>`: re-importing a
page overwrites the same items, so a redelivered import never stages a record twice.
Records are kept as JSON (floats stay floats) and expire after `STAGING_TTL_DAYS`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from syncbridge import aws


class DynamoStagingRepository:
    """`StagingRepository` on DynamoDB; `batch_writer` sends 25-item chunks and retries."""

    def __init__(self, table: Any | None = None, ttl_days: int | None = None) -> None:
        self._table = table
        self.ttl_days = ttl_days or int(os.environ.get("STAGING_TTL_DAYS", "14"))

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("STAGING_TABLE")

    def put_records(self, key: str, records: Iterable[Mapping[str, Any]]) -> int:
        expires_at = int(time.time()) + self.ttl_days * 86400
        written = 0
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for record in records:
                batch.put_item(
                    Item={
                        "pk": key,
                        "sk": f"REC#{record['id']}",
                        "record_json": json.dumps(dict(record), separators=(",", ":"), default=str),
                        "expires_at": expires_at,
                    }
                )
                written += 1
        return written

    def iter_records(self, key: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": key},
            "ProjectionExpression": "record_json",
        }
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                yield json.loads(item["record_json"])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def count(self, key: str) -> int:
        """How many records are staged under `key` (tests and the demo check this)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": key},
            "Select": "COUNT",
        }
        total = 0
        while True:
            page = self.table.query(**kwargs)
            total += page.get("Count", 0)
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
