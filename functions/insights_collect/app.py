"""Collects pest-control history and recomputes insights, off the request path.

EventBridge Scheduler invokes it with `{"action": "collect_insights"}` (every tenant with a
pest config); `POST /api/v1/erp/insights/collect` queues `{"action": "collect_insights",
"tenant_id": ...}` on INSIGHTS_QUEUE_URL for one tenant. One tenant's failure never stops
the others; a queued collect that fails is retried by SQS, then dead-lettered.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.lambdas import sqs_consumer
from syncbridge.observability import logger, metrics, tracer
from syncbridge.roots import insights as insights_root


def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = json.loads(record.body)
    tenant = str(message.get("tenant_id") or "")
    if message.get("action") != "collect_insights" or not tenant:
        raise ValueError("expected {'action': 'collect_insights', 'tenant_id': ...}")
    out = insights_root.collect(tenant)
    metrics.add_metric(name="InsightsCollected", unit="Count", value=1)
    return out


consume = sqs_consumer(record_handler)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def scheduled(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report: dict[str, Any] = {}
    tenants = [event["tenant_id"]] if event.get("tenant_id") else insights_root.collect_tenants()
    for tenant in tenants:
        try:
            report[tenant] = insights_root.collect(tenant)
        except Exception as exc:
            logger.exception("insights collect failed for tenant", extra={"tenant_id": tenant})
            report[tenant] = {"error": type(exc).__name__}
    return {"ok": all("error" not in r for r in report.values()), "tenants": report}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SQS batches go to the partial-batch consumer; schedule events to `scheduled`."""
    if isinstance(event, dict) and "Records" in event:
        return consume(event, context)
    return scheduled(event or {}, context)
