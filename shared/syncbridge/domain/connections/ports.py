"""The small interfaces the connection services depend on (DynamoDB, KMS, SQS and Ekos
implement them in production; tests pass in-memory fakes)."""

from __future__ import annotations

from typing import Protocol

from syncbridge.domain.connections.messages import ImportCommand
from syncbridge.domain.connections.models import (
    Connection,
    ConnectionStatus,
    PendingAuthorization,
    StoredConnection,
)


class TokenResponseLike(Protocol):
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    scope: str | None
    token_type: str


class OAuthPort(Protocol):
    """Our OAuth client at the ERP (`syncbridge.adapters.ekos.EkosOAuthClient`)."""

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str: ...

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str
    ) -> TokenResponseLike: ...

    def refresh(self, refresh_token: str) -> TokenResponseLike: ...

    def revoke(self, token: str, token_type_hint: str | None = None) -> None: ...


class TokenCipher(Protocol):
    """Envelope for tokens at rest; `context` is bound into the ciphertext (KMS
    EncryptionContext), so a ciphertext copied to another tenant's row will not decrypt."""

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes: ...

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes: ...


class ImportPublisher(Protocol):
    def publish(self, command: ImportCommand) -> None: ...


class ConnectionRepository(Protocol):
    def save_pending(self, pending: PendingAuthorization) -> None: ...

    def consume_pending(self, state: str) -> PendingAuthorization | None:
        """Atomically delete and return the attempt `state` names (None if unknown or
        already consumed). Expiry is the caller's check."""
        ...

    def get(self, tenant_id: str, connection_id: str) -> StoredConnection | None: ...

    def list(self, tenant_id: str) -> list[Connection]: ...

    def save_connected(
        self, connection: Connection, token_ciphertext: bytes, access_expires_at: float
    ) -> int:
        """Store a fresh grant (bumping the version so in-flight refreshes lose); returns it."""
        ...

    def acquire_refresh_lease(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        version: int,
        holder: str,
        now: float,
        until: float,
    ) -> bool:
        """Only one worker refreshes a given token version; False when another holds it."""
        ...

    def release_refresh_lease(self, tenant_id: str, connection_id: str, *, holder: str) -> None: ...

    def replace_tokens(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        expected_version: int,
        token_ciphertext: bytes,
        access_expires_at: float,
    ) -> bool:
        """Store rotated tokens iff the version is still `expected_version` (then +1)."""
        ...

    def set_status(
        self,
        tenant_id: str,
        connection_id: str,
        status: ConnectionStatus,
        *,
        error: str | None = None,
        drop_tokens: bool = False,
        expected_status: ConnectionStatus | None = None,
    ) -> bool:
        """Change the status (only from `expected_status` when given); False if unchanged."""
        ...
