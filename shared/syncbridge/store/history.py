"""HISTORY_TABLE: per-tenant sensor health, pest events, visits and cached insight results.

Keys (every partition starts with the tenant):
- `TENANT#<t>#HEALTH` / `<iso time>#<deveui>`    one health uplink (time-ordered: range reads)
- `TENANT#<t>#EVENTS` / `<iso time>#<event id>`  one pest event
- `TENANT#<t>#VISITS` / `<iso time>#<visit id>`  one technician visit (re-read visits replace)
- `TENANT#<t>#INSIGHTS` / `CURSOR#<source>`      how far each source has been read
- `TENANT#<t>#INSIGHTS` / `RESULT#<kind>#<key>`  a computed result and when it was computed
History items carry `expires_at` (DynamoDB TTL) from the tenant's retention policy;
`delete_expired` removes them at once, since TTL deletion may lag by a day or two and an
auditor asks for data past retention to be gone.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel

from syncbridge import aws
from syncbridge.domain.insights.models import HealthReading, SensorEvent, Visit

HISTORY = ("HEALTH", "EVENTS", "VISITS")


def _pk(tenant: str, kind: str) -> str:
    return f"TENANT#{tenant}#{kind}"


def _iso(at: datetime) -> str:
    return at.isoformat()


class DynamoHistoryStore:
    """`HistoryStore` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("HISTORY_TABLE")
        return self._table

    def _put_many(
        self, tenant: str, kind: str, items: list[tuple[str, BaseModel]], expires_at: int
    ) -> int:
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for sk, model in items:
                batch.put_item(
                    Item={
                        "pk": _pk(tenant, kind),
                        "sk": sk,
                        "data": model.model_dump_json(),
                        "expires_at": expires_at,
                    }
                )
        return len(items)

    def _range(self, tenant: str, kind: str, since: datetime, until: datetime) -> list[str]:
        condition = Key("pk").eq(_pk(tenant, kind)) & Key("sk").between(
            _iso(since), _iso(until) + "#\uffff"
        )
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        out: list[str] = []
        while True:
            page = self.table.query(**kwargs)
            out.extend(item["data"] for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_readings(self, tenant: str, readings: list[HealthReading], expires_at: int) -> int:
        return self._put_many(
            tenant, "HEALTH", [(f"{_iso(r.at)}#{r.deveui}", r) for r in readings], expires_at
        )

    def readings(self, tenant: str, since: datetime, until: datetime) -> list[HealthReading]:
        return [
            HealthReading.model_validate_json(d)
            for d in self._range(tenant, "HEALTH", since, until)
        ]

    def put_events(self, tenant: str, events: list[SensorEvent], expires_at: int) -> int:
        return self._put_many(
            tenant, "EVENTS", [(f"{_iso(e.at)}#{e.id}", e) for e in events], expires_at
        )

    def events(self, tenant: str, since: datetime, until: datetime) -> list[SensorEvent]:
        return [
            SensorEvent.model_validate_json(d) for d in self._range(tenant, "EVENTS", since, until)
        ]

    def put_visits(self, tenant: str, visits: list[Visit], expires_at: int) -> int:
        return self._put_many(
            tenant, "VISITS", [(f"{_iso(v.at)}#{v.id}", v) for v in visits], expires_at
        )

    def visits(self, tenant: str, since: datetime, until: datetime) -> list[Visit]:
        latest: dict[str, Visit] = {}
        for data in self._range(tenant, "VISITS", since, until):
            visit = Visit.model_validate_json(data)
            latest[visit.id] = visit  # a rescheduled visit: the later date wins
        return sorted(latest.values(), key=lambda v: v.at)

    def get_cursor(self, tenant: str, source: str) -> datetime | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant, "INSIGHTS"), "sk": f"CURSOR#{source}"}
        ).get("Item")
        return datetime.fromisoformat(item["at"]) if item else None

    def put_cursor(self, tenant: str, source: str, at: datetime) -> None:
        self.table.put_item(
            Item={"pk": _pk(tenant, "INSIGHTS"), "sk": f"CURSOR#{source}", "at": _iso(at)}
        )

    def put_result(
        self, tenant: str, kind: str, key: str, body: dict[str, Any], at: datetime
    ) -> None:
        self.table.put_item(
            Item={
                "pk": _pk(tenant, "INSIGHTS"),
                "sk": f"RESULT#{kind}#{key}",
                "data": json.dumps(body, separators=(",", ":")),
                "at": _iso(at),
            }
        )

    def get_result(
        self, tenant: str, kind: str, key: str
    ) -> tuple[dict[str, Any], datetime] | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant, "INSIGHTS"), "sk": f"RESULT#{kind}#{key}"}
        ).get("Item")
        if not item:
            return None
        return json.loads(item["data"]), datetime.fromisoformat(item["at"])

    def delete_expired(self, tenant: str, now: datetime) -> int:
        cutoff = int(now.timestamp())
        deleted = 0
        for kind in HISTORY:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(_pk(tenant, kind)),
                "FilterExpression": Attr("expires_at").lte(cutoff),
                "ProjectionExpression": "pk, sk",
            }
            while True:
                page = self.table.query(**kwargs)
                with self.table.batch_writer() as batch:
                    for item in page.get("Items", []):
                        batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                        deleted += 1
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return deleted

    def count(self, tenant: str) -> int:
        total = 0
        for kind in HISTORY:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(_pk(tenant, kind)),
                "Select": "COUNT",
            }
            while True:
                page = self.table.query(**kwargs)
                total += page.get("Count", 0)
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return total
