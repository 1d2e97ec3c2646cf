"""Fired by EventBridge Scheduler: one sync command per active connection and resource type.

Input `{"action": "incremental_sync"}` (every 15 minutes) or `{"action": "reconcile"}`
(nightly); commands go to IMPORT_QUEUE_URL for the importer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.domain.sync.models import ScheduleTick
from syncbridge.observability import logger, metrics, tracer
from syncbridge.roots import keg


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tick = ScheduleTick.model_validate(event)
    commands = keg.plan_scheduled_sync(tick)
    metrics.add_metric(name="SyncCommandsEnqueued", unit="Count", value=len(commands))
    return {"action": tick.action, "enqueued": len(commands)}
