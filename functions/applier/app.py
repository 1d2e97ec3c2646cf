"""Applier: submitted setup types (ApplyQueue) and ERP change events (EventsQueue, FIFO).

The two sources are told apart by the queue the batch came from: a FIFO batch holds ERP
events and stops at the first failure so later events of a record never overtake it;
setup `apply` messages go to the ApplyService.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.domain.setup import bootstrap
from syncbridge.domain.setup.applier import ApplyService
from syncbridge.domain.setup.models import ApplyMessage
from syncbridge.lambdas import DeadLetteringFifoProcessor, sqs_consumer
from syncbridge.observability import logger, metrics, tracer


@cache
def service() -> ApplyService:
    return bootstrap.apply_service()


@tracer.capture_method
def apply_handler(record: SQSRecord) -> str:
    message = ApplyMessage.model_validate_json(record.body)
    logger.append_keys(tenant_id=message.tenant_id, resource_type=message.resource_type)
    outcome = service().handle(message)
    metrics.add_metric(name=f"Apply_{outcome}", unit=MetricUnit.Count, value=1)
    return outcome


@cache
def event_ports() -> dict[str, Any]:
    """The change-event applier's ports, built once per warm container (each resolves its
    table or queue on use, so nothing here outlives a switch of stack)."""
    from syncbridge.domain.sync import bootstrap as sync

    return {
        "mappings": sync.event_mappings(),
        "home": sync.home_platform(),
        "setup": sync.setup_progress(),
        "audit": sync.audit_log(),
        "matcher": sync.matcher(),
        "reviews": sync.review_items(),
        "claims": sync.event_claims(),
    }


@tracer.capture_method
def erp_event_handler(record: SQSRecord) -> Any:
    from syncbridge.domain.sync.events import apply_erp_event

    result = apply_erp_event(record.body, **event_ports())
    metrics.add_metric(name="ErpEventApplied", unit=MetricUnit.Count, value=1)
    return result


def is_events_batch(event: dict[str, Any]) -> bool:
    """EventsQueue is the FIFO queue; ApplyQueue is a standard one."""
    records = event.get("Records") or []
    return bool(records) and str(records[0].get("eventSourceARN", "")).endswith(".fifo")


setup_consumer = sqs_consumer(apply_handler)
events_consumer = sqs_consumer(erp_event_handler, DeadLetteringFifoProcessor())


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    consumer = events_consumer if is_events_batch(event) else setup_consumer
    return consumer(event, context)
