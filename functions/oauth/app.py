"""Sync Bridge's OAuth 2.0 authorization server (token, authorize, revoke, introspect, ...).

Thin: each route adapts the proxy event (`HttpRequest.from_event`) and hands it to authlib
(`syncbridge.authserver.server`) or to the interactive/tenant services. Public routes
except `/oauth/clients*` and `/oauth/users*` (list, register, change, remove, revoke), which
the API authorizer protects (admin only; `syncbridge.authserver.directory` keeps them to
the admin's own tenant).
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.api.gate import caller
from syncbridge.api.openapi import publish
from syncbridge.api.resolver import make_resolver
from syncbridge.authserver import directory, interactive, service
from syncbridge.authserver.directory import ClientView, PersonView, RoleChange
from syncbridge.authserver.lambda_http import HttpRequest, OAuthResponse
from syncbridge.authserver.metadata import server_metadata
from syncbridge.authserver.server import SyncBridgeAuthorizationServer
from syncbridge.authserver.service import (
    ClientRegistration,
    IssuedClient,
    IssuedLogin,
    PersonInvite,
)
from syncbridge.observability import logger, metrics, tracer

app = make_resolver()


@cache
def auth_server() -> SyncBridgeAuthorizationServer:
    return SyncBridgeAuthorizationServer()


def _request() -> HttpRequest:
    return HttpRequest.from_event(app.current_event.raw_event)


def _respond(result: OAuthResponse) -> Response:
    headers: dict[str, Any] = dict(result.headers)
    headers.pop("Content-Type", None)
    if result.cookies:
        headers["Set-Cookie"] = result.cookies
    return Response(
        status_code=result.status,
        content_type=result.content_type,
        body=result.body,
        headers=headers,
    )


@app.post("/oauth/token", summary="Token endpoint (client credentials, code + PKCE, refresh)")
def token():  # a raw HTTP response (authlib), no schema
    result = auth_server().create_token_response(_request())
    metrics.add_metric(name="TokenRequests", unit="Count", value=1)
    logger.info("token request", extra={"status": result.status})
    return _respond(result)


@app.post("/oauth/revoke", summary="RFC 7009 token revocation")
def revoke():  # a raw HTTP response (authlib), no schema
    return _respond(auth_server().create_endpoint_response("revocation", _request()))


@app.post("/oauth/introspect", summary="RFC 7662 token introspection")
def introspect():  # a raw HTTP response (authlib), no schema
    return _respond(auth_server().create_endpoint_response("introspection", _request()))


@app.get("/oauth/authorize", summary="Authorization endpoint: consent page")
@app.post("/oauth/authorize", summary="Authorization endpoint: consent decision")
def authorize():  # a raw HTTP response (authlib), no schema
    return _respond(interactive.authorize(auth_server(), _request()))


@app.get("/oauth/login", summary="Sign-in page for people")
@app.post("/oauth/login", summary="Sign in: sets the sb_session cookie")
def login():  # a raw HTTP response (authlib), no schema
    return _respond(interactive.login(auth_server(), _request()))


@app.get("/oauth/logout", summary="A sign-out page (its button posts to /oauth/logout)")
def logout_page():  # a raw HTML response, no schema
    return _respond(interactive.logout_page(_request()))


@app.post("/oauth/logout", summary="Sign out: revokes the session")
def logout():  # a raw HTTP response (authlib), no schema
    return _respond(interactive.logout(auth_server(), _request()))


@app.post("/oauth/clients", summary="Register a client for the caller's tenant (admin)")
def register_client(registration: Annotated[ClientRegistration, Body()]) -> Response[IssuedClient]:
    principal = caller(app)
    issued = service.register_client(auth_server().store, principal, registration)
    logger.info("client registered", extra={"client_id": issued.client_id})
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=issued.model_dump(),
        headers={"Cache-Control": "no-store"},
    )


@app.post("/oauth/users", summary="Issue a sign-in for a person of the caller's tenant (admin)")
def invite_person(invite: Annotated[PersonInvite, Body()]) -> Response[IssuedLogin]:
    principal = caller(app)
    issued = service.invite_person(auth_server().store, principal, invite)
    logger.info("person invited", extra={"username": issued.username, "role": issued.role})
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=issued.model_dump(),
        headers={"Cache-Control": "no-store"},
    )


def _json(body: Any, status: int = HTTPStatus.OK) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-store"},
    )


USERNAME = Path(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._@+-]+$")


@app.get("/oauth/users", summary="The people of the caller's organisation (admin)")
def list_people() -> Response[Any]:
    people = directory.people(auth_server().store, caller(app))
    return _json({"items": [p.model_dump() for p in people]})


@app.put("/oauth/users/<username>", summary="Change a person's role (admin; ends their sessions)")
def change_role(
    username: Annotated[str, USERNAME], change: Annotated[RoleChange, Body()]
) -> Response[PersonView]:
    person = directory.change_role(auth_server().store, caller(app), username, change.role)
    logger.info("role changed", extra={"username": person.username, "role": person.role})
    return _json(person.model_dump())


@app.delete("/oauth/users/<username>", summary="Remove a person (admin; ends their sessions)")
def remove_person(username: Annotated[str, USERNAME]) -> Response[Any]:
    directory.remove_person(auth_server().store, caller(app), username)
    logger.info("person removed", extra={"username": username.lower()})
    return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Cache-Control": "no-store"})


@app.get("/oauth/clients", summary="The API clients of the caller's organisation (admin)")
def list_clients() -> Response[Any]:
    clients = directory.clients(auth_server().store, caller(app))
    return _json({"items": [c.model_dump() for c in clients]})


@app.post(
    "/oauth/clients/<client_id>/revoke",
    summary="Revoke a client for good: its secret and tokens stop working (admin)",
)
def revoke_client(
    client_id: Annotated[str, Path(min_length=1, max_length=200)],
) -> Response[ClientView]:
    revoked = directory.revoke_client(auth_server().store, caller(app), client_id)
    logger.info("client revoked", extra={"client_id": revoked.client_id})
    return _json(revoked.model_dump())


@app.get("/.well-known/oauth-authorization-server", summary="RFC 8414 server metadata")
def metadata() -> dict[str, Any]:
    return server_metadata(_request().base_url)


# The raw routes parse their own form bodies (authlib does): documented here for clients.
_CLIENT_AUTH = {
    "client_id": {"type": "string"},
    "client_secret": {"type": "string", "description": "or HTTP Basic"},
}
FORM_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/oauth/token"): {
        "type": "object",
        "properties": {
            "grant_type": {
                "type": "string",
                "enum": ["client_credentials", "authorization_code", "refresh_token"],
            },
            "scope": {"type": "string"},
            "code": {"type": "string"},
            "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string"},
            "refresh_token": {"type": "string"},
            **_CLIENT_AUTH,
        },
        "required": ["grant_type"],
    },
    ("POST", "/oauth/revoke"): {
        "type": "object",
        "properties": {
            "token": {"type": "string"},
            "token_type_hint": {"type": "string"},
            **_CLIENT_AUTH,
        },
        "required": ["token"],
    },
    ("POST", "/oauth/introspect"): {
        "type": "object",
        "properties": {
            "token": {"type": "string"},
            "token_type_hint": {"type": "string"},
            **_CLIENT_AUTH,
        },
        "required": ["token"],
    },
    ("POST", "/oauth/authorize"): {
        "type": "object",
        "properties": {
            "decision": {"type": "string", "enum": ["allow", "deny"]},
            "csrf": {"type": "string"},
        },
    },
    ("POST", "/oauth/login"): {
        "type": "object",
        "properties": {
            "tenant": {"type": "string"},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "next": {"type": "string"},
        },
        "required": ["tenant", "username", "password"],
    },
    ("POST", "/oauth/logout"): {"type": "object", "properties": {}},
}
publish(
    app,
    "/oauth/openapi.json",
    title="Sync Bridge OAuth 2.0 server",
    version="1.0.0",
    description="RFC 6749 (client credentials, authorization code + PKCE S256, refresh "
    "with rotation), RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata; "
    "sign-in and consent pages; client and person registration for tenant admins.",
    form_bodies=FORM_BODIES,
)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry tokens and secrets
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
