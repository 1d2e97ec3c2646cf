"""The Lambda entry point of an SQS consumer, built once instead of in every function.

Each queue function keeps its own `record_handler` (parse -> call a domain service), and
its `lambda_handler` calls the consumer `sqs_consumer` builds from it: the Powertools
decorator stack (log context with the first message id as correlation id, tracing,
metrics) around a partial batch response, so SQS redelivers only the records that raised.

Every failed record is logged with its reason and attempt. On the last receive the
queue's RedrivePolicy allows, the consumer parks the record in the DLQ itself, with
message attributes saying why, how often and since when (`store.dead_letters`), and
acknowledges it: SQS's own redrive would move it with no reason at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BasePartialBatchProcessor,
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.exceptions import (
    SQSFifoCircuitBreakerError,
    SQSFifoMessageGroupCircuitBreakerError,
)
from aws_lambda_powertools.utilities.batch.types import BatchSqsTypeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.domain.sync.dead_letters import describe_body, failure_of
from syncbridge.observability import logger, metrics, tracer

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
_CIRCUIT_BREAKERS = (SQSFifoCircuitBreakerError, SQSFifoMessageGroupCircuitBreakerError)


class _DeadLettering:
    """Mixin for Powertools' SQS processors: log each failure with its reason, and park a
    record whose receive was the last one allowed in the DLQ with that reason."""

    _raw: dict[str, Any] | None = None

    def _process_record(self, record: dict[str, Any]) -> Any:
        self._raw = record
        return super()._process_record(record)  # type: ignore[misc]

    def failure_handler(self, record: Any, exception: Any) -> Any:
        raw, exc = self._raw, exception[1]
        if raw is None or isinstance(exc, _CIRCUIT_BREAKERS):
            return super().failure_handler(record, exception)  # type: ignore[misc]
        return self._park_or_fail(raw, record, exception, *failure_of(exc))

    def _park_or_fail(
        self, raw: dict[str, Any], record: Any, exception: Any, reason: str, detail: str
    ) -> Any:
        if self._park(raw, reason, detail):
            return self.success_handler(record=raw, result="dead_lettered")  # type: ignore[attr-defined]
        return super().failure_handler(record, exception)  # type: ignore[misc]

    @staticmethod
    def _park(raw: dict[str, Any], reason: str, detail: str) -> bool:
        """True when the record was its last attempt and is now in the DLQ."""
        from syncbridge.store.dead_letters import DeadLetterer

        attempt = int((raw.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
        log = {
            "message_id": raw.get("messageId"),
            "reason": reason,
            "detail": detail,
            "attempt": attempt,
        }
        try:
            letterer = DeadLetterer()
            last = letterer.is_last_attempt(str(raw.get("eventSourceARN", "")), attempt)
            if not last:
                logger.warning("record failed; SQS will retry it", extra=log)
                return False
            dead_id = letterer.park(raw, reason, detail)
        except Exception:
            logger.exception("record failed and could not be dead-lettered", extra=log)
            return False
        logger.error("record dead-lettered", extra={**log, "dead_letter_id": dead_id})
        metrics.add_metric(name="DeadLettered", unit="Count", value=1)
        _audit_dead_letter(raw, reason, detail, attempt, dead_id)
        return True


def _audit_dead_letter(
    raw: dict[str, Any], reason: str, detail: str, attempt: int, dead_id: str
) -> None:
    """The tenant's audit trail says a message of theirs was dead-lettered, and why (the
    sync status lists it among the recent errors)."""
    kind, tenant = describe_body(raw.get("body", ""))
    if not tenant:
        return
    try:
        body = json.loads(raw.get("body", ""))
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        from syncbridge.store.audit import DynamoAuditTrail

        DynamoAuditTrail().record(
            tenant,
            [
                {
                    "entry_id": f"DLQ#{raw.get('messageId')}",
                    "actor": "sync-bridge",
                    "source": str(raw.get("eventSourceARN", "")).rsplit(":", 1)[-1],
                    "action": "dead_lettered",
                    "message_type": kind,
                    "resource_type": event.get("resource_type") or body.get("resource_type"),
                    "external_id": event.get("resource_id") or body.get("scan_id"),
                    "reason": reason,
                    "detail": detail,
                    "attempts": attempt,
                    "dead_letter_id": dead_id,
                }
            ],
        )
    except Exception:  # the DLQ already holds it with the reason; the audit is a copy
        logger.exception("dead letter not audited", extra={"reason": reason})


class DeadLetteringProcessor(_DeadLettering, BatchProcessor):
    """A standard-queue batch processor that parks its last attempts with a reason."""


class DeadLetteringFifoProcessor(_DeadLettering, SqsFifoPartialProcessor):
    """FIFO: a failed record holds back only its own message group (group = one record)."""

    def __init__(self, model: BatchSqsTypeModel | None = None) -> None:
        super().__init__(model=model, skip_group_on_error=True)


def fresh_log_keys(record_handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run `record_handler` so the log keys it appends (tenant_id, resource_type, ...) end
    with its record: the next record of the batch, or the next invocation of a warm
    container, never logs under the previous record's tenant."""

    def handle(record: Any) -> Any:
        before = dict(logger.get_current_keys())
        try:
            return record_handler(record)
        finally:
            added = [k for k in logger.get_current_keys() if k not in before]
            if added:
                logger.remove_keys(added)
            changed = {k: v for k, v in before.items() if logger.get_current_keys().get(k) != v}
            if changed:
                logger.append_keys(**changed)

    return handle


def sqs_consumer(
    record_handler: Callable[..., Any], processor: BasePartialBatchProcessor | None = None
) -> LambdaHandler:
    """A `lambda_handler` that runs `record_handler` on each record of an SQS batch
    (a dead-lettering standard-queue processor unless `processor` says otherwise)."""
    batch = processor if processor is not None else DeadLetteringProcessor(EventType.SQS)

    handle = fresh_log_keys(record_handler)

    @logger.inject_lambda_context(correlation_id_path="Records[0].messageId", clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return process_partial_response(
            event=event, record_handler=handle, processor=batch, context=context
        )

    return lambda_handler
