"""Scheduled incident sync: for every tenant with a pest config, alerts -> ERP incidents.

EventBridge Scheduler invokes it with `{"action": "sync_incidents"}`; `{"tenant_id": ...}`
limits the run to one tenant. One tenant's failure never stops the others, and whatever
failed (a system down) is picked up by the next run from the stored cursors.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.api.routes.pest_incidents import run_incident_sync
from syncbridge.observability import logger, metrics, tracer
from syncbridge.roots.pest import context_for, pest_tenants


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = (event or {}).get("action", "sync_incidents")
    if action != "sync_incidents":
        logger.warning("unknown action", extra={"action": action})
        return {"ok": False, "error": f"unknown action {action!r}"}
    tenants = [event["tenant_id"]] if event.get("tenant_id") else pest_tenants()
    report: dict[str, Any] = {}
    for tenant in tenants:
        logger.append_keys(tenant_id=tenant)  # replaced per tenant, removed after the loop
        try:
            out = run_incident_sync(context_for(tenant))
            report[tenant] = {"stale": out.stale, "summary": out.summary, "errors": out.errors}
        except Exception as exc:
            logger.exception("incident sync failed for tenant", extra={"tenant_id": tenant})
            report[tenant] = {"error": type(exc).__name__}
    logger.remove_keys(["tenant_id"])
    logger.info("incident sync done", extra={"tenants": len(tenants), "report": report})
    return {"ok": all("error" not in r for r in report.values()), "tenants": report}
