"""Fixtures for the sync unit tests: moto's SQS (in process) for the events endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from tests.helpers.moto import (  # noqa: F401 (fresh_clients: autouse)
    fresh_clients,
    offline_aws,
    template_resources,
)


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    offline_aws(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture
def events_queue(moto: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The template's EventsQueue (FIFO) in moto; EVENTS_QUEUE_URL names it."""
    return template_resources(monkeypatch, "EventsQueue").ref("EventsQueue")


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


@pytest.fixture
def lambda_context() -> Any:
    from tests.helpers.functions import FakeContext

    return FakeContext()
