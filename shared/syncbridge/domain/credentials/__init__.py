"""Each tenant's own credentials for each external system (its ERP, its sensor platform).

A tenant's admin sets them through `PUT /admin/credentials/{system}`; adapters get them by
`(tenant, system)` only, so a tenant without its own credentials gets a clear
`credentials_not_configured` (409), never another tenant's (or a deployment-wide) secret.
Values are validated per system and never returned or logged: reads say only whether a
system is configured and since when.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from syncbridge.domain.errors import InvalidInput, NotConfigured, NotFound


class CredentialsNotConfigured(NotConfigured):
    code = "credentials_not_configured"


class UnknownSystem(NotFound):
    code = "unknown_system"


def check_upstream_url(url: str, allow_loopback: bool) -> str:
    """https only (http just for loopback when running locally); never a private address
    literal, so a tenant cannot point our functions at the cloud's internal endpoints."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host in ("localhost", "127.0.0.1", "::1")
    if loopback and allow_loopback and parts.scheme in ("http", "https"):
        return url.rstrip("/")
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise ValueError("must be an https URL without user info")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if loopback or host.endswith((".internal", ".local")):
            raise ValueError("must not name an internal host") from None
        return url.rstrip("/")
    if not address.is_global:
        raise ValueError("must not be a private, loopback or link-local address")
    return url.rstrip("/")


class _Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=500)


class ErpCredentials(_Credentials):
    """Odoo (JSON-2 / XML-RPC) or a REST ERP: an API key or a password."""

    base_url: str | None = Field(default=None, description="The tenant's ERP server (https).")
    database: str | None = Field(default=None, max_length=100)
    login: str | None = Field(default=None, max_length=200)
    api_key: SecretStr | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _a_secret(self) -> ErpCredentials:
        if self.api_key is None and self.password is None:
            raise ValueError("give an api_key or a password")
        return self


class MicroshareCredentials(_Credentials):
    username: str = Field(min_length=1, max_length=200)
    password: SecretStr
    client_id: str = Field(min_length=1, max_length=200)
    api_url: str | None = None
    auth_url: str | None = None


SYSTEMS: dict[str, type[_Credentials]] = {
    "odoo": ErpCredentials,
    "resterp": ErpCredentials,
    "microshare": MicroshareCredentials,
}
URL_FIELDS = ("base_url", "api_url", "auth_url")


class CredentialStatus(BaseModel):
    system: str
    configured: bool
    updated_at: datetime | None = None


class CredentialRepository(Protocol):
    def get(self, tenant_id: str, system: str) -> dict[str, Any] | None: ...
    def put(self, tenant_id: str, system: str, value: dict[str, Any]) -> None: ...
    def updated_at(self, tenant_id: str, system: str) -> datetime | None: ...
    def delete(self, tenant_id: str, system: str) -> bool: ...


def _system(system: str) -> type[_Credentials]:
    try:
        return SYSTEMS[system]
    except KeyError:
        raise UnknownSystem(f"unknown system {system!r}", known=sorted(SYSTEMS)) from None


class CredentialService:
    def __init__(self, repo: CredentialRepository, *, allow_loopback: bool = False) -> None:
        self.repo = repo
        self.allow_loopback = allow_loopback

    def set(self, tenant_id: str, system: str, body: dict[str, Any]) -> CredentialStatus:
        """Validate and store `body` as the tenant's credentials for `system`."""
        model = _system(system)
        try:
            parsed = model.model_validate(body)
            for name in URL_FIELDS:
                if getattr(parsed, name, None):
                    check_upstream_url(getattr(parsed, name), self.allow_loopback)
        except (ValidationError, ValueError) as error:
            fields = (
                [
                    {"field": ".".join(map(str, e["loc"])) or "body", "type": e["type"]}
                    for e in error.errors()
                ]
                if isinstance(error, ValidationError)
                else [{"field": "url", "type": "url_refused"}]
            )
            raise InvalidInput(f"invalid {system} credentials", fields=fields) from None
        value = {
            k: (v.get_secret_value() if isinstance(v, SecretStr) else v)
            for k, v in parsed
            if v is not None
        }
        self.repo.put(tenant_id, system, value)
        return CredentialStatus(system=system, configured=True, updated_at=datetime.now(UTC))

    def status(self, tenant_id: str) -> list[CredentialStatus]:
        out = []
        for system in sorted(SYSTEMS):
            updated = self.repo.updated_at(tenant_id, system)
            out.append(
                CredentialStatus(system=system, configured=updated is not None, updated_at=updated)
            )
        return out

    def remove(self, tenant_id: str, system: str) -> CredentialStatus:
        _system(system)
        if not self.repo.delete(tenant_id, system):
            raise CredentialsNotConfigured(
                f"this tenant has no {system} credentials", system=system
            )
        return CredentialStatus(system=system, configured=False)

    def credentials(self, tenant_id: str, system: str) -> dict[str, Any]:
        """The tenant's own credentials for `system` (for adapters), or 409 not configured."""
        _system(system)
        value = self.repo.get(tenant_id, system)
        if not value:
            raise CredentialsNotConfigured(
                f"this tenant has not configured its {system} credentials; an admin sets them "
                f"with PUT /admin/credentials/{system}",
                system=system,
            )
        return value
