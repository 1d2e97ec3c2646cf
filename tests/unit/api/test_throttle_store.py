"""The DynamoDB sliding-window counter behind every 429 (moto)."""

from __future__ import annotations

from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.store.throttle import DynamoThrottle
from tests.helpers.moto import offline_aws


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Any:
    offline_aws(monkeypatch)
    aws.reset_clients()
    with mock_aws():
        yield aws.resource("dynamodb").create_table(
            TableName="throttle",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
    aws.reset_clients()


def test_the_limit_holds_and_retry_after_points_at_the_window_end(table: Any) -> None:
    clock = Clock(6000.0 + 10)  # 10 s into a window
    counter = DynamoThrottle(table, clock)
    waits = [counter.hit("k", 3, 60) for _ in range(5)]
    assert waits[:3] == [0, 0, 0] and waits[3] == 50 and waits[4] == 50
    assert counter.hit("other", 3, 60) == 0  # keys are independent


def test_a_burst_straddling_a_window_boundary_is_not_allowed_twice(table: Any) -> None:
    clock = Clock(6000.0 + 59)  # the last second of a window
    counter = DynamoThrottle(table, clock)
    assert [counter.hit("k", 10, 60) for _ in range(10)] == [0] * 10
    clock.now = 6060.0 + 1  # one second into the next window: the previous still counts
    waits = [counter.hit("k", 10, 60) for _ in range(3)]
    assert waits[0] > 0 and all(w > 0 for w in waits)
    clock.now = 6060.0 + 59  # the previous window has slid (almost) out
    assert counter.hit("k", 10, 60) == 0
