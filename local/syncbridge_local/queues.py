"""SQS event-source mappings: poll a queue and invoke a function the way Lambda does.

Per mapping, `concurrency` threads long-poll the queue (the template's
`ScalingConfig.MaximumConcurrency`, else the runtime's `poller_concurrency`; Lambda starts
with five), each with one batch in flight; SQS itself keeps a FIFO group's messages in order
(no message of a group is delivered while another of it is in flight). Like Lambda's
scaling, only the first poller polls an idle queue; the others join while it finds
messages and rest once a receive comes back empty. Each poller builds the real SQS event
and invokes the function:
- success: the batch is deleted;
- the handler raised: every record failed;
- with `ReportBatchItemFailures`: only the records in `batchItemFailures` failed (a
  malformed report fails the whole batch, as on AWS).
Failed records stay on the queue. On AWS they reappear when the visibility timeout ends;
locally their visibility is cut to `retry_delay` seconds so retries come quickly. SQS
(moto) moves a record to the dead-letter queue once it was received `maxReceiveCount`
times, exactly as the queue's RedrivePolicy says.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncbridge_local.provision import QueueInfo
from syncbridge_local.template import REGION

log = logging.getLogger("syncbridge_local")

SQS_BATCH_LIMIT = 10


@dataclass(frozen=True)
class SqsMapping:
    """One `Type: SQS` event of a function."""

    function_id: str
    event_name: str
    queue: QueueInfo
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True
    concurrency: int = 1  # pollers, i.e. batches in flight at once


def _lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """SQS API message attributes -> the shape Lambda puts in the event."""
    out = {}
    for name, value in (attributes or {}).items():
        out[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        if out[name]["binaryValue"] is not None:
            import base64

            out[name]["binaryValue"] = base64.b64encode(out[name]["binaryValue"]).decode()
    return out


def sqs_event(messages: list[dict[str, Any]], queue: QueueInfo) -> dict[str, Any]:
    """The Lambda event for a batch received from `queue`."""
    records = []
    for message in messages:
        body = message["Body"]
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": _lambda_message_attributes(
                    message.get("MessageAttributes", {})
                ),
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def failed_message_ids(result: Any, message_ids: list[str], report_failures: bool) -> set[str]:
    """Which records of a batch failed, given what the handler returned (Lambda's rules)."""
    if not report_failures or result is None:
        return set()
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in message_ids:
            return set(message_ids)  # malformed report: the whole batch failed
        failed.add(identifier)
    return failed


class QueuePoller:
    """Runs one event-source mapping in a background thread until `stop()`."""

    def __init__(
        self,
        mapping: SqsMapping,
        sqs: Any,
        invoke: Callable[[str, dict[str, Any]], Any],
        *,
        retry_delay: int = 1,
        wait_seconds: int = 1,
        busy: Callable[[int], None] = lambda _delta: None,
        number: int = 0,
        demand: threading.Event | None = None,
    ) -> None:
        self.mapping = mapping
        self.sqs = sqs
        self.invoke = invoke
        self.retry_delay = retry_delay
        self.wait_seconds = wait_seconds
        self.busy = busy
        self._stop = threading.Event()
        self.number = number
        self.demand = demand or threading.Event()  # set while the queue has messages
        self._thread = threading.Thread(
            target=self._run,
            name=f"poller-{mapping.function_id}-{mapping.event_name}-{number}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.number and not self.demand.wait(self.wait_seconds):
                    continue  # an extra poller rests while the queue is idle
                if self.poll_once():
                    self.demand.set()
                else:
                    self.demand.clear()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("poller %s failed; retrying", self._thread.name)
                self._stop.wait(1)

    def receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        queue = self.mapping.queue
        messages: list[dict[str, Any]] = []
        while len(messages) < self.mapping.batch_size:
            batch = self.sqs.receive_message(
                QueueUrl=queue.url,
                MaxNumberOfMessages=min(SQS_BATCH_LIMIT, self.mapping.batch_size - len(messages)),
                WaitTimeSeconds=0 if messages else wait_seconds,
                VisibilityTimeout=queue.visibility_timeout,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            messages.extend(batch)
        return messages

    def poll_once(self, wait_seconds: int | None = None) -> int:
        """Receive one batch and process it; the number of records it held."""
        messages = self.receive(self.wait_seconds if wait_seconds is None else wait_seconds)
        if messages:
            self.busy(1)
            try:
                self.process(messages)
            finally:
                self.busy(-1)
        return len(messages)

    def process(self, messages: list[dict[str, Any]]) -> None:
        mapping, queue = self.mapping, self.mapping.queue
        ids = [m["MessageId"] for m in messages]
        try:
            result = self.invoke(mapping.function_id, sqs_event(messages, queue))
        except Exception as exc:
            log.warning(
                "%s raised on a batch of %d from %s: %s: %.200s",
                mapping.function_id,
                len(ids),
                queue.logical_id,
                type(exc).__name__,
                str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            failed = set(ids)
        else:
            failed = failed_message_ids(result, ids, mapping.report_batch_item_failures)
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        for chunk in _chunks(done):
            self.sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        for chunk in _chunks(retry):
            self.sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.retry_delay,
                    }
                    for i, m in enumerate(chunk)
                ],
            )
        if retry:
            log.info(
                "%s: %d of %d records failed; retry in %ss (receive count %s)",
                queue.logical_id,
                len(retry),
                len(messages),
                self.retry_delay,
                ",".join(
                    m.get("Attributes", {}).get("ApproximateReceiveCount", "?") for m in retry
                ),
            )


def _chunks(items: list[Any], size: int = SQS_BATCH_LIMIT) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
