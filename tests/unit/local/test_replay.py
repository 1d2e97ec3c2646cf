"""Replaying a dead-letter queue: the AWS move task and the local receive/send/delete."""

from __future__ import annotations

from typing import Any

import pytest

from syncbridge.ops.replay import MessageMoveTask, QueueRef, ReceiveSendDelete

DLQ = QueueRef("http://sqs/dlq", "arn:aws:sqs:us-east-1:1:dlq")
QUEUE = QueueRef("http://sqs/q", "arn:aws:sqs:us-east-1:1:q")
FIFO_DLQ = QueueRef("http://sqs/dlq.fifo", "arn:aws:sqs:us-east-1:1:dlq.fifo")
FIFO = QueueRef("http://sqs/q.fifo", "arn:aws:sqs:us-east-1:1:q.fifo")


class FakeSqs:
    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.sent: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.tasks: list[dict[str, Any]] = []

    def receive_message(self, **_: Any) -> dict[str, Any]:
        batch, self.messages = self.messages[:10], self.messages[10:]
        return {"Messages": batch}

    def send_message(self, **request: Any) -> None:
        self.sent.append(request)

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> None:
        self.deleted.append(ReceiptHandle)

    def start_message_move_task(self, **request: Any) -> dict[str, str]:
        self.tasks.append(request)
        return {"TaskHandle": "task-1"}


def test_local_replay_sends_each_message_then_deletes_it() -> None:
    messages = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": f"b{i}"} for i in range(12)
    ]
    sqs = FakeSqs(messages)
    assert ReceiveSendDelete(sqs).move(DLQ, QUEUE).moved == 12
    assert [s["MessageBody"] for s in sqs.sent] == [f"b{i}" for i in range(12)]
    assert all(s["QueueUrl"] == QUEUE.url for s in sqs.sent)
    assert sqs.deleted == [f"r{i}" for i in range(12)]


def test_fifo_replay_keeps_the_group_and_uses_a_fresh_deduplication_id() -> None:
    sqs = FakeSqs(
        [
            {
                "MessageId": "m",
                "ReceiptHandle": "r",
                "Body": "b",
                "Attributes": {"MessageGroupId": "rec-1", "MessageDeduplicationId": "d"},
            }
        ]
    )
    ReceiveSendDelete(sqs).move(FIFO_DLQ, FIFO)
    assert sqs.sent[0]["MessageGroupId"] == "rec-1"
    assert sqs.sent[0]["MessageDeduplicationId"] not in ("d", "")


def test_local_replay_needs_a_destination() -> None:
    with pytest.raises(ValueError):
        ReceiveSendDelete(FakeSqs([])).move(DLQ, None)


def test_aws_replay_starts_a_message_move_task() -> None:
    sqs = FakeSqs([])
    result = MessageMoveTask(sqs, max_per_second=5).move(DLQ, None)
    assert result.task == "task-1" and result.moved is None
    assert sqs.tasks == [{"SourceArn": DLQ.arn, "MaxNumberOfMessagesPerSecond": 5}]
