"""The authlib AuthorizationServer wired to our store: grants, PKCE, revocation, introspection.

Grants: client credentials (machines such as Ekos), authorization code with PKCE S256
always required (interactive clients, public or confidential), refresh token with rotation
and reuse detection. Endpoints: RFC 7009 revocation and RFC 7662 introspection. Every
token is opaque, stored as a SHA-256 digest, short-lived and bound to the client's tenant.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from syncbridge.authserver import credentials
from syncbridge.authserver.lambda_http import (
    HttpRequest,
    OAuthJsonRequest,
    OAuthRequest,
    OAuthResponse,
)
from syncbridge.authserver.models import (
    Client,
    CodeRecord,
    TokenKind,
    TokenOwner,
    TokenRecord,
    now,
)
from syncbridge.authserver.scopes import SCOPES, format_scope, granted_scope, parse_scope
from syncbridge.authserver.store import OAuthStore
from syncbridge.observability import logger

ACCESS_TOKEN_TTL = 15 * 60
REFRESH_TOKEN_TTL = 30 * 24 * 3600
CODE_TTL = 60


class _NoTokenDumps(logging.Filter):
    """authlib logs every issued token at DEBUG ("Issue token %r to %r"). Dropped at the
    logger that makes the record, so no level set anywhere (LOG_LEVEL, a debugging
    session, a test) lets a token reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Issue token", "Grant token"))


logging.getLogger("authlib").setLevel(logging.WARNING)
for _grant in (
    "authorization_code",
    "client_credentials",
    "implicit",
    "refresh_token",
    "resource_owner_password_credentials",
):
    logging.getLogger(f"authlib.oauth2.rfc6749.grants.{_grant}").addFilter(_NoTokenDumps())

_CONFIDENTIAL = ["client_secret_basic", "client_secret_post"]


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _CONFIDENTIAL

    def validate_requested_scope(self) -> None:
        super().validate_requested_scope()
        if self.request.client.get_allowed_scope(self.request.payload.scope) is None:
            raise InvalidScopeError()


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*_CONFIDENTIAL, "none"]
    server: SyncBridgeAuthorizationServer

    def generate_authorization_code(self) -> str:
        return credentials.mint("sb_code", self.request.client.tenant_id)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        owner: TokenOwner = request.user
        granted = granted_scope(request.scope, request.client.scope, owner.roles)
        if not granted:  # never issue a code that would fall back to the client's scope
            raise InvalidScopeError(
                state=request.payload.state, redirect_uri=request.payload.redirect_uri
            )
        self.server.store.put_code(
            CodeRecord(
                digest=credentials.digest(code),
                tenant_id=request.client.tenant_id,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=format_scope(granted),
                subject=owner.subject,
                roles=owner.roles,
                code_challenge=request.payload.data.get("code_challenge") or "",
                code_challenge_method=request.payload.data.get("code_challenge_method") or "",
                expires_at=now() + CODE_TTL,
                family_id=uuid.uuid4().hex,
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        tenant = credentials.tenant_of(code)
        if tenant is None or tenant != client.tenant_id:
            return None
        claimed, replayed = self.server.store.claim_code(tenant, credentials.digest(code))
        if replayed is not None:
            revoked = self.server.store.revoke_family(tenant, replayed.family_id)
            logger.warning("authorization code replayed", extra={"tokens_revoked": revoked})
            return None
        if claimed is None or claimed.client_id != client.client_id or claimed.expires_at <= now():
            return None
        return claimed

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        """Nothing to do: `query_authorization_code` already consumed the code atomically."""

    def authenticate_user(self, authorization_code: CodeRecord) -> TokenOwner:
        return TokenOwner(subject=authorization_code.subject, roles=authorization_code.roles)


class RequiredS256Challenge(CodeChallenge):
    """PKCE on every authorization request, S256 only (RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*_CONFIDENTIAL, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh returns a new refresh token
    server: SyncBridgeAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        record = self.server.find_token(refresh_token, "refresh_token")
        if record is None or record.kind != "refresh_token":
            return None
        if record.revoked:
            # A retired refresh token came back: whoever holds the family is suspect.
            self.server.store.revoke_family(record.tenant_id, record.family_id)
            logger.warning("refresh token reused after rotation; grant revoked")
            return None
        return None if record.is_expired() else record

    def authenticate_user(self, refresh_token: TokenRecord) -> TokenOwner:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        if not self.server.store.claim_refresh_token(refresh_token):
            # Lost a race with a concurrent use of the same refresh token.
            self.server.store.revoke_family(refresh_token.tenant_id, refresh_token.family_id)
            raise InvalidGrantError("The refresh token was already used.")
        self.server.store.revoke_token(refresh_token)


class _TokenLookup:
    server: SyncBridgeAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return self.server.find_token(token_string, token_type_hint)


class Revocation(_TokenLookup, RevocationEndpoint):
    """RFC 7009: 200 for unknown tokens; revoking a refresh token ends its whole grant."""

    CLIENT_AUTH_METHODS = [*_CONFIDENTIAL, "none"]

    def revoke_token(self, token: TokenRecord, request: OAuth2Request) -> None:
        if token.kind == "refresh_token":
            self.server.store.revoke_family(token.tenant_id, token.family_id)
        self.server.store.revoke_token(token)


class Introspection(_TokenLookup, IntrospectionEndpoint):
    """RFC 7662 for confidential clients of the token's own tenant."""

    CLIENT_AUTH_METHODS = _CONFIDENTIAL

    def check_permission(self, token: TokenRecord, client: Client, request: Any) -> bool:
        if token.tenant_id != client.tenant_id:
            return False
        return token.client_id == client.client_id or "admin" in client.allowed_scopes

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": token.client_id,
            "scope": token.scope,
            "sub": token.subject,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "exp": token.expires_at,
            "iat": token.issued_at,
            "tenant_id": token.tenant_id,
            "roles": " ".join(token.roles),
        }


class SyncBridgeAuthorizationServer(AuthorizationServer):
    """authlib's server with our store, token format and Lambda request adapter."""

    def __init__(self, store: OAuthStore | None = None) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.store = store or OAuthStore()
        self.register_token_generator("default", self._generate_token)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [RequiredS256Challenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    # ------------------------------------------------------------------ storage hooks
    def query_client(self, client_id: str) -> Client | None:
        tenant = credentials.tenant_of(client_id)
        if tenant is None:
            return None
        client = self.store.get_client(tenant, client_id)
        return None if client is None or client.disabled else client

    def find_token(self, token: str, hint: str | None = None) -> TokenRecord | None:
        tenant = credentials.tenant_of(token)
        if tenant is None:
            return None
        kinds: list[TokenKind] = ["access_token", "refresh_token"]
        if hint == "refresh_token":
            kinds.reverse()
        digest = credentials.digest(token)
        for kind in kinds:
            record = self.store.get_token(tenant, digest, kind)
            if record is not None:
                return record
        return None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client: Client = request.client
        owner: TokenOwner | None = request.user
        if request.refresh_token is not None:
            family = request.refresh_token.family_id
        elif request.authorization_code is not None:
            family = request.authorization_code.family_id
        else:
            family = uuid.uuid4().hex
        issued = now()
        common = {
            "tenant_id": client.tenant_id,
            "client_id": client.client_id,
            "subject": owner.subject if owner else client.client_id,
            "roles": owner.roles if owner else client.roles,
            "scope": token.get("scope", ""),
            "issued_at": issued,
            "family_id": family,
        }
        access_digest = credentials.digest(token["access_token"])
        self.store.put_token(
            TokenRecord(
                digest=access_digest,
                kind="access_token",
                expires_at=issued + token["expires_in"],
                **common,
            )
        )
        if token.get("refresh_token"):
            self.store.put_token(
                TokenRecord(
                    digest=credentials.digest(token["refresh_token"]),
                    kind="refresh_token",
                    expires_at=issued + REFRESH_TOKEN_TTL,
                    access_digest=access_digest,
                    **common,
                )
            )

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": credentials.mint("sb_at", client.tenant_id),
            "expires_in": expires_in or ACCESS_TOKEN_TTL,
            "scope": self._issued_scope(grant_type, client, scope),
        }
        if include_refresh_token:
            token["refresh_token"] = credentials.mint("sb_rt", client.tenant_id)
        return token

    @staticmethod
    def _issued_scope(grant_type: str, client: Client, scope: str | None) -> str:
        """A machine (client credentials) asking for nothing gets its registered scope
        (RFC 6749 §3.3 default); a person's grant carries exactly what consent computed
        (requested ∩ client's ∩ role, never empty), so there is no fallback to widen."""
        if grant_type == "client_credentials":
            return client.get_allowed_scope(scope) or ""
        return scope or ""

    # ------------------------------------------------------------------ framework glue
    def validate_requested_scope(self, scope: str | None) -> None:
        if parse_scope(scope) - frozenset(SCOPES):
            raise InvalidScopeError()

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return OAuthRequest(request)

    def create_json_request(self, request: HttpRequest) -> OAuthJsonRequest:
        return OAuthJsonRequest(request)

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> OAuthResponse:
        return OAuthResponse.from_authlib(status, body, headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        if name == "after_revoke_token":
            logger.info("token revoked", extra={"client_id": kwargs["client"].client_id})
