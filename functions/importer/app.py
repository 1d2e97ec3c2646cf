"""Importer: ImportQueue messages, told apart by their `action`.

- `import` (guided setup): every page of one resource type staged, then matching;
- `incremental_sync` / `reconcile` (the scheduler's ticks): handed to
  `syncbridge.roots.keg.run_sync` (newest-wins pull after the setup).

SQS consumer with partial batch failures: a record fails by raising (Ekos down, another
delivery holding the import) and SQS redelivers it; the services make redelivery safe.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.domain.setup.importer import ImportService
from syncbridge.domain.setup.models import ImportMessage
from syncbridge.lambdas import sqs_consumer
from syncbridge.observability import logger, metrics, tracer
from syncbridge.roots import keg


@cache
def service() -> ImportService:
    return keg.import_service()


SYNC_ACTIONS = frozenset({"incremental_sync", "reconcile"})


def _action(body: str) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # not JSON: the import model reports it
    return parsed.get("action") if isinstance(parsed, dict) else None


@tracer.capture_method
def record_handler(record: SQSRecord) -> Any:
    if _action(record.body) in SYNC_ACTIONS:
        report = keg.run_sync(record.body)
        metrics.add_metric(name="SyncPulls", unit=MetricUnit.Count, value=1)
        return report
    message = ImportMessage.model_validate_json(record.body)
    logger.append_keys(tenant_id=message.tenant_id, resource_type=message.resource_type)
    outcome = service().handle(message)
    metrics.add_metric(name=f"Import_{outcome}", unit=MetricUnit.Count, value=1)
    return outcome


consume = sqs_consumer(record_handler)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consume(event, context)
