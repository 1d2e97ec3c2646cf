"""Queue event-source mappings on live pollers: consumed, retried, dead-lettered, in order."""

from __future__ import annotations

import pytest

from tests.integration.local.conftest import deliveries

pytestmark = pytest.mark.integration


def test_a_message_is_consumed_once_and_deleted(runtime) -> None:
    # Given the consumer polls WorkQueue
    # When a message it accepts is sent
    message_id = runtime.send_message("WorkQueue", {"outcome": "ok"})
    runtime.wait_idle(timeout=20)
    # Then the handler got it once and it is gone from the queue and its DLQ
    assert deliveries(runtime, message_id) == [1]
    assert runtime.queue_counts("WorkQueue") == {"visible": 0, "in_flight": 0, "delayed": 0}
    assert runtime.queue_counts("WorkDLQ")["visible"] == 0


def test_a_failing_message_is_retried_then_moved_to_its_dlq_after_max_receive_count(
    runtime,
) -> None:
    # Given WorkQueue redrives to WorkDLQ after maxReceiveCount=3
    before = runtime.queue_counts("WorkDLQ")["visible"]
    # When the handler reports the message failed every time
    message_id = runtime.send_message("WorkQueue", {"outcome": "fail"})
    runtime.wait_idle(timeout=30)
    # Then it was delivered exactly 3 times, with growing receive counts, then dead-lettered
    assert deliveries(runtime, message_id) == [1, 2, 3]
    assert runtime.queue_counts("WorkDLQ")["visible"] == before + 1
    dead = runtime.client("sqs").receive_message(
        QueueUrl=runtime.queue_url("WorkDLQ"), MaxNumberOfMessages=10, VisibilityTimeout=0
    )["Messages"]
    assert message_id in {m["MessageId"] for m in dead}


def test_fifo_messages_of_a_group_are_processed_in_order(runtime) -> None:
    # Given a FIFO queue
    sent = [
        runtime.send_message("OrderedQueue", {"outcome": "ok", "n": n}, group_id="record-7")
        for n in range(6)
    ]
    runtime.wait_idle(timeout=20)
    # Then the handler saw them in the order they were sent, once each
    seen = [
        r["messageId"]
        for call in runtime.invocations()
        for r in call.event.get("Records", [])
        if r["messageId"] in sent
    ]
    assert seen == sent
    record = next(
        r
        for call in runtime.invocations()
        for r in call.event.get("Records", [])
        if r["messageId"] == sent[0]
    )
    assert record["attributes"]["MessageGroupId"] == "record-7"
    assert record["attributes"]["SequenceNumber"]
    assert record["eventSourceARN"].endswith(".fifo")


def test_a_failing_fifo_message_lands_in_its_fifo_dlq(runtime) -> None:
    message_id = runtime.send_message("OrderedQueue", {"outcome": "fail"}, group_id="g-fail")
    runtime.wait_idle(timeout=20)
    assert deliveries(runtime, message_id) == [1, 2]
    assert runtime.queue_counts("OrderedDLQ")["visible"] >= 1


def test_without_report_batch_item_failures_a_reported_failure_is_ignored(runtime) -> None:
    # PlainQueue's mapping has no FunctionResponseTypes: the returned report means nothing
    message_id = runtime.send_message("PlainQueue", {"outcome": "fail"})
    runtime.wait_idle(timeout=20)
    assert deliveries(runtime, message_id) == [1]
    assert runtime.queue_counts("PlainDLQ")["visible"] == 0


def test_without_report_batch_item_failures_an_exception_retries_then_dead_letters(runtime) -> None:
    message_id = runtime.send_message("PlainQueue", {"outcome": "raise"})
    runtime.wait_idle(timeout=20)
    assert deliveries(runtime, message_id) == [1, 2]
    assert runtime.queue_counts("PlainDLQ")["visible"] == 1


def test_the_sqs_event_has_lambdas_record_shape(runtime) -> None:
    message_id = runtime.send_message("WorkQueue", {"outcome": "ok"}, attributes={"kind": "probe"})
    runtime.wait_idle(timeout=20)
    record = next(
        r
        for call in runtime.invocations()
        for r in call.event.get("Records", [])
        if r["messageId"] == message_id
    )
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == runtime.queue("WorkQueue").arn
    assert record["awsRegion"] == "us-east-1"
    assert record["receiptHandle"] and record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SentTimestamp"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "probe"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
