"""Connecting a tenant to Ekos: start, OAuth callback, disconnect, and the list of connections.

- `GET /connections/ekos/start` -> 302 to Ekos's consent page (tenant from the principal).
- `GET /oauth/ekos/callback` -> an HTML page: connected (import started) or a clear error
  (4xx) for a wrong/replayed/expired state, `access_denied`, or a code Ekos refused. The
  state is single use and bound to the person who started (their session's principal) and
  to their browser (cookie `sb_ekos_binding`, a nonce whose digest the state row keeps):
  a link started by someone else connects nothing.
- `DELETE /connections/ekos` -> revoke at Ekos and forget the tokens.
- `GET /connections` -> this tenant's connections (never any token).
"""

from __future__ import annotations

import hashlib
import html
import secrets
from http import HTTPStatus
from http.cookies import SimpleCookie

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pydantic import BaseModel

from syncbridge.api.gate import actor, caller
from syncbridge.authserver.service import secure_cookies
from syncbridge.domain.connections.errors import ConnectionFlowError
from syncbridge.domain.connections.models import Connection
from syncbridge.domain.connections.service import STATE_TTL_SECONDS, CallbackQuery
from syncbridge.observability import logger, metrics
from syncbridge.public_url import public_base_url
from syncbridge.roots import keg

router = Router()

CALLBACK_PATH = "/oauth/ekos/callback"
BINDING_COOKIE = "sb_ekos_binding"  # a nonce only the starting browser holds


class ConnectionList(BaseModel):
    connections: list[Connection]


class Disconnected(BaseModel):
    connection: Connection


def _public_base_url() -> str:
    """PUBLIC_BASE_URL, or this request's own scheme, host and stage."""
    return public_base_url(router.current_event.raw_event)


def _binding_cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        name=BINDING_COOKIE,
        value=value,
        path="/",
        max_age=max_age,
        http_only=True,
        secure=secure_cookies(),
        same_site=SameSite.LAX_MODE,
    )


def _binding_from_request() -> str:
    """The digest of this browser's binding nonce (empty when it sent none)."""
    jar = SimpleCookie()
    try:
        jar.load(router.current_event.headers.get("cookie") or "")
    except Exception:  # a malformed cookie header is just "no binding"
        return ""
    morsel = jar.get(BINDING_COOKIE)
    return _digest(morsel.value) if morsel is not None and morsel.value else ""


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


@router.get("/connections/ekos/start", summary="Start connecting this tenant to Ekos (302 to Ekos)")
def start_ekos_connection() -> Response[str]:
    principal = caller(router)
    nonce = secrets.token_urlsafe(32)
    url = keg.connection_service().start_connection(
        principal.tenant_id,
        _public_base_url() + CALLBACK_PATH,
        started_by=actor(principal),
        browser_binding=_digest(nonce),
    )
    metrics.add_metric(name="EkosConnectStarted", unit="Count", value=1)
    return Response(
        status_code=HTTPStatus.FOUND,
        headers={"Location": url, "Cache-Control": "no-store"},
        cookies=[_binding_cookie(nonce, STATE_TTL_SECONDS)],
        body="",
    )


@router.get(CALLBACK_PATH, summary="Ekos redirects the person back here")
def ekos_callback() -> Response[str]:
    params = router.current_event.query_string_parameters or {}
    query = CallbackQuery(
        state=params.get("state"),
        code=params.get("code"),
        error=params.get("error"),
        error_description=params.get("error_description"),
    )
    principal = caller(router)
    try:
        result = keg.connection_service().complete_connection(
            query,
            principal_tenant=principal.tenant_id,
            principal_subject=actor(principal),
            browser_binding=_binding_from_request(),
        )
    except ConnectionFlowError as exc:
        metrics.add_metric(name="EkosConnectFailed", unit="Count", value=1)
        logger.info("ekos callback refused", extra={"code": exc.code})
        return _page(
            exc.http_status,
            "Ekos was not connected",
            f"<p>{html.escape(exc.message)}</p>"
            f'<p class="code">Reason: <code>{html.escape(exc.code)}</code></p>'
            f'<p><a href="{html.escape(_public_base_url())}/connections/ekos/start">Connect to Ekos again</a></p>',
        )
    metrics.add_metric(name="EkosConnected", unit="Count", value=1)
    setup_url = f"{_public_base_url()}/setup"
    return _page(
        HTTPStatus.OK,
        "Connected to Ekos",
        "<p>Sync Bridge is now connected to your Ekos account. We have started importing your "
        "customer locations; the guided setup shows the proposed matches as they arrive.</p>"
        f'<p><a id="continue" href="{html.escape(setup_url)}">Continue to the guided setup</a></p>'
        f'<p class="run">Import run <code>{html.escape(result.run_id)}</code></p>',
    )


@router.delete(
    "/connections/ekos", summary="Disconnect Ekos: revoke the grant and forget the tokens"
)
def disconnect_ekos() -> Disconnected:
    principal = caller(router)
    connection = keg.connection_service().disconnect(principal.tenant_id)
    metrics.add_metric(name="EkosDisconnected", unit="Count", value=1)
    return Disconnected(connection=connection)


@router.get("/connections", summary="This tenant's ERP connections (no tokens)")
def list_connections() -> ConnectionList:
    principal = caller(router)
    return ConnectionList(
        connections=keg.connection_service().list_connections(principal.tenant_id)
    )


def _page(status: int, title: str, body: str) -> Response[str]:
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · Sync Bridge</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
code{{background:#f3f3f3;padding:0 .25rem}}</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    return Response(
        status_code=int(status),
        content_type=content_types.TEXT_HTML,
        body=doc,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
