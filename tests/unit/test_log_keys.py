"""Finding: log keys (tenant_id) were never cleared between records, so log lines named the
wrong tenant. Each record (and each invocation) now starts from clean keys."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from syncbridge.lambdas import sqs_consumer
from syncbridge.observability import logger
from tests.helpers.functions import FakeContext


def _batch(*tenants: str | None) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m-{i}", "receiptHandle": "r", "body": json.dumps({"tenant": t}),
             "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
             "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "us-east-1",
             "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ImportQueue"}
            for i, t in enumerate(tenants)
        ]
    }  # fmt: skip


@pytest.fixture
def log_stream() -> Any:
    """What the service logger writes, as JSON lines (its handler's stream, swapped)."""
    handler = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_each_record_logs_under_its_own_tenant_only(log_stream: io.StringIO) -> None:
    def handler(record: Any) -> None:
        tenant = json.loads(record.body)["tenant"]
        if tenant:
            logger.append_keys(tenant_id=tenant)
        logger.info("handled")

    consume = sqs_consumer(handler)
    consume(_batch("tenant-a", None, "tenant-b"), FakeContext())
    consume(_batch(None), FakeContext())  # the next invocation of the warm container
    handled = [line for line in _lines(log_stream) if line["message"] == "handled"]
    assert [line.get("tenant_id") for line in handled] == ["tenant-a", None, "tenant-b", None]


def test_a_record_that_fails_does_not_leave_its_tenant_behind(log_stream: io.StringIO) -> None:
    def handler(record: Any) -> None:
        tenant = json.loads(record.body)["tenant"]
        if tenant:
            logger.append_keys(tenant_id=tenant)
            raise RuntimeError("boom")
        logger.info("handled")

    result = sqs_consumer(handler)(_batch("tenant-a", None), FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    handled = [line for line in _lines(log_stream) if line["message"] == "handled"]
    assert [line.get("tenant_id") for line in handled] == [None]
