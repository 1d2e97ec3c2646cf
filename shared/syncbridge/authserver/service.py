"""Tenant-facing operations of the authorization server: clients, people, sessions, tokens.

`register_client` and `invite_person` run for an admin principal of a tenant and return a
secret exactly once; `bootstrap_tenant` creates a tenant's first admin client (CLI, demo
and tests). `sign_in` turns a person's password into a browser session token (cookie
`sb_session`); `authenticate_bearer` is what the API authorizer calls for every request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from functools import cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from syncbridge.api.principal import Principal
from syncbridge.authserver import credentials
from syncbridge.authserver.models import (
    AuthMethod,
    Client,
    GrantType,
    Person,
    TokenRecord,
    now,
)
from syncbridge.authserver.scopes import (
    ROLES,
    SCOPES,
    format_scope,
    parse_scope,
    scopes_for_roles,
)
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.errors import InvalidInput, Unauthorized

SESSION_TTL = 60 * 60
SESSION_COOKIE = "sb_session"
SESSION_CLIENT_ID = "browser-session"


class ClientRegistration(BaseModel):
    """Body of `POST /oauth/clients`."""

    name: str = Field(min_length=1, max_length=100)
    grant_types: list[GrantType] = Field(default_factory=lambda: ["client_credentials"])
    scope: str = Field(default="", description="space-separated scopes the client may request")
    roles: list[Literal["viewer", "operator", "admin"]] = Field(default_factory=lambda: ["viewer"])
    redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"

    @field_validator("scope")
    @classmethod
    def _known_scopes(cls, value: str) -> str:
        unknown = parse_scope(value) - frozenset(SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes: {' '.join(sorted(unknown))}")
        return format_scope(parse_scope(value))

    @field_validator("redirect_uris")
    @classmethod
    def _absolute_uris(cls, uris: list[str]) -> list[str]:
        for uri in uris:
            parts = urlsplit(uri)
            loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
            if (
                parts.fragment
                or not parts.hostname
                or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
            ):
                raise ValueError(f"redirect URI must be https (or http on loopback): {uri}")
        return uris

    @model_validator(mode="after")
    def _coherent(self) -> ClientRegistration:
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ValueError("authorization_code clients need at least one redirect URI")
        if self.token_endpoint_auth_method == "none" and "client_credentials" in self.grant_types:
            raise ValueError("a public client (auth method none) cannot use client_credentials")
        return self


class IssuedClient(BaseModel):
    """A registered client with its secret: returned once, never stored in clear."""

    client_id: str
    client_secret: str | None
    tenant_id: str
    name: str
    grant_types: list[str]
    scope: str
    roles: list[str]
    redirect_uris: list[str]
    token_endpoint_auth_method: str


class PersonInvite(BaseModel):
    """Body of `POST /oauth/users`."""

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._@+-]+$")
    role: Literal["viewer", "operator", "admin"] = "viewer"


class IssuedLogin(BaseModel):
    tenant_id: str
    username: str
    role: str
    password: str


def register_client(
    store: OAuthStore, admin: Principal, registration: ClientRegistration
) -> IssuedClient:
    """Register a client for the caller's own tenant (never another's). Only admins get
    here: the route's policy (`syncbridge.api.policy`) requires the admin role and scope."""
    return _create_client(store, admin.tenant_id, registration)


def bootstrap_tenant(
    store: OAuthStore, tenant_id: str, name: str = "bootstrap admin"
) -> IssuedClient:
    """A tenant's first admin client (client credentials, every scope, admin role)."""
    _valid_tenant(tenant_id)
    registration = ClientRegistration(
        name=name, scope=" ".join(SCOPES), roles=["admin"], grant_types=["client_credentials"]
    )
    return _create_client(store, tenant_id, registration)


def _valid_tenant(tenant_id: str) -> None:
    try:
        credentials.check_tenant(tenant_id)
    except credentials.InvalidTenant as error:
        raise InvalidInput(str(error), field="tenant_id") from None


def _create_client(store: OAuthStore, tenant_id: str, reg: ClientRegistration) -> IssuedClient:
    public = reg.token_endpoint_auth_method == "none"
    secret = None if public else credentials.new_secret()
    client = Client(
        client_id=credentials.mint("sb_client", tenant_id, nbytes=12),
        tenant_id=tenant_id,
        name=reg.name,
        secret_hash=credentials.hash_secret(secret) if secret else "",
        grant_types=reg.grant_types,
        scope=reg.scope,
        roles=list(reg.roles),
        redirect_uris=reg.redirect_uris,
        token_endpoint_auth_method=reg.token_endpoint_auth_method,
    )
    store.add_client(client)
    return IssuedClient(client_secret=secret, **client.model_dump(exclude={"secret_hash"}))


def invite_person(store: OAuthStore, admin: Principal, invite: PersonInvite) -> IssuedLogin:
    """An admin issues a sign-in for a person of their own tenant; the password shows once."""
    return create_person(store, admin.tenant_id, invite.username, invite.role, admin.subject)


def create_person(
    store: OAuthStore, tenant_id: str, username: str, role: str, created_by: str = "cli"
) -> IssuedLogin:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    _valid_tenant(tenant_id)
    password = credentials.new_secret()
    store.add_person(
        Person(
            tenant_id=tenant_id,
            username=username.lower(),
            role=role,  # type: ignore[arg-type]
            password_hash=credentials.hash_secret(password),
            created_by=created_by,
        )
    )
    return IssuedLogin(tenant_id=tenant_id, username=username.lower(), role=role, password=password)


def sign_in(store: OAuthStore, tenant_id: str, username: str, password: str) -> str:
    """A new session token for a person whose password checks out (Unauthorized if not)."""
    person = None
    if credentials.TENANT_PATTERN.match(tenant_id or "") and username:
        person = store.get_person(tenant_id, username)
    # Verify against a dummy hash when the person is unknown, so timing does not tell.
    stored = person.password_hash if person and not person.disabled else _dummy_hash()
    if not credentials.verify_secret(password, stored) or person is None or person.disabled:
        raise Unauthorized("unknown tenant, user or password")
    token = credentials.mint("sb_at", tenant_id)
    issued = now()
    store.put_token(
        TokenRecord(
            digest=credentials.digest(token),
            kind="access_token",
            tenant_id=tenant_id,
            client_id=SESSION_CLIENT_ID,
            subject=person.username,
            scope=format_scope(scopes_for_roles(frozenset({person.role}))),
            roles=[person.role],
            issued_at=issued,
            expires_at=issued + SESSION_TTL,
            family_id=uuid.uuid4().hex,
            session=True,
        )
    )
    return token


def session_record(store: OAuthStore, session_token: str | None) -> TokenRecord | None:
    """The active browser session behind a cookie value, if any."""
    record = _active_access_token(store, session_token)
    return record if record is not None and record.session else None


def end_session(store: OAuthStore, session_token: str | None) -> None:
    record = session_record(store, session_token)
    if record is not None:
        store.revoke_token(record)


def csrf_token(session_token: str) -> str:
    """A per-session anti-forgery value for the consent form (keyed by the session)."""
    return hmac.new(session_token.encode(), b"sb-csrf", hashlib.sha256).hexdigest()[:32]


def check_csrf(session_token: str, presented: str | None) -> bool:
    return hmac.compare_digest(csrf_token(session_token), presented or "")


def session_cookie(token: str, max_age: int = SESSION_TTL) -> str:
    return f"{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + (
        "; Secure" if secure_cookies() else ""
    )


def clear_session_cookie() -> str:
    return session_cookie("", max_age=0)


def authenticate_bearer(store: OAuthStore, token: str | None) -> Principal | None:
    """The principal of an active access token (bearer or session), or None."""
    record = _active_access_token(store, token)
    return record.principal() if record is not None else None


def _active_access_token(store: OAuthStore, token: str | None) -> TokenRecord | None:
    tenant = credentials.tenant_of(token or "")
    if tenant is None or token is None:
        return None
    record = store.get_token(tenant, credentials.digest(token), "access_token")
    if record is None or not record.is_active() or record.tenant_id != tenant:
        return None
    return record if _holder_still_valid(store, record) else None


def _holder_still_valid(store: OAuthStore, record: TokenRecord) -> bool:
    """The person and client a token was issued to still hold what it says: a removed
    person, a role changed since, or a revoked client ends the token at once."""
    if record.client_id != SESSION_CLIENT_ID:
        client = store.get_client(record.tenant_id, record.client_id)
        if client is None or client.disabled:
            return False
    if record.subject == record.client_id:  # a machine's own token: no person behind it
        return True
    person = store.get_person(record.tenant_id, record.subject)
    return (
        person is not None
        and not person.disabled
        and list(record.roles) == [person.role]
        and record.issued_at >= person.sessions_since
    )


def secure_cookies() -> bool:
    return os.environ.get("PUBLIC_BASE_URL", "").startswith("https://") or bool(
        os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and not os.environ.get("AWS_ENDPOINT_URL")
    )


@cache
def _dummy_hash() -> str:
    return credentials.hash_secret("not-a-real-password")
