"""The person-facing side of the authorization server: sign-in, consent, sign-out.

`GET /oauth/authorize` validates the client's request with authlib first (unknown client or
redirect URI: an error page, never a redirect; other errors: redirected to the client),
then asks a signed-in person of the client's tenant for consent. The consent form posts
back with a per-session CSRF value; authlib then issues the code and the redirect.
"""

from __future__ import annotations

from urllib.parse import unquote, urlencode, urlsplit

from authlib.oauth2.rfc6749.errors import InvalidScopeError, OAuth2Error

from syncbridge.authserver import pages
from syncbridge.authserver.lambda_http import HttpRequest, OAuthResponse
from syncbridge.authserver.models import TokenOwner
from syncbridge.authserver.scopes import granted_scope
from syncbridge.authserver.server import SyncBridgeAuthorizationServer
from syncbridge.authserver.service import (
    SESSION_COOKIE,
    check_csrf,
    clear_session_cookie,
    csrf_token,
    end_session,
    session_cookie,
    session_record,
    sign_in,
)
from syncbridge.domain.errors import Unauthorized
from syncbridge.observability import logger

_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def authorize(server: SyncBridgeAuthorizationServer, request: HttpRequest) -> OAuthResponse:
    """GET shows consent (or sends to sign-in); POST records the person's decision."""
    try:
        grant = server.get_consent_grant(request, end_user=None)
    except OAuth2Error as error:
        return _authorize_error(server, error)
    client = grant.request.client
    session_token = request.cookies.get(SESSION_COOKIE)
    session = session_record(server.store, session_token)
    if session is None or session.tenant_id != client.tenant_id:
        next_path = f"{request.path}?" + urlencode(
            {k: v for k, v in grant.request.payload.data.items() if k in _AUTHORIZE_PARAMS}
        )
        query = urlencode({"tenant": client.tenant_id, "next": next_path})
        return OAuthResponse.redirect(f"{request.base_url}/oauth/login?{query}")
    assert session_token is not None
    owner = TokenOwner(subject=session.subject, roles=session.roles)
    granted = granted_scope(grant.request.scope, client.scope, session.roles)
    if not granted:
        # Nothing the client asked for is both registered for it and allowed to this
        # person's role: refuse (RFC 6749 §4.1.2.1), never widen to the client's scope.
        logger.info("consent refused: empty scope", extra={"client_id": client.client_id})
        return _authorize_error(
            server,
            InvalidScopeError(
                description="none of the requested scopes is available to you",
                state=grant.request.payload.state,
                redirect_uri=grant.request.payload.redirect_uri
                or client.get_default_redirect_uri(),
            ),
        )

    if request.method == "GET":
        params = {k: v for k, v in grant.request.payload.data.items() if k in _AUTHORIZE_PARAMS}
        page = pages.consent_page(
            action=f"{request.base_url}/oauth/authorize",
            client_name=client.name,
            username=session.subject,
            scopes=sorted(granted),
            params=params,
            csrf=csrf_token(session_token),
        )
        return OAuthResponse.html(200, page)

    if not check_csrf(session_token, request.form_values.get("csrf")):
        return OAuthResponse.html(
            400, pages.message_page("Request expired", "Please start again.", error=True)
        )
    allowed = request.form_values.get("decision") == "allow"
    logger.info("consent decision", extra={"client_id": client.client_id, "allowed": allowed})
    return server.create_authorization_response(
        grant.request, grant_user=owner if allowed else None, grant=grant
    )


def _authorize_error(server: SyncBridgeAuthorizationServer, error: OAuth2Error) -> OAuthResponse:
    if error.redirect_uri:  # the client and its redirect URI are known good: tell the client
        return server.handle_error_response(None, error)
    return OAuthResponse.html(
        400,
        pages.message_page(
            "This sign-in link is not valid",
            f"{error.error}: {error.get_error_description() or 'invalid request'}",
            error=True,
        ),
    )


def login(server: SyncBridgeAuthorizationServer, request: HttpRequest) -> OAuthResponse:
    """GET: the sign-in form. POST: check the password, set the session cookie, go on."""
    action = f"{request.base_url}/oauth/login"
    source = request.args if request.method == "GET" else request.form_values
    tenant = source.get("tenant", "")
    next_path = _safe_next(source.get("next", ""))
    if request.method == "GET":
        return OAuthResponse.html(200, pages.login_page(action, tenant, next_path))
    try:
        token = sign_in(
            server.store, tenant, source.get("username", ""), source.get("password", "")
        )
    except Unauthorized:
        logger.info("sign-in failed", extra={"tenant_id": tenant})
        return OAuthResponse.html(
            401,
            pages.login_page(
                action, tenant, next_path, error="Unknown organisation, user or password."
            ),
        )
    logger.info("signed in", extra={"tenant_id": tenant})
    cookie = session_cookie(token)
    if next_path:
        return OAuthResponse.redirect(f"{request.base_url}{next_path}", cookies=[cookie])
    return OAuthResponse.html(
        200, pages.message_page("Signed in", "You are signed in to Sync Bridge."), cookies=[cookie]
    )


def logout(server: SyncBridgeAuthorizationServer, request: HttpRequest) -> OAuthResponse:
    end_session(server.store, request.cookies.get(SESSION_COOKIE))
    return OAuthResponse.html(
        200,
        pages.message_page("Signed out", "You are signed out."),
        cookies=[clear_session_cookie()],
    )


def _safe_next(next_path: str) -> str:
    """Only same-site absolute paths: never an open redirect to another host, and never a
    control character (CR/LF would split the Location header), raw or percent-encoded."""
    if not next_path.startswith("/") or len(next_path) > 2000:
        return ""
    decoded = unquote(next_path)
    for candidate in (next_path, decoded):
        if candidate.startswith("//") or "\\" in candidate:
            return ""
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in candidate):
            return ""
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc:
        return ""
    return next_path
