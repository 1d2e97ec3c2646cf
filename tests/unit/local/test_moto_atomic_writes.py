"""The local twin's DynamoDB applies a conditional write atomically, as DynamoDB does.

moto checks a write's condition and then writes without a lock: with four threads racing
for one `attribute_not_exists` put, unpatched moto let two of them win on 9 of 150 keys
(thread switch interval 1 µs). Leases, event claims and token rotation depend on one
winner; `syncbridge_local.moto_server.atomic_dynamodb` (the local runtime's moto, and every
test's in-process `mock_aws` through `tests/conftest.py`) makes each item write atomic."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.helpers.moto import offline_aws


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    offline_aws(monkeypatch)
    with mock_aws():
        yield boto3.resource("dynamodb").create_table(
            TableName="race",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _race(table, key: str, write) -> list[int]:
    winners: list[int] = []
    barrier = threading.Barrier(4)

    def contender(n: int) -> None:
        barrier.wait()
        try:
            write(table, key, n)
            winners.append(n)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return winners


def test_one_conditional_put_wins_each_race(table, eager_thread_switches) -> None:
    def put(table, key, n):
        table.put_item(Item={"pk": key, "by": n}, ConditionExpression="attribute_not_exists(pk)")

    won = [_race(table, f"k{k}", put) for k in range(100)]
    assert all(len(w) == 1 for w in won), [k for k, w in enumerate(won) if len(w) != 1]


def test_one_versioned_update_wins_each_race(table, eager_thread_switches) -> None:
    """The token refresh's lease: `version = :v` lets one of the workers through."""

    def bump(table, key, n):
        table.update_item(
            Key={"pk": key},
            UpdateExpression="SET version = :next, holder = :n",
            ConditionExpression="version = :v",
            ExpressionAttributeValues={":v": 1, ":next": 2, ":n": n},
        )

    for k in range(100):
        table.put_item(Item={"pk": f"v{k}", "version": 1})
    won = [_race(table, f"v{k}", bump) for k in range(100)]
    assert all(len(w) == 1 for w in won), [k for k, w in enumerate(won) if len(w) != 1]
