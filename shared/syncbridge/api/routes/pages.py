"""The app's pages (public shells, see syncbridge.api.shell) and `GET /me`, the signed-in
person the pages show in their header and use to offer only the actions they may take."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

from syncbridge.api import shell
from syncbridge.api.permissions import allowed_routes
from syncbridge.api.principal import ROLE_ORDER, principal_from_event
from syncbridge.domain.errors import Unauthorized

router = Router()


class Me(BaseModel):
    tenant_id: str
    subject: str
    client_id: str
    role: str
    roles: list[str]
    scopes: list[str]
    allowed_routes: list[str]


@router.get("/me", summary="Who is signed in, and which actions the pages may offer")
def me() -> Me:
    principal = principal_from_event(router.current_event.raw_event)
    if principal is None:
        raise Unauthorized("sign in first")
    held = [r for r in ROLE_ORDER if r in principal.roles]
    return Me(
        tenant_id=principal.tenant_id,
        subject=principal.subject,
        client_id=principal.client_id,
        role=held[-1] if held else "none",
        roles=sorted(principal.roles),
        scopes=sorted(principal.scopes),
        allowed_routes=allowed_routes(principal),
    )


@router.get("/", summary="Home: sign in, then where to go next (HTML)", include_in_schema=False)
def home() -> Response[Any]:
    return shell.render(router.current_event, "home", "Home", "/")


@router.get("/app/connections", summary="Connections page (HTML)", include_in_schema=False)
def connections_page() -> Response[Any]:
    return shell.render(router.current_event, "connections", "Connections", "/app/connections")


@router.get("/app/pest", summary="Pest-control page (HTML)", include_in_schema=False)
def pest_page() -> Response[Any]:
    return shell.render(router.current_event, "pest", "Pest control", "/app/pest")


@router.get("/app/settings", summary="Settings page (HTML)", include_in_schema=False)
def settings_page() -> Response[Any]:
    return shell.render(router.current_event, "settings", "Settings", "/app/settings")
