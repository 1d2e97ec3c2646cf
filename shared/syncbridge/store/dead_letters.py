"""SQS side of dead letters: park a failed message with its reason, list, move back.

- `DeadLetterer`: used by every queue consumer (`syncbridge.lambdas`): knows each source
  queue's RedrivePolicy (looked up once per queue), tells whether a receive is the last
  one SQS allows, and sends the message to the DLQ with the failure attributes.
- `SqsDeadLetterQueues`: the `DeadLetterQueues` port over every queue that has a
  RedrivePolicy (optionally only names starting with a prefix, e.g. the stack's).
  Listing receives each DLQ message with a short visibility timeout and makes it visible
  again afterwards; SQS has no peek. A FIFO DLQ shows one message per group at a time
  (SQS hides the rest of a group while its head is in flight).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncbridge import aws
from syncbridge.domain.sync.dead_letters import (
    ATTEMPTS,
    DETAIL,
    FIRST_FAILURE,
    LAST_FAILURE,
    MESSAGE_TYPE,
    REASON,
    REPLAYS,
    SOURCE_QUEUE,
    TENANT,
    DeadLetter,
    DeadLetterFilter,
    Failure,
    MoveResult,
    attribute_values,
    describe_body,
)

MAX_ATTRIBUTES = 10
LIST_VISIBILITY = 30
SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class Redrive:
    source_url: str
    source_arn: str
    dlq_url: str
    dlq_arn: str
    max_receive_count: int

    @property
    def fifo(self) -> bool:
        return self.dlq_arn.endswith(".fifo")


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _url_of(sqs: Any, arn: str) -> str:
    _, _, _, _, account, name = arn.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def _iso_ms(epoch_ms: str | int | None) -> str:
    if not epoch_ms:
        return ""
    return datetime.fromtimestamp(int(epoch_ms) / 1000, tz=UTC).isoformat(timespec="seconds")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DeadLetterer:
    """Parks a failed message in its source queue's DLQ with the failure attributes."""

    _cache: dict[tuple[str, str], Redrive | None] = {}
    _lock = threading.Lock()

    def __init__(self, sqs: Any | None = None) -> None:
        self._sqs = sqs

    @property
    def sqs(self) -> Any:
        return self._sqs if self._sqs is not None else aws.client("sqs")

    def redrive(self, source_arn: str) -> Redrive | None:
        key = (str(self.sqs.meta.endpoint_url), source_arn)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        url = _url_of(self.sqs, source_arn)
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["RedrivePolicy"]
        ).get("Attributes", {})
        redrive = None
        if attributes.get("RedrivePolicy"):
            policy = json.loads(attributes["RedrivePolicy"])
            dlq_arn = policy["deadLetterTargetArn"]
            redrive = Redrive(
                source_url=url,
                source_arn=source_arn,
                dlq_url=_url_of(self.sqs, dlq_arn),
                dlq_arn=dlq_arn,
                max_receive_count=int(policy["maxReceiveCount"]),
            )
        with self._lock:
            self._cache[key] = redrive
        return redrive

    def is_last_attempt(self, source_arn: str, receive_count: int) -> bool:
        redrive = self.redrive(source_arn)
        return redrive is not None and receive_count >= redrive.max_receive_count

    def park(self, record: dict[str, Any], reason: str, detail: str) -> str:
        """Send the raw SQS event record to its DLQ with why; the new message id."""
        source_arn = record["eventSourceARN"]
        redrive = self.redrive(source_arn)
        if redrive is None:
            raise RuntimeError(f"{_name(source_arn)} has no dead-letter queue")
        system = record.get("attributes") or {}
        previous = _plain_attributes(record.get("messageAttributes") or {})
        first = previous.get(FIRST_FAILURE) or _iso_ms(
            system.get("ApproximateFirstReceiveTimestamp")
        )
        failure = Failure(
            reason=reason,
            detail=detail,
            attempts=int(system.get("ApproximateReceiveCount") or 1),
            first_failure_at=first or _now(),
            last_failure_at=_now(),
        )
        replays = int(previous.get(REPLAYS) or 0)
        attributes = attribute_values(failure, source_arn, record["body"], replays)
        for name, value in _api_attributes(record.get("messageAttributes") or {}).items():
            if name not in attributes and len(attributes) < MAX_ATTRIBUTES:
                attributes[name] = value
        request: dict[str, Any] = {
            "QueueUrl": redrive.dlq_url,
            "MessageBody": record["body"],
            "MessageAttributes": attributes,
        }
        if redrive.fifo:
            request["MessageGroupId"] = system.get("MessageGroupId") or "dead-letters"
            request["MessageDeduplicationId"] = f"dl-{record['messageId']}-{time.time_ns()}"[:128]
        return self.sqs.send_message(**request)["MessageId"]


def _plain_attributes(attributes: dict[str, Any]) -> dict[str, str]:
    """Lambda-event or SQS-API message attributes -> name: string value."""
    out = {}
    for name, value in attributes.items():
        text = value.get("stringValue", value.get("StringValue"))
        if text is not None:
            out[name] = str(text)
    return out


def _api_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Lambda-event message attributes -> the SQS API's shape (string ones only)."""
    out = {}
    for name, value in attributes.items():
        text = value.get("stringValue", value.get("StringValue"))
        kind = value.get("dataType", value.get("DataType")) or "String"
        if text is not None:
            out[name] = {"DataType": kind, "StringValue": str(text)}
    return out


class SqsDeadLetterQueues:
    """`DeadLetterQueues` over every queue with a RedrivePolicy (name prefix optional)."""

    def __init__(self, sqs: Any | None = None, name_prefix: str = "") -> None:
        self._sqs = sqs
        self.name_prefix = name_prefix

    @property
    def sqs(self) -> Any:
        return self._sqs if self._sqs is not None else aws.client("sqs")

    def redrives(self) -> list[Redrive]:
        """Each source queue with its DLQ (queues listed by SQS, prefix applied)."""
        lister = DeadLetterer(self.sqs)
        found = []
        kwargs: dict[str, Any] = {"MaxResults": 1000}
        if self.name_prefix:
            kwargs["QueueNamePrefix"] = self.name_prefix
        while True:
            page = self.sqs.list_queues(**kwargs)
            for url in page.get("QueueUrls", []):
                arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"
                ]["QueueArn"]
                redrive = lister.redrive(arn)
                if redrive is not None:
                    found.append(redrive)
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def list(self, selector: DeadLetterFilter) -> list[DeadLetter]:
        now = datetime.now(UTC)
        out: list[DeadLetter] = []
        for redrive in self._dlqs(selector):
            received = self._receive_all(redrive)
            try:
                out.extend(
                    letter
                    for letter in (self._letter(redrive, m) for m in received)
                    if selector.matches(letter, now)
                )
            finally:
                self._release(redrive, received)
        return sorted(out, key=lambda d: (d.last_failure_at, d.message_id))

    def move(self, selector: DeadLetterFilter) -> MoveResult:
        now = datetime.now(UTC)
        moved: list[str] = []
        for redrive in self._dlqs(selector):
            received = self._receive_all(redrive)
            keep = []
            for message in received:
                letter = self._letter(redrive, message)
                if not selector.matches(letter, now):
                    keep.append(message)
                    continue
                self.sqs.send_message(**self._back(redrive, message, letter))
                self.sqs.delete_message(
                    QueueUrl=redrive.dlq_url, ReceiptHandle=message["ReceiptHandle"]
                )
                moved.append(letter.message_id)
            self._release(redrive, keep)
        return MoveResult(moved=len(moved), message_ids=moved)

    # ------------------------------------------------------------ internals
    def _dlqs(self, selector: DeadLetterFilter) -> list[Redrive]:
        seen: dict[str, Redrive] = {}
        for redrive in self.redrives():
            if selector.queue and not (
                selector.queue in _name(redrive.dlq_arn)
                or selector.queue in _name(redrive.source_arn)
            ):
                continue
            seen.setdefault(redrive.dlq_arn, redrive)
        return list(seen.values())

    def _receive_all(self, redrive: Redrive) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        empty = 0
        while len(received) < SCAN_LIMIT and empty < 2:
            batch = self.sqs.receive_message(
                QueueUrl=redrive.dlq_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                VisibilityTimeout=LIST_VISIBILITY,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                empty += 1
                continue
            empty = 0
            received.extend(batch)
        return received

    def _release(self, redrive: Redrive, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self.sqs.change_message_visibility_batch(
                QueueUrl=redrive.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )

    @staticmethod
    def _letter(redrive: Redrive, message: dict[str, Any]) -> DeadLetter:
        attributes = _plain_attributes(message.get("MessageAttributes") or {})
        body = message.get("Body", "")
        kind, tenant = describe_body(body)
        sent = _iso_ms((message.get("Attributes") or {}).get("SentTimestamp"))
        return DeadLetter(
            message_id=message["MessageId"],
            queue=_name(redrive.dlq_arn),
            source_queue=attributes.get(SOURCE_QUEUE, redrive.source_arn),
            # no attributes: SQS's own redrive moved it (the consumer died on its last try)
            reason=attributes.get(REASON, "redriven_by_sqs"),
            detail=attributes.get(DETAIL, ""),
            attempts=int(attributes.get(ATTEMPTS) or 0),
            first_failure_at=attributes.get(FIRST_FAILURE, sent),
            last_failure_at=attributes.get(LAST_FAILURE, sent),
            message_type=attributes.get(MESSAGE_TYPE, kind),
            tenant_id=attributes.get(TENANT, tenant),
            replays=int(attributes.get(REPLAYS) or 0),
            body=body,
        )

    def _back(
        self, redrive: Redrive, message: dict[str, Any], letter: DeadLetter
    ) -> dict[str, Any]:
        """The send request that puts a dead letter back on the queue it failed on."""
        source_arn = letter.source_queue or redrive.source_arn
        url = (
            redrive.source_url
            if source_arn == redrive.source_arn
            else _url_of(self.sqs, source_arn)
        )
        attributes = _api_attributes(message.get("MessageAttributes") or {})
        attributes[REPLAYS] = {"DataType": "Number", "StringValue": str(letter.replays + 1)}
        request: dict[str, Any] = {
            "QueueUrl": url,
            "MessageBody": message["Body"],
            "MessageAttributes": attributes,
        }
        if source_arn.endswith(".fifo"):
            system = message.get("Attributes") or {}
            request["MessageGroupId"] = system.get("MessageGroupId", "replay")
            # A fresh id: the original may still be inside the 5-minute deduplication window.
            request["MessageDeduplicationId"] = f"replay-{letter.message_id}-{time.time_ns()}"[:128]
        return request
