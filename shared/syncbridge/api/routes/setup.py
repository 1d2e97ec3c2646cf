"""The guided setup's review page and its JSON API.

The tenant always comes from the caller's principal (the authorizer context), never from
the URL or body: a person of one tenant can neither read nor change another's setup.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from syncbridge.api import shell
from syncbridge.api.gate import caller
from syncbridge.domain.setup.home_import import import_home_records
from syncbridge.domain.setup.models import LABELS, RESOURCE_ORDER, Resolution, ResourceType
from syncbridge.domain.setup.review import CONFIDENT_THRESHOLD, ReviewService
from syncbridge.observability import logger
from syncbridge.roots import keg

router = Router()


def service() -> ReviewService:
    """Built per request (cheap): boto3 clients are cached in `syncbridge.aws`, and a
    cached repository would outlive a switch of endpoint or stack."""
    return keg.review_service()


def tenant() -> str:
    """The caller's tenant; who may call which route is `syncbridge.api.policy`'s to say."""
    return caller(router).tenant_id


class ProposalEdit(BaseModel):
    """A person's choice for one external record (`restore`: undo, back to the proposal)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["link", "create", "restore"]
    internal_id: str | None = Field(default=None, min_length=1, max_length=200)
    version: int = Field(ge=1, description="the version the page showed (optimistic locking)")


class AcceptConfident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(default=CONFIDENT_THRESHOLD, ge=0.5, le=1.0)


def _json(body: Any, status: int = HTTPStatus.OK) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/setup", summary="The guided setup review page (HTML)")
def page() -> Response[Any]:
    """Public like every page (it holds no data): its script sends a signed-out visitor to
    sign-in and back."""
    types = "".join(
        f'<li id="step-{t}" data-type="{t}"><span class="step-label">{LABELS[t]}</span>'
        f' <span class="step-status">pending</span></li>'
        for t in RESOURCE_ORDER
    )
    return shell.render(
        router.current_event,
        "setup",
        "Guided setup",
        "/setup",
        steps=types,
        threshold=f"{CONFIDENT_THRESHOLD:.2f}",
        percent=str(int(CONFIDENT_THRESHOLD * 100)),
    )


@router.get("/setup/state", summary="Progress of the caller's setup, per resource type")
def state() -> Response[Any]:
    return _json(service().state(tenant()))


@router.get("/setup/<resource_type>/proposals", summary="A page of one group of proposals")
def proposals(
    resource_type: Annotated[ResourceType, Path()],
    decision: Annotated[Literal["match", "review", "create"], Query()] = "match",
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response[Any]:
    page = service().list_proposals(tenant(), resource_type, decision, q, cursor, limit)
    return _json(
        {
            "items": [p.model_dump() for p in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@router.get("/setup/<resource_type>/summary", summary="How many proposals are decided, per group")
def summary(resource_type: Annotated[ResourceType, Path()]) -> Response[Any]:
    return _json(service().summary(tenant(), resource_type))


@router.get("/setup/<resource_type>/candidates", summary="Search home records to link to")
def candidates(
    resource_type: Annotated[ResourceType, Path()],
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response[Any]:
    found = service().candidates(tenant(), resource_type, q, limit)
    return _json({"items": found})


@router.put(
    "/setup/<resource_type>/proposals/<external_id>",
    summary="Choose the home record for one ERP record, or create a new one",
)
def edit(
    resource_type: Annotated[ResourceType, Path()],
    external_id: Annotated[str, Path(max_length=200)],
    body: Annotated[ProposalEdit, Body()],
) -> Response[Any]:
    if body.action == "restore":
        proposal = service().restore(tenant(), resource_type, external_id, body.version)
    else:
        resolution = Resolution(action=body.action, internal_id=body.internal_id)
        proposal = service().edit(tenant(), resource_type, external_id, resolution, body.version)
    logger.info("proposal edited", extra={"resource_type": resource_type, "action": body.action})
    return _json(proposal.model_dump())


@router.post(
    "/setup/<resource_type>/accept-confident",
    summary="Confirm every match scoring at least the threshold",
)
def accept_confident(
    resource_type: Annotated[ResourceType, Path()],
    body: Annotated[AcceptConfident | None, Body()] = None,
) -> Response[Any]:
    threshold = (body or AcceptConfident()).threshold
    accepted = service().accept_confident(tenant(), resource_type, threshold)
    return _json({"accepted": accepted, "threshold": threshold})


@router.post(
    "/setup/<resource_type>/retry",
    summary="Retry a failed import (it resumes after the last page it staged)",
)
def retry(resource_type: Annotated[ResourceType, Path()]) -> Response[Any]:
    result = keg.retry_import(tenant(), resource_type)
    return _json(result, HTTPStatus.ACCEPTED)


@router.post("/setup/<resource_type>/submit", summary="Apply this type's decisions")
def submit(resource_type: Annotated[ResourceType, Path()]) -> Response[Any]:
    result = service().submit(tenant(), resource_type)
    return _json(result, HTTPStatus.ACCEPTED)


class HomeRecordsUpload(BaseModel):
    """An organisation's existing records of one type, to load before the first import."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "jsonl"]
    content: str = Field(min_length=1, max_length=5_000_000)


@router.post(
    "/setup/<resource_type>/home-records",
    summary="Load your existing records (CSV or JSON Lines) so the import can match them",
)
def upload_home_records(
    resource_type: Annotated[ResourceType, Path()],
    body: Annotated[HomeRecordsUpload, Body()],
) -> Response[Any]:
    result = import_home_records(
        keg.home_platform(), tenant(), resource_type, body.content, body.format
    )
    logger.info("home records loaded", extra={"resource_type": resource_type})
    return _json(
        {
            "resource_type": resource_type,
            "received": result.received,
            "created": result.created,
            "already_there": result.already_there,
        }
    )
