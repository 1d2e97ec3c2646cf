"""Matcher: one `match` message -> proposals for one resource type, awaiting review.

Runs with the NumPy layer (the matching engine); redelivery is safe (see MatchService).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import syncbridge.matching  # noqa: F401  (init fails without the engine: no lesser matcher)
from syncbridge.domain.setup.matching import MatchService
from syncbridge.domain.setup.models import MatchMessage
from syncbridge.lambdas import sqs_consumer
from syncbridge.observability import logger, metrics, tracer
from syncbridge.roots import keg


@cache
def service() -> MatchService:
    return keg.match_service()


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    message = MatchMessage.model_validate_json(record.body)
    logger.append_keys(tenant_id=message.tenant_id, resource_type=message.resource_type)
    outcome = service().handle(message)
    metrics.add_metric(name=f"Match_{outcome}", unit=MetricUnit.Count, value=1)
    return outcome


consume = sqs_consumer(record_handler)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consume(event, context)
