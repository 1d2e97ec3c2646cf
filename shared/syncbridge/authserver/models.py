"""What the authorization server stores: clients, people, issued tokens, authorization codes.

Each model implements the authlib mixin the grants expect, so authlib's grant logic runs on
our records unchanged. Secrets never live on these models in clear: only their hashes.
"""

from __future__ import annotations

import time
from typing import Literal

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from pydantic import BaseModel, Field

from syncbridge.api.principal import Principal
from syncbridge.authserver.scopes import format_scope, parse_scope

GrantType = Literal["client_credentials", "authorization_code", "refresh_token"]
AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
TokenKind = Literal["access_token", "refresh_token"]


def now() -> int:
    return int(time.time())


class Client(BaseModel, ClientMixin):
    """A registered OAuth client, owned by exactly one tenant."""

    client_id: str
    tenant_id: str
    name: str
    secret_hash: str = Field(default="", repr=False)
    grant_types: list[GrantType] = Field(default_factory=lambda: ["client_credentials"])
    scope: str = ""
    roles: list[str] = Field(default_factory=list)
    redirect_uris: list[str] = Field(default_factory=list)
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"
    created_at: int = Field(default_factory=now)
    disabled: bool = False

    @property
    def allowed_scopes(self) -> frozenset[str]:
        return parse_scope(self.scope)

    # authlib ClientMixin
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scope when the client may hold all of it (None: invalid_scope)."""
        if not scope:
            return self.scope
        requested = parse_scope(scope)
        if not requested <= self.allowed_scopes:
            return None
        return format_scope(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match, never a prefix

    def check_client_secret(self, client_secret: str) -> bool:
        from syncbridge.authserver.credentials import verify_secret

        if self.disabled or not self.secret_hash:
            return False
        return verify_secret(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.disabled:
            return False
        if endpoint == "token":
            return method == self.token_endpoint_auth_method
        if endpoint == "introspection":
            return method in ("client_secret_basic", "client_secret_post") and bool(
                self.secret_hash
            )
        return method == self.token_endpoint_auth_method  # revocation

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class Person(BaseModel):
    """A person of a tenant who signs in to consent or to use the browser pages."""

    tenant_id: str
    username: str
    role: Literal["viewer", "operator", "admin"]
    password_hash: str = Field(repr=False)
    created_at: int = Field(default_factory=now)
    created_by: str = ""
    disabled: bool = False
    sessions_since: int = 0  # tokens issued before this (a role change) no longer work


class TokenOwner(BaseModel):
    """Who a token acts for: a person (subject = username) or the client itself."""

    subject: str
    roles: list[str] = Field(default_factory=list)


class TokenRecord(BaseModel, TokenMixin):
    """One issued access or refresh token, stored by the digest of its value."""

    digest: str
    kind: TokenKind
    tenant_id: str
    client_id: str
    subject: str
    scope: str
    roles: list[str] = Field(default_factory=list)
    issued_at: int
    expires_at: int
    revoked: bool = False
    family_id: str
    access_digest: str = ""  # on a refresh token: the access token issued with it
    session: bool = False  # a browser session token (cookie), not an OAuth grant

    def is_active(self, at: int | None = None) -> bool:
        return not self.revoked and self.expires_at > (at if at is not None else now())

    def principal(self) -> Principal:
        return Principal(
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            subject=self.subject,
            scopes=parse_scope(self.scope),
            roles=frozenset(self.roles),
        )

    # authlib TokenMixin
    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id and self.tenant_id == client.tenant_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, self.expires_at - self.issued_at)

    def is_expired(self) -> bool:
        return self.expires_at <= now()

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> TokenOwner:
        return TokenOwner(subject=self.subject, roles=self.roles)


class CodeRecord(BaseModel, AuthorizationCodeMixin):
    """An authorization code: single use, 60 s, PKCE challenge kept for the token request."""

    digest: str
    tenant_id: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    roles: list[str] = Field(default_factory=list)
    code_challenge: str = ""
    code_challenge_method: str = ""
    expires_at: int
    used: bool = False
    family_id: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope
