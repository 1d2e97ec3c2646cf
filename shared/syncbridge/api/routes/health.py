"""GET /health: is the service up, which version, and can it reach its tables?"""

from __future__ import annotations

import os
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

from syncbridge import __version__
from syncbridge.store.health import table_status

router = Router()

# The tables the API function reads or writes (it has no permission on the others).
CHECKED_TABLES = (
    "CONNECTIONS_TABLE",
    "SETUP_TABLE",
    "PROPOSALS_TABLE",
    "MAPPINGS_TABLE",
    "HOME_TABLE",
    "AUDIT_TABLE",
    "OAUTH_TABLE",
)


class Health(BaseModel):
    status: str  # "ok" or "degraded"
    version: str
    stage: str
    tables: dict[str, str]  # env var -> "ok" or why not


@router.get("/health", summary="Liveness and table reachability")
def health() -> Response[Health]:
    tables = {
        var: table_status(os.environ[var]) if os.environ.get(var) else "not configured"
        for var in CHECKED_TABLES
    }
    healthy = all(state == "ok" for state in tables.values())
    body = Health(
        status="ok" if healthy else "degraded",
        version=__version__,
        stage=os.environ.get("STAGE", ""),
        tables=tables,
    )
    return Response(
        status_code=HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(),
    )
