"""What we know about a tenant's ERP connection, and the short-lived authorization attempt."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ConnectionStatus = Literal["active", "reauthorization_required", "disconnected"]


class TokenSet(BaseModel):
    """The tokens of one connection. Lives only in memory and encrypted at rest."""

    model_config = ConfigDict(frozen=True)

    access_token: str = Field(repr=False)
    refresh_token: str | None = Field(default=None, repr=False)
    expires_at: float
    token_type: str = "Bearer"
    scope: str | None = None

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        return self.expires_at - seconds <= (time.time() if now is None else now)


class Connection(BaseModel):
    """A connection as shown to its tenant (no tokens here, ever)."""

    tenant_id: str
    connection_id: str
    erp: str
    status: ConnectionStatus
    scopes: list[str] = Field(default_factory=list)
    connected_at: str | None = None
    updated_at: str | None = None
    last_error: str | None = None


class StoredConnection(BaseModel):
    """A connection as the repository holds it: the encrypted tokens and their version."""

    connection: Connection
    version: int = 0
    token_ciphertext: bytes | None = Field(default=None, repr=False)
    access_expires_at: float | None = None


class PendingAuthorization(BaseModel):
    """An authorize redirect we started: bound to the tenant, PKCE verifier and redirect
    URI, valid for 10 minutes, consumed exactly once by the callback."""

    tenant_id: str
    connection_id: str
    erp: str
    state: str = Field(repr=False)
    code_verifier: str = Field(repr=False)
    redirect_uri: str
    expires_at: float
    # Who started it, and the SHA-256 of a nonce only their browser holds (a cookie): the
    # callback completes only for the same person in the same browser (no hijack by link).
    started_by: str = ""
    browser_binding: str = Field(default="", repr=False)
