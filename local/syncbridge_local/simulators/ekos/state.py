"""Everything the Ekos simulator remembers: clients, codes, tokens, records and scans.

Tests read it directly (`sim.state`) to check what the client did: which tokens were
issued and revoked, which refresh-token families were killed for reuse, which scans
arrived. All mutation goes through methods holding one lock (the server is threaded).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncbridge_local.simulators.ekos.dataset import RESOURCES, Dataset

CODE_TTL_SECONDS = 60


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    client_id: str
    family: str
    scope: str
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshToken:
    client_id: str
    family: str
    scope: str
    used: bool = False
    revoked: bool = False


@dataclass
class TokenError(Exception):
    """An OAuth error the token endpoint answers with (RFC 6749 §5.2)."""

    error: str
    description: str = ""
    status: int = 400


@dataclass
class State:
    dataset: Dataset
    access_token_ttl: float = 3600
    clock: Callable[[], float] = time.time
    clients: dict[str, RegisteredClient] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)
    token_requests: list[str] = field(default_factory=list)  # grant types, in order
    scans: dict[str, dict] = field(default_factory=dict)  # idempotency key -> stored scan
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    records: dict[str, list[dict]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.records = {r: [dict(rec) for rec in self.dataset.ekos[r]] for r in RESOURCES}

    # ---------------------------------------------------------------- clients
    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | str
    ) -> None:
        """Register (or replace) an OAuth client; the local runtime calls this with our
        client id/secret from Secrets Manager and the API's callback URL."""
        uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        with self._lock:
            self.clients[client_id] = RegisteredClient(client_id, client_secret, uris)

    def authenticate_client(self, client_id: str, client_secret: str) -> RegisteredClient | None:
        with self._lock:
            client = self.clients.get(client_id)
        if client and secrets.compare_digest(client.client_secret, client_secret):
            return client
        return None

    # ---------------------------------------------------------------- codes
    def issue_code(self, client_id: str, redirect_uri: str, challenge: str, scope: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = AuthorizationCode(
                client_id, redirect_uri, challenge, scope, self.clock() + CODE_TTL_SECONDS
            )
        return code

    def redeem_code(
        self, client: RegisteredClient, code: str, redirect_uri: str, verifier: str
    ) -> dict:
        with self._lock:
            grant = self.codes.get(code)
            if grant is None or grant.client_id != client.client_id:
                raise TokenError("invalid_grant", "unknown authorization code")
            if grant.used:
                # RFC 6749 §4.1.2: a reused code revokes what it produced.
                self._revoke_family(f"code:{code}")
                raise TokenError("invalid_grant", "authorization code already used")
            grant.used = True
            if grant.expires_at <= self.clock():
                raise TokenError("invalid_grant", "authorization code expired")
            if grant.redirect_uri != redirect_uri:
                raise TokenError(
                    "invalid_grant", "redirect_uri does not match the authorization request"
                )
            if not verifier or s256(verifier) != grant.code_challenge:
                raise TokenError("invalid_grant", "PKCE verification failed")
            self.token_requests.append("authorization_code")
            return self._issue_tokens(client.client_id, f"code:{code}", grant.scope)

    # ---------------------------------------------------------------- tokens
    def _issue_tokens(self, client_id: str, family: str, scope: str) -> dict:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access_tokens[access] = AccessToken(
            client_id, family, scope, self.clock() + self.access_token_ttl
        )
        self.refresh_tokens[refresh] = RefreshToken(client_id, family, scope)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_ttl) if self.access_token_ttl >= 1 else 1,
            "refresh_token": refresh,
            "scope": scope,
        }

    def refresh(self, client: RegisteredClient, token: str) -> dict:
        with self._lock:
            rt = self.refresh_tokens.get(token)
            if rt is None or rt.client_id != client.client_id:
                raise TokenError("invalid_grant", "unknown refresh token")
            if rt.used:
                # Rotation: a refresh token presented twice means theft; kill the family.
                self._revoke_family(rt.family)
                raise TokenError("invalid_grant", "refresh token already used")
            if rt.revoked or rt.family in self.revoked_families:
                raise TokenError("invalid_grant", "refresh token revoked")
            rt.used = True
            self.token_requests.append("refresh_token")
            return self._issue_tokens(client.client_id, rt.family, rt.scope)

    def _revoke_family(self, family: str) -> None:
        self.revoked_families.add(family)
        for t in self.access_tokens.values():
            if t.family == family:
                t.revoked = True
        for r in self.refresh_tokens.values():
            if r.family == family:
                r.revoked = True

    def revoke(self, client: RegisteredClient, token: str) -> None:
        """RFC 7009: revoking either token of a grant revokes the grant; unknown is fine."""
        with self._lock:
            found = self.access_tokens.get(token) or self.refresh_tokens.get(token)
            if found is not None and found.client_id == client.client_id:
                self._revoke_family(found.family)

    def check_access_token(self, token: str) -> AccessToken | None:
        with self._lock:
            at = self.access_tokens.get(token)
            if at is None or at.revoked or at.expires_at <= self.clock():
                return None
            return at

    def expire_access_token(self, token: str) -> None:
        with self._lock:
            if token in self.access_tokens:
                self.access_tokens[token].expires_at = self.clock() - 1

    def expire_all_access_tokens(self) -> None:
        with self._lock:
            for t in self.access_tokens.values():
                t.expires_at = min(t.expires_at, self.clock() - 1)

    def live_access_tokens(self) -> list[str]:
        now = self.clock()
        with self._lock:
            return [
                k for k, t in self.access_tokens.items() if not t.revoked and t.expires_at > now
            ]

    # ---------------------------------------------------------------- records
    def record_ids(self, resource: str) -> set[str]:
        with self._lock:
            return {r["id"] for r in self.records[resource]}

    def find(self, resource: str, record_id: str) -> dict | None:
        with self._lock:
            return next((r for r in self.records[resource] if r["id"] == record_id), None)

    def update(self, resource: str, record_id: str, **changes: object) -> dict:
        """Change a record the way a brewer would in Ekos: it moves to the end of the
        `updated_at, id` order. `deleted=True` turns it into a tombstone."""
        with self._lock:
            rows = self.records[resource]
            rec = next(r for r in rows if r["id"] == record_id)
            rec.update(changes)
            rec["updated_at"] = self._next_timestamp(rows)
            rows.sort(key=lambda r: (r["updated_at"], r["id"]))
            return dict(rec)

    def create(self, resource: str, record: dict) -> dict:
        with self._lock:
            rows = self.records[resource]
            rec = {"deleted": False, **record, "updated_at": self._next_timestamp(rows)}
            rows.append(rec)
            rows.sort(key=lambda r: (r["updated_at"], r["id"]))
            return dict(rec)

    def _next_timestamp(self, rows: list[dict]) -> str:
        now = datetime.fromtimestamp(self.clock(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        latest = max((r["updated_at"] for r in rows), default=now)
        return max(now, latest)

    def page(
        self, resource: str, after: tuple[str, str] | None, since: str | None, size: int
    ) -> tuple[list[dict], tuple[str, str] | None]:
        """Keyset page: records ordered by (updated_at, id), strictly after `after`."""
        with self._lock:
            rows = self.records[resource]
            out: list[dict] = []
            for rec in rows:
                key = (rec["updated_at"], rec["id"])
                if since is not None and rec["updated_at"] < since:
                    continue
                if after is not None and key <= after:
                    continue
                out.append(dict(rec))
                if len(out) > size:
                    break
        if len(out) > size:
            out = out[:size]
            return out, (out[-1]["updated_at"], out[-1]["id"])
        return out, None

    # ---------------------------------------------------------------- scans
    def received_scans(self) -> list[dict]:
        with self._lock:
            return [s["response"] for s in self.scans.values()]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
