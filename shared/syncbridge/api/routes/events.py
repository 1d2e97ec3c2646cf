"""POST /api/v1/erp/{erp}/events: an ERP pushes a change event; 202 once durably queued.

Needs a token with scope `events:write` (client credentials at our OAuth server); the
tenant is the token's, never the URL's or the body's. Duplicates and reordering are
handled downstream (FIFO group per record, dedupe id per event, newest-wins apply).
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from syncbridge.api.gate import caller
from syncbridge.domain.sync.intake import accept_erp_event
from syncbridge.domain.sync.models import ERP_PATTERN, ErpChangeEvent, EventAccepted
from syncbridge.domain.sync.ports import FifoQueue
from syncbridge.observability import metrics
from syncbridge.store.sync import SqsFifoQueue

router = Router()


@cache
def events_queue() -> FifoQueue:
    return SqsFifoQueue("EVENTS_QUEUE_URL")


@router.post(
    "/api/v1/erp/<erp>/events",
    summary="Push an ERP change event (scope events:write)",
    responses={
        202: {"description": "queued"},
        401: {"description": "no valid token"},
        403: {"description": "token lacks events:write"},
        422: {"description": "invalid event (the field is named)"},
    },
)
def push_erp_event(
    erp: Annotated[str, Path(pattern=ERP_PATTERN)],
    event: Annotated[ErpChangeEvent, Body()],
) -> Response[EventAccepted]:
    accepted = accept_erp_event(caller(router).tenant_id, erp, event, events_queue())
    metrics.add_metric(name="ErpEventsAccepted", unit="Count", value=1)
    return Response(
        status_code=HTTPStatus.ACCEPTED,
        content_type=content_types.APPLICATION_JSON,
        body=accepted.model_dump(mode="json"),
    )
