"""In-memory stand-ins for the connection services' ports (DynamoDB, KMS, SQS, Ekos OAuth).

They keep the semantics the services rely on: conditional version checks and leases in
the repository, context-bound ciphertexts in the cipher, and strict refresh-token
rotation (reuse revokes the family) in the OAuth fake.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from syncbridge.adapters.ekos.errors import EkosUnavailable, OAuthProtocolError
from syncbridge.adapters.ekos.models import TokenResponse
from syncbridge.domain.connections.messages import ImportCommand
from syncbridge.domain.connections.models import (
    Connection,
    PendingAuthorization,
    StoredConnection,
)
from syncbridge.domain.connections.pkce import s256_challenge


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeRepo:
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)
    rows: dict[tuple[str, str], dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    lease_grants: int = 0

    def save_pending(self, pending: PendingAuthorization) -> None:
        self.pending[pending.state] = pending

    def consume_pending(self, state: str) -> PendingAuthorization | None:
        with self.lock:
            return self.pending.pop(state, None)

    def get(self, tenant_id: str, connection_id: str) -> StoredConnection | None:
        with self.lock:
            row = self.rows.get((tenant_id, connection_id))
            if row is None:
                return None
            return StoredConnection(
                connection=row["connection"].model_copy(),
                version=row["version"],
                token_ciphertext=row["ciphertext"],
                access_expires_at=row["expires"],
            )

    def list(self, tenant_id: str) -> list[Connection]:
        return [r["connection"] for (t, _), r in self.rows.items() if t == tenant_id]

    def save_connected(
        self, connection: Connection, token_ciphertext: bytes, access_expires_at: float
    ) -> int:
        with self.lock:
            key = (connection.tenant_id, connection.connection_id)
            version = self.rows.get(key, {}).get("version", 0) + 1
            self.rows[key] = {"connection": connection, "version": version, "ciphertext": token_ciphertext,
                              "expires": access_expires_at, "lease": None}  # fmt: skip
            return version

    def acquire_refresh_lease(
        self, tenant_id, connection_id, *, version, holder, now, until
    ) -> bool:
        with self.lock:
            row = self.rows[(tenant_id, connection_id)]
            lease = row["lease"]
            if row["version"] != version or row["connection"].status != "active":
                return False
            if lease is not None and lease[1] >= now:
                return False
            row["lease"] = (holder, until)
            self.lease_grants += 1
            return True

    def release_refresh_lease(self, tenant_id, connection_id, *, holder) -> None:
        with self.lock:
            row = self.rows[(tenant_id, connection_id)]
            if row["lease"] and row["lease"][0] == holder:
                row["lease"] = None

    def replace_tokens(self, tenant_id, connection_id, *, expected_version, token_ciphertext,
                       access_expires_at) -> bool:  # fmt: skip
        with self.lock:
            row = self.rows[(tenant_id, connection_id)]
            if row["version"] != expected_version or row["connection"].status != "active":
                return False
            row.update(version=expected_version + 1, ciphertext=token_ciphertext,
                       expires=access_expires_at, lease=None)  # fmt: skip
            return True

    def set_status(
        self,
        tenant_id,
        connection_id,
        status,
        *,
        error=None,
        drop_tokens=False,
        expected_status=None,
    ) -> bool:
        with self.lock:
            row = self.rows.get((tenant_id, connection_id))
            if row is None:
                return False
            if expected_status and row["connection"].status != expected_status:
                return False
            row["connection"] = row["connection"].model_copy(
                update={"status": status, "last_error": error}
            )
            if drop_tokens:
                row.update(ciphertext=None, expires=None, lease=None, version=row["version"] + 1)
            return True


class FakeCipher:
    """Reversible, context-bound 'encryption' (not secure; shape only)."""

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        tag = repr(sorted(context.items())).encode()
        return b"SEALED|" + tag + b"|" + bytes(b ^ 0x5A for b in plaintext)

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        _, tag, body = ciphertext.split(b"|", 2)
        if tag != repr(sorted(context.items())).encode():
            raise ValueError("encryption context mismatch")
        return bytes(b ^ 0x5A for b in body)


@dataclass
class FakePublisher:
    sent: list[ImportCommand] = field(default_factory=list)

    def publish(self, command: ImportCommand) -> None:
        self.sent.append(command)


@dataclass
class FakeOAuth:
    """Ekos's token endpoint in memory, with strict rotation and family revocation."""

    expires_in: int = 3600
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (redirect, challenge)
    refresh_tokens: dict[str, dict] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)
    hints: list[str | None] = field(default_factory=list)  # the hint sent with each revocation
    refresh_calls: int = 0
    fail_exchange: str | None = None
    unavailable: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    refresh_delay: threading.Event | None = None
    reuse_revokes_family: bool = True  # False: a provider with a reuse grace window

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        code = f"code-{next(self.counter)}"
        self.codes[code] = (redirect_uri, s256_challenge(code_verifier))
        return f"https://ekos.test/oauth/authorize?state={state}&code_challenge={s256_challenge(code_verifier)}&x={code}"

    def _issue(self, family: str) -> TokenResponse:
        n = next(self.counter)
        refresh = f"rt-{family}-{n}"
        self.refresh_tokens[refresh] = {"family": family, "used": False, "revoked": False}
        return TokenResponse(access_token=f"at-{family}-{n}", refresh_token=refresh, expires_in=self.expires_in,
                             scope="read write")  # fmt: skip

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenResponse:
        if self.unavailable:
            raise EkosUnavailable("down", status=503)
        if self.fail_exchange:
            raise OAuthProtocolError(self.fail_exchange, "refused")
        grant = self.codes.pop(code, None)
        if grant is None or grant[0] != redirect_uri or grant[1] != s256_challenge(code_verifier):
            raise OAuthProtocolError("invalid_grant", "bad code")
        return self._issue(family=code)

    def refresh(self, refresh_token: str) -> TokenResponse:
        if self.refresh_delay is not None:
            self.refresh_delay.wait(2)
        with self.lock:
            self.refresh_calls += 1
            rt = self.refresh_tokens.get(refresh_token)
            if rt is None or rt["revoked"]:
                raise OAuthProtocolError("invalid_grant", "unknown or revoked")
            if rt["used"] and not self.reuse_revokes_family:
                raise OAuthProtocolError("invalid_grant", "already rotated")
            if rt["used"]:
                for other in self.refresh_tokens.values():
                    if other["family"] == rt["family"]:
                        other["revoked"] = True
                raise OAuthProtocolError("invalid_grant", "reused")
            rt["used"] = True
            return self._issue(rt["family"])

    def family_revoked(self, family: str) -> bool:
        return any(r["revoked"] for r in self.refresh_tokens.values() if r["family"] == family)

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        if self.unavailable:
            raise EkosUnavailable("down", status=503)
        self.revoked.append(token)
        self.hints.append(token_type_hint)
