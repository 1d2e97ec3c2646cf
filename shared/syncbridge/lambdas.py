"""The Lambda entry point of an SQS consumer, built once instead of in every function.

Each queue function keeps its own `record_handler` (parse -> call a domain service), and
its `lambda_handler` calls the consumer `sqs_consumer` builds from it: the Powertools
decorator stack (log context with the first message id as correlation id, tracing,
metrics) around a partial batch response, so SQS redelivers only the records that raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BasePartialBatchProcessor,
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.observability import logger, metrics, tracer

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


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
    (a standard-queue `BatchProcessor` unless `processor` says otherwise, e.g. FIFO)."""
    batch = processor if processor is not None else BatchProcessor(event_type=EventType.SQS)

    handle = fresh_log_keys(record_handler)

    @logger.inject_lambda_context(correlation_id_path="Records[0].messageId", clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return process_partial_response(
            event=event, record_handler=handle, processor=batch, context=context
        )

    return lambda_handler
