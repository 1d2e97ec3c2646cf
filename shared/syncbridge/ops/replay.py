"""Replay a dead-letter queue into its source queue.

On AWS, SQS moves the messages itself (`StartMessageMoveTask`). moto does not implement
that call, so the local runtime uses the same port with a receive -> send -> delete loop.

    python -m syncbridge.ops.replay --dlq-arn arn:aws:sqs:...:ImportDLQ [--destination-arn ...]
    python -m syncbridge_local replay --queue ImportQueue     # against the running local runtime
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class QueueRef:
    url: str
    arn: str

    @property
    def fifo(self) -> bool:
        return self.arn.endswith(".fifo")


@dataclass(frozen=True)
class ReplayResult:
    moved: int | None  # None: SQS moves asynchronously (see `task`)
    task: str | None = None


class MessageMover(Protocol):
    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult: ...


class MessageMoveTask:
    """AWS: let SQS move the messages (to the original source queue when no destination)."""

    def __init__(self, sqs: Any, max_per_second: int | None = None) -> None:
        self.sqs = sqs
        self.max_per_second = max_per_second

    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult:
        request: dict[str, Any] = {"SourceArn": source.arn}
        if destination is not None:
            request["DestinationArn"] = destination.arn
        if self.max_per_second:
            request["MaxNumberOfMessagesPerSecond"] = self.max_per_second
        return ReplayResult(
            moved=None, task=self.sqs.start_message_move_task(**request)["TaskHandle"]
        )


class ReceiveSendDelete:
    """Local: receive each message, send it to the destination, then delete it."""

    def __init__(self, sqs: Any, limit: int | None = None) -> None:
        self.sqs = sqs
        self.limit = limit

    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult:
        if destination is None:
            raise ValueError("a local replay needs the destination queue")
        moved = 0
        while self.limit is None or moved < self.limit:
            messages = self.sqs.receive_message(
                QueueUrl=source.url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                VisibilityTimeout=30,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                self.sqs.send_message(**self._send_request(message, destination))
                self.sqs.delete_message(QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return ReplayResult(moved=moved)

    @staticmethod
    def _send_request(message: dict[str, Any], destination: QueueRef) -> dict[str, Any]:
        request: dict[str, Any] = {"QueueUrl": destination.url, "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            request["MessageAttributes"] = message["MessageAttributes"]
        if destination.fifo:
            attributes = message.get("Attributes", {})
            request["MessageGroupId"] = attributes.get("MessageGroupId", "replay")
            # A fresh id: the original may still be inside the 5-minute deduplication window.
            request["MessageDeduplicationId"] = f"replay-{message['MessageId']}-{time.time_ns()}"[
                :128
            ]
        return request


def queue_ref_from_arn(sqs: Any, arn: str) -> QueueRef:
    _, _, _, _, account, name = arn.split(":", 5)
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return QueueRef(url=url, arn=arn)


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(
        description="Replay an SQS dead-letter queue (StartMessageMoveTask)."
    )
    parser.add_argument("--dlq-arn", required=True, help="ARN of the dead-letter queue")
    parser.add_argument("--destination-arn", help="default: the queue the messages came from")
    parser.add_argument("--max-per-second", type=int)
    args = parser.parse_args(argv)
    sqs = boto3.client("sqs")
    source = queue_ref_from_arn(sqs, args.dlq_arn)
    destination = queue_ref_from_arn(sqs, args.destination_arn) if args.destination_arn else None
    result = MessageMoveTask(sqs, args.max_per_second).move(source, destination)
    print(f"started message move task {result.task}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
