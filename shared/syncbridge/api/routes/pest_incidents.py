"""Microshare alerts -> ERP incidents, on demand (the schedule runs the same service)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from syncbridge.api.gate import caller
from syncbridge.api.routes.pest_deps import pest_context
from syncbridge.api.routes.pest_models import IncidentsOut, IncidentSyncOut
from syncbridge.observability import metrics
from syncbridge.roots.pest import PestContext

router = Router()
TAG = ["incidents"]


def run_incident_sync(ctx: PestContext) -> IncidentSyncOut:
    """Refresh the snapshots (links need the points), finish pending device syncs, take
    device state changed in Microshare, then turn new alerts into incidents."""
    freshness = ctx.discovery.refresh(ctx.tenant, ctx.config)
    retried = ctx.device_service.retry_pending(ctx.tenant)
    iot = freshness.sources.get("iot")
    adopted = {}
    if iot is not None and iot.ok and iot.as_of is not None:
        adopted = ctx.device_service.adopt_iot_state(
            ctx.tenant, ctx.store.get_iot_devices(ctx.tenant), ctx.config, iot.as_of
        )
    result = ctx.incidents.sync(ctx.tenant, ctx.config)
    metrics.add_metric(
        name="PestIncidentsCreated", unit="Count", value=result.summary.get("created", 0)
    )
    return IncidentSyncOut(
        tenant_id=ctx.tenant,
        stale=result.stale,
        more=result.more,
        errors=result.errors,
        problems=result.problems,
        summary=result.summary,
        results=[r.model_dump(mode="json") for r in result.results],
        devices_retried=retried,
        devices_adopted=adopted,
    )


@router.post(
    "/api/v1/erp/incidents/sync",
    summary="Turn new Microshare alerts into ERP incidents now",
    description="De-duplicated by event id, grouped when one trap fires repeatedly within the "
    "tenant's window; only alerts newer than the stored cursor are read.",
    tags=TAG,
)
def sync_incidents() -> IncidentSyncOut:
    principal = caller(router)
    return run_incident_sync(pest_context(principal.tenant_id))


@router.get("/api/v1/erp/incidents", summary="Incidents opened from alerts (grouped)", tags=TAG)
def list_incidents() -> IncidentsOut:
    principal = caller(router)
    groups = pest_context(principal.tenant_id).incidents.open_incidents(principal.tenant_id)
    return IncidentsOut(tenant_id=principal.tenant_id, count=len(groups), incidents=groups)
