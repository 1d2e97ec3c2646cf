"""Event-source-mapping rules: which records failed, what gets deleted or retried."""

from __future__ import annotations

from typing import Any

from syncbridge_local.provision import QueueInfo
from syncbridge_local.queues import QueuePoller, SqsMapping, failed_message_ids, sqs_event

QUEUE = QueueInfo(
    logical_id="WorkQueue",
    name="s-WorkQueue",
    url="http://sqs/s-WorkQueue",
    arn="arn:aws:sqs:us-east-1:123456789012:s-WorkQueue",
    fifo=False,
    visibility_timeout=60,
    dead_letter_logical_id="WorkDLQ",
    max_receive_count=3,
)


class FakeSqs:
    """Records what the poller asks SQS to do."""

    def __init__(self, batches: list[list[dict[str, Any]]]) -> None:
        self.batches = batches
        self.received: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.retried: list[tuple[str, int]] = []

    def receive_message(self, **request: Any) -> dict[str, Any]:
        self.received.append(request)
        return {"Messages": self.batches.pop(0)} if self.batches else {}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [e["ReceiptHandle"] for e in Entries]

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> None:
        self.retried += [(e["ReceiptHandle"], e["VisibilityTimeout"]) for e in Entries]


def message(n: int, body: str = "{}") -> dict[str, Any]:
    return {
        "MessageId": f"m{n}",
        "ReceiptHandle": f"r{n}",
        "Body": body,
        "MD5OfBody": "x",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "v"}},
    }


def poller(sqs: FakeSqs, handler, report: bool = True, batch_size: int = 10) -> QueuePoller:
    mapping = SqsMapping(
        "Fn", "Work", QUEUE, batch_size=batch_size, report_batch_item_failures=report
    )
    return QueuePoller(mapping, sqs, lambda fn, event: handler(event), retry_delay=0)


def test_success_deletes_the_whole_batch() -> None:
    sqs = FakeSqs([[message(1), message(2)]])
    assert poller(sqs, lambda e: {"batchItemFailures": []}).poll_once(0) == 2
    assert sqs.deleted == ["r1", "r2"] and sqs.retried == []


def test_partial_failure_deletes_only_the_successes_and_retries_the_rest() -> None:
    sqs = FakeSqs([[message(1), message(2), message(3)]])
    poller(sqs, lambda e: {"batchItemFailures": [{"itemIdentifier": "m2"}]}).poll_once(0)
    assert sqs.deleted == ["r1", "r3"]
    assert sqs.retried == [("r2", 0)]


def test_exception_retries_every_record() -> None:
    def boom(event):
        raise RuntimeError("down")

    sqs = FakeSqs([[message(1), message(2)]])
    poller(sqs, boom).poll_once(0)
    assert sqs.deleted == [] and [r for r, _ in sqs.retried] == ["r1", "r2"]


def test_without_report_batch_item_failures_the_report_is_ignored() -> None:
    sqs = FakeSqs([[message(1)]])
    poller(
        sqs, lambda e: {"batchItemFailures": [{"itemIdentifier": "m1"}]}, report=False
    ).poll_once(0)
    assert sqs.deleted == ["r1"]


def test_receive_asks_for_the_batch_size_and_the_queues_visibility_timeout() -> None:
    sqs = FakeSqs([])
    poller(sqs, lambda e: None, batch_size=5).poll_once(0)
    assert sqs.received[0]["MaxNumberOfMessages"] == 5
    assert sqs.received[0]["VisibilityTimeout"] == 60


def test_batches_above_ten_are_gathered_from_several_receives() -> None:
    sqs = FakeSqs([[message(n) for n in range(10)], [message(n) for n in range(10, 15)]])
    seen = []
    poller(sqs, lambda e: seen.append(len(e["Records"])), batch_size=20).poll_once(0)
    assert seen == [15]


def test_failed_ids_follow_lambdas_rules() -> None:
    ids = ["a", "b"]
    assert failed_message_ids(None, ids, True) == set()
    assert failed_message_ids({"batchItemFailures": []}, ids, True) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, True) == {"b"}
    # a report naming an unknown or empty id fails the whole batch
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "zz"}]}, ids, True) == {
        "a",
        "b",
    }
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids, True) == {
        "a",
        "b",
    }
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ids, False) == set()


def test_sqs_event_record_shape() -> None:
    record = sqs_event([message(1, '{"x": 1}')], QUEUE)["Records"][0]
    assert record == {
        "messageId": "m1",
        "receiptHandle": "r1",
        "body": '{"x": 1}',
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "messageAttributes": {
            "kind": {
                "stringValue": "v",
                "binaryValue": None,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }
        },
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE.arn,
        "awsRegion": "us-east-1",
    }
