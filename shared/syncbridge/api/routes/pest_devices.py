"""Creating devices for unmapped points, the device lifecycle and DevEUI assignment."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from syncbridge.api.gate import actor, caller
from syncbridge.api.routes.pest_deps import pest_context
from syncbridge.api.routes.pest_models import (
    CreateDevicesIn,
    CreateDevicesOut,
    DevEuiIn,
    DeviceOut,
    DevicesOut,
    HistoryOut,
    StatusIn,
)
from syncbridge.observability import logger, metrics

router = Router()
TAG = ["devices"]
DeviceId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/api/v1/erp/sync/create-devices",
    summary="Create devices for unmapped points (Microshare) and update the ERP points",
    description="Idempotent and safe to retry: each point's progress is recorded before any "
    "side effect and a rerun finishes what is missing. `dry_run` returns the plan only. "
    "The ERP barcode is written when the real DevEUI is confirmed (barcodes are unique per "
    "company; the default DevEUI cannot be shared) unless the tenant chose placeholders.",
    tags=TAG,
)
def create_devices(body: Annotated[CreateDevicesIn, Body()]) -> CreateDevicesOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    result = ctx.provisioning.create_devices(
        principal.tenant_id,
        ctx.config,
        actor(principal),
        point_ids=body.point_ids,
        dry_run=body.dry_run,
        limit=body.limit,
    )
    created = result.summary.get("created", 0) + result.summary.get("resumed", 0)
    metrics.add_metric(name="PestDevicesCreated", unit="Count", value=created)
    logger.info("create-devices", extra={"dry_run": body.dry_run, "summary": result.summary})
    return CreateDevicesOut(tenant_id=principal.tenant_id, **result.model_dump())


@router.get("/api/v1/erp/devices", summary="The tenant's devices", tags=TAG)
def list_devices() -> DevicesOut:
    principal = caller(router)
    devices = pest_context(principal.tenant_id).device_service.list(principal.tenant_id)
    return DevicesOut(
        tenant_id=principal.tenant_id,
        count=len(devices),
        devices=[DeviceOut.of(d) for d in devices],
    )


@router.get("/api/v1/erp/devices/<device_id>", summary="One device", tags=TAG)
def get_device(device_id: DeviceId) -> DeviceOut:
    principal = caller(router)
    device = pest_context(principal.tenant_id).device_service.get(principal.tenant_id, device_id)
    return DeviceOut.of(device)


@router.post(
    "/api/v1/erp/devices/<device_id>/status",
    summary="Move a device through its lifecycle (pending, active, maintenance, inactive)",
    description="409 for a transition the lifecycle forbids. Microshare and the ERP point are "
    "updated; a side that is down is listed in `pending_sync` and retried by the next run.",
    tags=TAG,
)
def change_status(device_id: DeviceId, body: Annotated[StatusIn, Body()]) -> DeviceOut:
    principal = caller(router)
    ctx = pest_context(principal.tenant_id)
    service = ctx.device_service
    device = service.transition(
        principal.tenant_id, device_id, body.status, actor(principal), ctx.config
    )
    return DeviceOut.of(device, service.last_errors)


@router.post(
    "/api/v1/erp/devices/<device_id>/deveui",
    summary="Propose the real DevEUI of a device (validated, normalised, unique per tenant)",
    tags=TAG,
)
def propose_deveui(device_id: DeviceId, body: Annotated[DevEuiIn, Body()]) -> DeviceOut:
    principal = caller(router)
    service = pest_context(principal.tenant_id).device_service
    device = service.propose_deveui(principal.tenant_id, device_id, body.deveui, actor(principal))
    return DeviceOut.of(device)


@router.post(
    "/api/v1/erp/devices/<device_id>/deveui/confirm",
    summary="Confirm the proposed DevEUI: Microshare device and ERP barcode are updated",
    tags=TAG,
)
def confirm_deveui(device_id: DeviceId) -> DeviceOut:
    principal = caller(router)
    service = pest_context(principal.tenant_id).device_service
    device = service.confirm_deveui(principal.tenant_id, device_id, actor(principal))
    return DeviceOut.of(device, service.last_errors)


@router.get(
    "/api/v1/erp/devices/<device_id>/history",
    summary="Audit trail of a device: who changed what, when, old and new values",
    tags=TAG,
)
def device_history(device_id: DeviceId) -> HistoryOut:
    principal = caller(router)
    entries = pest_context(principal.tenant_id).device_service.history(
        principal.tenant_id, device_id
    )
    return HistoryOut(device_id=device_id, entries=entries)
