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


def sqs_consumer(
    record_handler: Callable[..., Any], processor: BasePartialBatchProcessor | None = None
) -> LambdaHandler:
    """A `lambda_handler` that runs `record_handler` on each record of an SQS batch
    (a standard-queue `BatchProcessor` unless `processor` says otherwise, e.g. FIFO)."""
    batch = processor if processor is not None else BatchProcessor(event_type=EventType.SQS)

    @logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=batch, context=context
        )

    return lambda_handler
