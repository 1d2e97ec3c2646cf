"""moto (in process) with the tables and queues the sync stores use, named as in tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from tests.helpers.moto import fresh_clients, offline_aws  # noqa: F401 (fresh_clients: autouse)


def _table(name: str, gsi: bool) -> Any:
    attributes = ["pk", "sk"] + (["gsi1pk", "gsi1sk"] if gsi else [])
    spec: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    }
    if gsi:
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    return aws.resource("dynamodb").create_table(**spec)


@dataclass
class SyncAws:
    mappings: Any
    home: Any
    audit: Any
    connections: Any
    setup: Any
    events_queue: str


@pytest.fixture
def sync_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SyncAws]:
    offline_aws(monkeypatch)
    with mock_aws():
        env = SyncAws(
            mappings=_table("mappings", gsi=True),
            home=_table("home", gsi=False),
            audit=_table("audit", gsi=False),
            connections=_table("connections", gsi=False),
            setup=_table("setup", gsi=False),
            events_queue=aws.client("sqs").create_queue(
                QueueName="events.fifo", Attributes={"FifoQueue": "true"}
            )["QueueUrl"],
        )
        for var, name in {
            "MAPPINGS_TABLE": "mappings",
            "HOME_TABLE": "home",
            "AUDIT_TABLE": "audit",
            "CONNECTIONS_TABLE": "connections",
            "SETUP_TABLE": "setup",
        }.items():
            monkeypatch.setenv(var, name)
        monkeypatch.setenv("EVENTS_QUEUE_URL", env.events_queue)
        yield env
