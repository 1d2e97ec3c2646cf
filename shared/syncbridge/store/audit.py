"""The append-only audit trail on AUDIT_TABLE (`domain.sync.audit`).

- entry: pk `TENANT#<t>#AUDIT`, sk `<UTC time, µs>#<random>` (a new item per write, so
  a replay appends instead of overwriting); gsi1 `TENANT#<t>#RES#<type>#<external id>`
  (one record's history), gsi2 `TENANT#<t>#ACTOR#<actor>`, both sorted by the same time
  key; `expires_at` from the tenant's retention policy (DynamoDB TTL; reads skip expired
  items because TTL deletes lazily).
- policy: pk `TENANT#<t>#AUDIT#POLICY`, sk `POLICY`, `retention_days`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from syncbridge import aws
from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup import cursor as cursors
from syncbridge.domain.setup.models import Page
from syncbridge.domain.sync.audit import AuditQuery, RetentionPolicy, stamp
from syncbridge.store.setup import _plain

POLICY_CACHE_SECONDS = 60


def _pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#AUDIT"


class DynamoAuditTrail:
    """`AuditTrail` (append) and `AuditReader` (query, retention) on AUDIT_TABLE."""

    _policies: dict[str, tuple[float, int]] = {}

    def __init__(self, table: Any | None = None, retention_days: int | None = None) -> None:
        self._table = table
        self.default_days = retention_days or int(os.environ.get("AUDIT_RETENTION_DAYS", "400"))

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("AUDIT_TABLE")

    # ------------------------------------------------------------ writing
    def record(self, tenant_id: str, entries: Iterable[Mapping[str, Any]]) -> None:
        expires_at = int(time.time()) + self._days(tenant_id) * 86400
        with self.table.batch_writer() as batch:
            for entry in entries:
                batch.put_item(Item=self._item(tenant_id, dict(entry), expires_at))

    @staticmethod
    def _item(tenant_id: str, entry: dict[str, Any], expires_at: int) -> dict[str, Any]:
        written = datetime.now(UTC)
        sk = f"{stamp(written)}#{uuid.uuid4().hex[:12]}"
        actor = str(entry.get("actor") or "system")
        rtype = str(entry.get("resource_type") or "")
        external = str(entry.get("external_id") or entry.get("scan_id") or "")
        entry.setdefault("at", written.isoformat())
        item = {
            "pk": _pk(tenant_id),
            "sk": sk,
            "tenant_id": tenant_id,
            "entry_id": str(entry.get("entry_id") or sk),
            "actor": actor,
            "action": str(entry.get("action") or ""),
            "resource_type": rtype,
            "entry_json": json.dumps(entry, default=str),
            "expires_at": expires_at,
            "gsi2pk": f"TENANT#{tenant_id}#ACTOR#{actor}",
            "gsi2sk": sk,
        }
        if rtype and external:
            item["gsi1pk"] = f"TENANT#{tenant_id}#RES#{rtype}#{external}"
            item["gsi1sk"] = sk
        return item

    # ------------------------------------------------------------ reading
    def query(
        self, tenant_id: str, query: AuditQuery, cursor: str | None = None, limit: int = 50
    ) -> Page:
        if query.external_id and not query.resource_type:
            raise InvalidInput("external_id needs resource_type", field="external_id")
        low = stamp(query.since) if query.since else "0"
        high = (stamp(query.until) if query.until else "9") + "\uffff"
        kwargs: dict[str, Any] = {"ScanIndexForward": False}
        if query.external_id:
            pk = f"TENANT#{tenant_id}#RES#{query.resource_type}#{query.external_id}"
            kwargs |= {
                "IndexName": "gsi1",
                "KeyConditionExpression": Key("gsi1pk").eq(pk) & Key("gsi1sk").between(low, high),
            }
        elif query.actor:
            pk = f"TENANT#{tenant_id}#ACTOR#{query.actor}"
            kwargs |= {
                "IndexName": "gsi2",
                "KeyConditionExpression": Key("gsi2pk").eq(pk) & Key("gsi2sk").between(low, high),
            }
        else:
            kwargs["KeyConditionExpression"] = Key("pk").eq(_pk(tenant_id)) & Key("sk").between(
                low, high
            )
        condition = Attr("expires_at").gt(int(time.time()))
        if query.resource_type and not query.external_id:
            condition &= Attr("resource_type").eq(query.resource_type)
        if query.actor and query.external_id:
            condition &= Attr("actor").eq(query.actor)
        if query.action:
            condition &= Attr("action").eq(query.action)
        kwargs["FilterExpression"] = condition
        start = cursors.decode(cursor)
        items: list[dict[str, Any]] = []
        while True:
            if start:
                kwargs["ExclusiveStartKey"] = start
            kwargs["Limit"] = max(limit, 50)
            page = self.table.query(**kwargs)
            found = page.get("Items", [])
            for index, item in enumerate(found):
                items.append(self._entry(item))
                if len(items) == limit:
                    last = index == len(found) - 1 and "LastEvaluatedKey" not in page
                    position = None if last else {k: item[k] for k in self._keys(kwargs, item)}
                    return Page(items=items, next_cursor=cursors.encode(position))
            start = page.get("LastEvaluatedKey")
            if not start:
                return Page(items=items, next_cursor=None)

    @staticmethod
    def _keys(kwargs: dict[str, Any], item: dict[str, Any]) -> list[str]:
        index = kwargs.get("IndexName")
        keys = ["pk", "sk"]
        if index:
            keys += [f"{index}pk", f"{index}sk"]
        return [k for k in keys if k in item]

    @staticmethod
    def _entry(item: dict[str, Any]) -> dict[str, Any]:
        entry = _plain(json.loads(item["entry_json"]))
        entry.setdefault("before", None)
        entry.setdefault("after", None)
        entry.setdefault("source", "")
        return {"audit_id": item["sk"], **entry}

    # ------------------------------------------------------------ retention
    def retention(self, tenant_id: str) -> RetentionPolicy:
        return RetentionPolicy(retention_days=self._days(tenant_id, fresh=True))

    def set_retention(self, tenant_id: str, policy: RetentionPolicy) -> RetentionPolicy:
        self.table.put_item(
            Item={
                "pk": f"{_pk(tenant_id)}#POLICY",
                "sk": "POLICY",
                "tenant_id": tenant_id,
                "retention_days": policy.retention_days,
            }
        )
        self._policies[tenant_id] = (time.monotonic(), policy.retention_days)
        return policy

    def _days(self, tenant_id: str, fresh: bool = False) -> int:
        cached = self._policies.get(tenant_id)
        if cached and not fresh and time.monotonic() - cached[0] < POLICY_CACHE_SECONDS:
            return cached[1]
        item = self.table.get_item(Key={"pk": f"{_pk(tenant_id)}#POLICY", "sk": "POLICY"}).get(
            "Item"
        )
        days = int(item["retention_days"]) if item else self.default_days
        self._policies[tenant_id] = (time.monotonic(), days)
        return days
