"""A `TokenProvider` for the Ekos client backed by the Connections repository.

Refresh tokens rotate at Ekos and presenting a used one kills the whole grant, so two
workers must never refresh the same token. Before refreshing, a worker takes a lease
conditioned on the stored token version; the others wait and then use the winner's
tokens. The rotated tokens are written with a version-conditioned update. If the lease
still lost a race (it expired mid-refresh), our conditional write fails or Ekos says
`invalid_grant`: we re-read and adopt the stored winner instead of locking the tenant out.
Only when no newer tokens exist is the connection marked `reauthorization_required`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from syncbridge.domain.connections.errors import (
    OAuthRefused,
    ProviderUnavailable,
    ReauthorizationRequired,
    TokenRefreshTimeout,
)
from syncbridge.domain.connections.models import StoredConnection, TokenSet
from syncbridge.domain.connections.ports import ConnectionRepository, OAuthPort, TokenCipher
from syncbridge.domain.connections.service import (
    decode_tokens,
    encode_tokens,
    token_context,
    token_set_from,
)
from syncbridge.observability import logger

REFRESH_SKEW_SECONDS = 60
LEASE_SECONDS = 30


class StoredTokenProvider:
    def __init__(
        self,
        repo: ConnectionRepository,
        cipher: TokenCipher,
        oauth: OAuthPort,
        tenant_id: str,
        connection_id: str,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        skew: float = REFRESH_SKEW_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        wait_seconds: float = LEASE_SECONDS + 5,
        poll_seconds: float = 0.2,
    ) -> None:
        self.repo, self.cipher, self.oauth = repo, cipher, oauth
        self.tenant_id, self.connection_id = tenant_id, connection_id
        self.clock, self.sleep = clock, sleep
        self.skew, self.lease_seconds = skew, lease_seconds
        self.wait_seconds, self.poll_seconds = wait_seconds, poll_seconds
        self.holder = uuid.uuid4().hex
        self._tokens: TokenSet | None = None
        self._version = -1

    # ---------------------------------------------------------------- TokenProvider
    def get_access_token(self) -> str:
        if self._tokens is None:
            self._load()
        assert self._tokens is not None
        if self._tokens.expires_within(self.skew, self.clock()):
            self._refresh(force=False)
        return self._tokens.access_token

    def on_unauthorized(self, rejected: str | None = None) -> None:
        """Ekos rejected our access token (expired early or revoked): get a new one, unless
        the token Ekos refused (`rejected`) is no longer the one we hold."""
        if self._tokens is None:
            self._load()
        assert self._tokens is not None
        if rejected is not None and rejected != self._tokens.access_token:
            return
        self._refresh(force=True)

    # ---------------------------------------------------------------- internals
    def _read(self) -> StoredConnection:
        stored = self.repo.get(self.tenant_id, self.connection_id)
        if stored is None or stored.connection.status != "active" or not stored.token_ciphertext:
            status = stored.connection.status if stored else "missing"
            raise ReauthorizationRequired(f"The Ekos connection is {status}; connect again.")
        return stored

    def _load(self) -> None:
        stored = self._read()
        context = token_context(self.tenant_id, self.connection_id)
        self._tokens = decode_tokens(self.cipher.decrypt(stored.token_ciphertext or b"", context))
        self._version = stored.version

    def _refresh(self, *, force: bool) -> None:
        stale_version = self._version
        deadline = self.clock() + self.wait_seconds
        while True:
            self._load()
            assert self._tokens is not None
            now = self.clock()
            if self._version != stale_version:
                return  # another worker already refreshed: use its tokens
            if not force and not self._tokens.expires_within(self.skew, now):
                return
            if self.repo.acquire_refresh_lease(
                self.tenant_id,
                self.connection_id,
                version=self._version,
                holder=self.holder,
                now=now,
                until=now + self.lease_seconds,
            ):
                self._refresh_holding_lease()
                return
            if self.clock() >= deadline:
                raise TokenRefreshTimeout("Another worker is still refreshing the Ekos token.")
            self.sleep(self.poll_seconds)

    def _refresh_holding_lease(self) -> None:
        assert self._tokens is not None
        version, old = self._version, self._tokens
        if not old.refresh_token:
            self._dead("no refresh token")
        try:
            response = self.oauth.refresh(old.refresh_token or "")
        except OAuthRefused as exc:
            if exc.error == "invalid_grant" and self._adopt_newer(version):
                logger.info(
                    "ekos refresh lost a race; using the winner's tokens",
                    extra={"tenant_id": self.tenant_id},
                )
                return
            if exc.error == "invalid_grant":
                self._dead("invalid_grant")
            self.repo.release_refresh_lease(self.tenant_id, self.connection_id, holder=self.holder)
            raise
        except Exception:
            self.repo.release_refresh_lease(self.tenant_id, self.connection_id, holder=self.holder)
            raise
        tokens = token_set_from(response, self.clock(), previous_refresh=old.refresh_token)
        ciphertext = self.cipher.encrypt(
            encode_tokens(tokens), token_context(self.tenant_id, self.connection_id)
        )
        if self.repo.replace_tokens(
            self.tenant_id,
            self.connection_id,
            expected_version=version,
            token_ciphertext=ciphertext,
            access_expires_at=tokens.expires_at,
        ):
            self._tokens, self._version = tokens, version + 1
            logger.info(
                "ekos token refreshed", extra={"tenant_id": self.tenant_id, "version": version + 1}
            )
            return
        # Someone stored newer tokens while we refreshed (our lease had expired), or the
        # tenant disconnected meanwhile: the stored state wins; ours must not linger at Ekos.
        self._discard(tokens)
        if not self._adopt_newer(version):
            raise ReauthorizationRequired(
                "The Ekos connection changed while refreshing; connect again."
            )
        logger.info(
            "ekos refresh write lost; using the stored tokens", extra={"tenant_id": self.tenant_id}
        )

    def _adopt_newer(self, version: int) -> bool:
        stored = self.repo.get(self.tenant_id, self.connection_id)
        if stored is None or stored.version == version or not stored.token_ciphertext:
            return False
        if stored.connection.status != "active":
            return False
        self._load()
        return True

    def _discard(self, tokens: TokenSet) -> None:
        try:
            self.oauth.revoke(tokens.refresh_token or tokens.access_token, "refresh_token")
        except (OAuthRefused, ProviderUnavailable):
            logger.warning(
                "could not revoke discarded ekos tokens", extra={"tenant_id": self.tenant_id}
            )

    def _dead(self, reason: str) -> None:
        logger.warning(
            "ekos grant is no longer valid", extra={"tenant_id": self.tenant_id, "reason": reason}
        )
        self.repo.set_status(
            self.tenant_id,
            self.connection_id,
            "reauthorization_required",
            error="Ekos no longer accepts this connection; connect again.",
            expected_status="active",  # never overwrite a disconnect
            drop_tokens=True,
        )
        raise ReauthorizationRequired("Ekos no longer accepts this connection; connect again.")
