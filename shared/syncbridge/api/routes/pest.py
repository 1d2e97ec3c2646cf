"""Discovery, gap analysis and per-tenant configuration of the pest-control API."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from syncbridge.api.gate import caller
from syncbridge.api.routes.pest_deps import pest_context
from syncbridge.api.routes.pest_models import (
    ConfigIn,
    ConfigOut,
    Freshened,
    GapAnalysisOut,
    InspectionPointsOut,
    PointOut,
    PreviewOut,
    UnmappedOut,
)
from syncbridge.domain.pest.discovery import DiscoveryService, ParseProblem
from syncbridge.domain.pest.location import LocationParser
from syncbridge.domain.pest.models import PointView
from syncbridge.observability import logger, metrics

router = Router()
TAG = ["discovery"]


def _point_out(view: PointView) -> PointOut:
    p = view.point
    return PointOut(
        id=p.id,
        name=p.name,
        reference=p.default_code,
        barcode=p.barcode,
        active=p.active,
        write_date=p.write_date,
        location=view.location,
        location_list=view.location.as_list() if view.location else None,
        parse_error=view.parse_error,
        mapped=view.mapped,
        device_deveui=view.device_deveui,
        device_status=view.device_status,
    )


@router.get(
    "/api/v1/erp/discovery/inspection-points",
    summary="All inspection points with their parsed location",
    description="Served from the tenant's snapshot; refreshed incrementally when older than "
    "its TTL. `stale: true` when a source is down and the last snapshot is served.",
    tags=TAG,
)
def inspection_points(
    refresh: Annotated[bool, Query(description="Refresh the snapshot now")] = False,
) -> InspectionPointsOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    inv = ctx.discovery.inventory(principal.tenant_id, ctx.config, force=refresh)
    metrics.add_metric(name="PestDiscoveryPoints", unit="Count", value=len(inv.views))
    return InspectionPointsOut(
        tenant_id=principal.tenant_id,
        count=len(inv.views),
        points=[_point_out(v) for v in inv.views],
        parse_errors=inv.parse_errors,
        **Freshened.fields_from(inv.freshness),
    )


@router.get(
    "/api/v1/erp/discovery/unmapped",
    summary="Gap analysis: points without a device, with the device each needs",
    tags=TAG,
)
def unmapped(
    refresh: Annotated[bool, Query(description="Refresh the snapshot now")] = False,
) -> GapAnalysisOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    inv = ctx.discovery.inventory(principal.tenant_id, ctx.config, force=refresh)
    gaps = DiscoveryService.unmapped(inv, ctx.config)
    unparsed_ids = {v.point.id for v in inv.views if not v.mapped and v.point.active}
    return GapAnalysisOut(
        tenant_id=principal.tenant_id,
        count=len(gaps),
        unmapped=[
            UnmappedOut(
                point_id=g.point.id,
                name=g.point.name,
                reference=g.point.default_code,
                template=g.template,
            )
            for g in gaps
        ],
        unparseable=[p for p in inv.parse_errors if p.point_id in unparsed_ids],
        **Freshened.fields_from(inv.freshness),
    )


@router.get(
    "/api/v1/erp/config", summary="The tenant's pest-control configuration", tags=["config"]
)
def get_config() -> ConfigOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    stored = ctx.store.get_config(principal.tenant_id) is not None
    return ConfigOut(tenant_id=principal.tenant_id, stored=stored, config=ctx.config)


@router.put(
    "/api/v1/erp/config",
    summary="Replace the tenant's configuration (location patterns, site lookup, ...)",
    description="Admin only. Send `expected_version` from the last read; 409 when it changed.",
    tags=["config"],
)
def put_config(body: Annotated[ConfigIn, Body()]) -> ConfigOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    current = ctx.store.get_config(principal.tenant_id)
    expected = (
        body.expected_version
        if body.expected_version is not None
        else (current.version if current else None)
    )
    if current is None and body.expected_version == 0:
        expected = None
    ctx.store.put_config(principal.tenant_id, body.config, expected)
    # parsed locations depend on the config: make the next read re-parse from a fresh snapshot
    ctx.discovery.invalidate(principal.tenant_id, "erp")
    logger.info("pest config changed", extra={"tenant_id": principal.tenant_id})
    saved = ctx.store.get_config(principal.tenant_id)
    return ConfigOut(tenant_id=principal.tenant_id, stored=True, config=saved or body.config)


@router.post(
    "/api/v1/erp/config/preview",
    summary="Try a configuration's location patterns on the current points without saving",
    tags=["config"],
)
def preview_config(body: Annotated[ConfigIn, Body()]) -> PreviewOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    ctx.discovery.refresh(principal.tenant_id, ctx.config)
    errors, sample = [], []
    points = ctx.store.list_points(principal.tenant_id)
    parser = LocationParser(body.config.location)
    for point in points:
        outcome = parser.parse(point)
        view = PointView(point=point, location=outcome.location, parse_error=outcome.error)
        if outcome.error:
            errors.append(ParseProblem(point_id=point.id, name=point.name, reason=outcome.error))
        elif len(sample) < 5:
            sample.append(_point_out(view))
    return PreviewOut(parsed=len(points) - len(errors), errors=errors, sample=sample)
