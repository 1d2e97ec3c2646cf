"""Fixtures for the sync unit tests: moto's SQS (in process) for the events endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws


@pytest.fixture(scope="module", autouse=True)
def fresh_clients() -> Iterator[None]:
    """boto3 clients built for this module's moto (not a runtime's endpoint); once per
    module, since building them is the slow part of a moto test."""
    aws.reset_clients()
    yield
    aws.reset_clients()


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def events_queue(moto: None, monkeypatch: pytest.MonkeyPatch) -> str:
    url = aws.client("sqs").create_queue(
        QueueName="events.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
    )["QueueUrl"]
    monkeypatch.setenv("EVENTS_QUEUE_URL", url)
    return url


def drain(url: str) -> list[dict[str, Any]]:
    """Every message on the queue (with its FIFO attributes), deleting as it goes."""
    sqs = aws.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return out
        for message in batch:
            out.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
