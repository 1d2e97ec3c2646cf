"""The audit trail: append-only, before/after, filtered and paginated reads, exports,
per-tenant retention (moto DynamoDB with the template's indexes)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.sync.audit import AuditQuery, RetentionPolicy, export
from syncbridge.store.audit import DynamoAuditTrail
from tests.helpers.moto import offline_aws

pytestmark = pytest.mark.integration


@pytest.fixture
def trail(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoAuditTrail]:
    offline_aws(monkeypatch)
    with mock_aws():
        keys = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
        aws.resource("dynamodb").create_table(
            TableName="audit",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": g,
                    "KeySchema": [
                        {"AttributeName": f"{g}pk", "KeyType": "HASH"},
                        {"AttributeName": f"{g}sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for g in ("gsi1", "gsi2")
            ],
        )
        monkeypatch.setenv("AUDIT_TABLE", "audit")
        DynamoAuditTrail._policies.clear()
        yield DynamoAuditTrail()


def change(n: int, actor: str = "ekos-events", rid: str = "p-1") -> dict[str, Any]:
    return {
        "entry_id": f"EVENT#ekos#{n}",
        "actor": actor,
        "source": "event",
        "action": "updated",
        "resource_type": "products",
        "external_id": rid,
        "internal_id": f"home-{rid}",
        "before": {"name": f"v{n - 1}"},
        "after": {"name": f"v{n}"},
    }


def test_entries_append_and_read_back_newest_first_per_resource_and_actor(trail: Any) -> None:
    for n in range(1, 6):
        trail.record("t1", [change(n)])
    trail.record("t1", [change(5)])  # a replay of the same change: appended, not overwritten
    trail.record("t1", [change(1, actor="person:alice", rid="p-2")])
    trail.record("t2", [change(9)])
    everything = trail.query("t1", AuditQuery(), limit=100).items
    assert len(everything) == 7
    assert [e["entry_id"] for e in everything[:2]] == ["EVENT#ekos#1", "EVENT#ekos#5"]
    assert everything[1]["before"] == {"name": "v4"} and everything[1]["after"] == {"name": "v5"}
    one = trail.query("t1", AuditQuery(resource_type="products", external_id="p-2")).items
    assert [e["actor"] for e in one] == ["person:alice"]
    by_actor = trail.query("t1", AuditQuery(actor="ekos-events"), limit=100).items
    assert len(by_actor) == 6 and all(e["actor"] == "ekos-events" for e in by_actor)
    assert [e["entry_id"] for e in trail.query("t2", AuditQuery()).items] == ["EVENT#ekos#9"]
    future = AuditQuery(since=datetime.now(UTC) + timedelta(hours=1))
    assert trail.query("t1", future).items == []
    with pytest.raises(InvalidInput):
        trail.query("t1", AuditQuery(external_id="p-1"))


def test_pages_cover_everything_once(trail: Any) -> None:
    for n in range(1, 8):
        trail.record("t1", [change(n)])
    seen, cursor = [], None
    while True:
        page = trail.query("t1", AuditQuery(actor="ekos-events"), cursor, limit=3)
        seen += [e["audit_id"] for e in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 7


def test_exports_and_retention(trail: Any) -> None:
    trail.record("t1", [change(1), change(2)])
    rows = list(csv.DictReader(io.StringIO(export(trail, "t1", AuditQuery(), "csv"))))
    assert len(rows) == 2 and json.loads(rows[0]["after"]) == {"name": "v2"}
    lines = export(trail, "t1", AuditQuery(), "jsonl").splitlines()
    assert [json.loads(line)["entry_id"] for line in lines] == ["EVENT#ekos#2", "EVENT#ekos#1"]
    assert trail.retention("t1").retention_days == 400
    trail.set_retention("t1", RetentionPolicy(retention_days=30))
    trail.record("t1", [change(3)])
    items = aws.table("AUDIT_TABLE").scan()["Items"]
    newest = max((i for i in items if i.get("entry_id") == "EVENT#ekos#3"), key=lambda i: i["sk"])
    assert abs(int(newest["expires_at"]) - (datetime.now(UTC).timestamp() + 30 * 86400)) < 120
    # an expired entry is not read back even before DynamoDB's TTL removes it
    aws.table("AUDIT_TABLE").update_item(
        Key={"pk": newest["pk"], "sk": newest["sk"]},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": 1},
    )
    assert "EVENT#ekos#3" not in [e["entry_id"] for e in trail.query("t1", AuditQuery()).items]
