"""Optional ERP fields for an admin: which ones the ERP has, and one-click creation."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from syncbridge.api.gate import caller
from syncbridge.api.routes.pest_deps import pest_context
from syncbridge.domain.pest.erp_fields import ErpFieldsService, OptionalErpField
from syncbridge.observability import logger

router = Router()
TAG = ["config"]
FieldKey = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]


class ErpFieldsOut(BaseModel):
    tenant_id: str
    fields: list[OptionalErpField]


@router.get(
    "/api/v1/erp/config/erp-fields",
    summary="Optional ERP fields (e.g. a device status on the Odoo point) and whether present",
    description="Nothing requires them: a stock Odoo works without. Present ones are used.",
    tags=TAG,
)
def list_erp_fields() -> ErpFieldsOut:
    principal = caller(router)
    service = ErpFieldsService(pest_context(principal.tenant_id).erp)
    return ErpFieldsOut(tenant_id=principal.tenant_id, fields=service.list())


@router.post(
    "/api/v1/erp/config/erp-fields/<key>",
    summary="Create an optional ERP field in one click (needs ERP administrator rights)",
    description="Idempotent. 424 credentials_refused when the ERP user may not create fields.",
    tags=TAG,
)
def create_erp_field(key: FieldKey) -> OptionalErpField:
    principal = caller(router)
    created = ErpFieldsService(pest_context(principal.tenant_id).erp).create(key)
    logger.info("optional ERP field ensured", extra={"tenant_id": principal.tenant_id, "key": key})
    return created
