"""Batch semantics, driven one batch at a time (no background pollers) to be exact."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from syncbridge_local.runtime import LocalRuntime
from tests.integration.local.conftest import TEST_TEMPLATE, deliveries

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def manual() -> Iterator[LocalRuntime]:
    with LocalRuntime.start(
        TEST_TEMPLATE, pollers=False, schedules=False, retry_delay=0, simulators=False
    ) as rt:
        yield rt


def send_batch(rt: LocalRuntime, queue_id: str, bodies: list[dict]) -> list[str]:
    response = rt.client("sqs").send_message_batch(
        QueueUrl=rt.queue_url(queue_id),
        Entries=[{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)],
    )
    by_entry = {e["Id"]: e["MessageId"] for e in response["Successful"]}
    return [by_entry[str(i)] for i in range(len(bodies))]


def test_partial_batch_failure_retries_only_the_failed_record(manual: LocalRuntime) -> None:
    # Given three messages in one batch, the middle one failing
    ok1, bad, ok2 = send_batch(
        manual, "WorkQueue", [{"outcome": "ok"}, {"outcome": "fail"}, {"outcome": "ok"}]
    )
    # When the mapping processes a batch
    assert manual.poll_once("WorkQueue") == 3
    # Then only the failed record is still on the queue, and it comes back alone
    assert manual.queue_counts("WorkQueue")["visible"] == 1
    assert manual.poll_once("WorkQueue") == 1
    assert manual.journal[-1].message_ids() == [bad]
    assert manual.poll_once("WorkQueue") == 1
    # And after maxReceiveCount=3 deliveries it moves to the DLQ on the next receive
    assert manual.poll_once("WorkQueue") == 0
    assert deliveries(manual, ok1) == [1] and deliveries(manual, ok2) == [1]
    assert deliveries(manual, bad) == [1, 2, 3]
    assert manual.queue_counts("WorkDLQ")["visible"] == 1


def test_a_handler_exception_fails_the_whole_batch(manual: LocalRuntime) -> None:
    _good, _boom = send_batch(manual, "WorkQueue", [{"outcome": "ok"}, {"outcome": "raise"}])
    assert manual.poll_once("WorkQueue") == 2
    assert manual.journal[-1].error is not None
    assert manual.queue_counts("WorkQueue")["visible"] == 2
    manual.client("sqs").purge_queue(QueueUrl=manual.queue_url("WorkQueue"))
