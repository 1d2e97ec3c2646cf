"""Staying in sync: status page and API, review items, refused scans, audit, dead letters.

The tenant always comes from the caller's principal (authorizer context). Who may call
which route is `syncbridge.api.policy`'s to say (people read with viewer + `setup:read`,
decide with operator + `setup:write`; retention and dead letters are admin + `admin`);
the gate enforces it before a handler runs.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from syncbridge.api import shell
from syncbridge.api.gate import actor as actor_of
from syncbridge.api.gate import caller
from syncbridge.domain.setup.models import Resolution, ResourceType
from syncbridge.domain.sync.audit import AuditQuery, RetentionPolicy, export
from syncbridge.domain.sync.dead_letters import (
    DeadLetterFilter,
    list_dead_letters,
    move_dead_letters,
)
from syncbridge.domain.sync.outbound import retry_failed_scan
from syncbridge.observability import logger
from syncbridge.roots import keg

router = Router()


def caller_tenant() -> str:
    return caller(router).tenant_id


def _json(body: Any, status: int = HTTPStatus.OK) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-store"},
    )


# ---------------------------------------------------------------- status page + API
@router.get("/sync", summary="The sync status page (HTML)")
def page() -> Response[Any]:
    """Inside the app shell (header, navigation, sign-in redirect), like every page."""
    return shell.render(router.current_event, "sync", "Sync status", "/sync")


@router.get("/sync/status", summary="Every connection's sync status")
def status() -> Response[Any]:
    return _json(keg.sync_status(caller_tenant()))


# ---------------------------------------------------------------- review items
class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["link", "create"]
    internal_id: str | None = Field(default=None, min_length=1, max_length=200)


@router.get("/sync/review/<resource_type>", summary="ERP records waiting for a person")
def review_items(
    resource_type: Annotated[ResourceType, Path()],
    erp: Annotated[str, Query(pattern=r"^[a-z][a-z0-9_-]{1,31}$")] = "ekos",
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response[Any]:
    tenant = caller_tenant()
    page = keg.review_items().list(tenant, erp, resource_type, cursor, limit)
    return _json({"items": [p.model_dump() for p in page.items], "next_cursor": page.next_cursor})


@router.put(
    "/sync/review/<resource_type>/<external_id>",
    summary="Link the ERP record to a home record, or create it",
)
def decide(
    resource_type: Annotated[ResourceType, Path()],
    external_id: Annotated[str, Path(max_length=200)],
    body: Annotated[ReviewDecision, Body()],
    erp: Annotated[str, Query(pattern=r"^[a-z][a-z0-9_-]{1,31}$")] = "ekos",
) -> Response[Any]:
    principal = caller(router)
    result = keg.decide_review_item(
        principal.tenant_id,
        erp,
        resource_type,
        external_id,
        Resolution(action=body.action, internal_id=body.internal_id),
        actor=f"person:{actor_of(principal)}",
    )
    return _json(result)


# ---------------------------------------------------------------- refused scans
@router.get("/sync/scans/failed", summary="Unit scans the ERP refused")
def failed_scans() -> Response[Any]:
    tenant = caller_tenant()
    rows = keg.failed_scans().list(tenant)
    return _json({"items": [{k: v for k, v in r.items() if k != "message"} for r in rows]})


@router.post("/sync/scans/<scan_id>/retry", summary="Send a refused scan again")
def retry_scan(
    scan_id: Annotated[str, Path(max_length=128)],
    erp: Annotated[str, Query(pattern=r"^[a-z][a-z0-9_-]{1,31}$")] = "ekos",
) -> Response[Any]:
    tenant = caller_tenant()
    again = retry_failed_scan(
        tenant, erp, scan_id, keg.failed_scans(), keg.outbound_queue()
    )
    return _json({"scan_id": scan_id, "attempt": again.attempt}, HTTPStatus.ACCEPTED)


# ---------------------------------------------------------------- audit
def _audit_query(
    resource_type: str | None,
    external_id: str | None,
    actor: str | None,
    action: str | None,
    since: Any,
    until: Any,
) -> AuditQuery:
    return AuditQuery(
        resource_type=resource_type,
        external_id=external_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
    )


AuditText = Annotated[str | None, Query(max_length=200)]
AuditTime = Annotated[AwareDatetime | None, Query()]


@router.get("/audit", summary="Audit entries, newest first (filters, pagination)")
def audit_entries(
    resource_type: AuditText = None,
    external_id: AuditText = None,
    actor: AuditText = None,
    action: AuditText = None,
    since: AuditTime = None,
    until: AuditTime = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response[Any]:
    tenant = caller_tenant()
    query = _audit_query(resource_type, external_id, actor, action, since, until)
    page = keg.audit_log().query(tenant, query, cursor, limit)
    return _json({"items": page.items, "next_cursor": page.next_cursor})


@router.get("/audit/export", summary="The filtered audit entries as CSV or JSON Lines")
def audit_export(
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    resource_type: AuditText = None,
    external_id: AuditText = None,
    actor: AuditText = None,
    action: AuditText = None,
    since: AuditTime = None,
    until: AuditTime = None,
) -> Response[Any]:
    tenant = caller_tenant()
    query = _audit_query(resource_type, external_id, actor, action, since, until)
    body = export(keg.audit_log(), tenant, query, format)
    kind = "text/csv" if format == "csv" else "application/x-ndjson"
    return Response(
        status_code=HTTPStatus.OK,
        content_type=f"{kind}; charset=utf-8",
        body=body,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="audit.{format}"',
        },
    )


@router.get("/audit/retention", summary="How long this tenant's audit entries are kept")
def retention() -> Response[Any]:
    tenant = caller_tenant()
    return _json(keg.audit_log().retention(tenant).model_dump())


@router.put("/audit/retention", summary="Set the retention of new audit entries (days)")
def set_retention(body: Annotated[RetentionPolicy, Body()]) -> Response[Any]:
    tenant = caller_tenant()
    logger.info("audit retention changed", extra={"retention_days": body.retention_days})
    return _json(keg.audit_log().set_retention(tenant, body).model_dump())


# ---------------------------------------------------------------- dead letters (admin)
class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_ids: list[str] | None = Field(default=None, max_length=1000)
    reason: str | None = Field(default=None, max_length=100)
    message_type: str | None = Field(default=None, max_length=100)
    min_age_seconds: int | None = Field(default=None, ge=0)
    all: bool = Field(default=False, description="every dead letter of this tenant")


@router.get("/admin/dead-letters", summary="This tenant's dead letters, with their reasons")
def dead_letters(
    reason: Annotated[str | None, Query(max_length=100)] = None,
    message_type: Annotated[str | None, Query(max_length=100)] = None,
    min_age_seconds: Annotated[int | None, Query(ge=0)] = None,
) -> Response[Any]:
    tenant = caller_tenant()
    selector = DeadLetterFilter(
        reason=reason, message_type=message_type, min_age_seconds=min_age_seconds
    )
    letters = list_dead_letters(keg.dead_letter_queues(), selector, tenant_id=tenant)
    return _json({"items": [d.model_dump() for d in letters]})


@router.post("/admin/dead-letters/move", summary="Move dead letters back to their queues")
def move(body: Annotated[MoveRequest, Body()]) -> Response[Any]:
    tenant = caller_tenant()
    selector = DeadLetterFilter(
        reason=body.reason,
        message_type=body.message_type,
        min_age_seconds=body.min_age_seconds,
        message_ids=frozenset(body.message_ids) if body.message_ids else None,
    )
    if selector == DeadLetterFilter() and not body.all:
        from syncbridge.domain.errors import InvalidInput

        raise InvalidInput("say which: message_ids, a filter, or all=true", field="all")
    result = move_dead_letters(keg.dead_letter_queues(), selector, tenant_id=tenant)
    return _json(result.model_dump(), HTTPStatus.ACCEPTED)
