"""Connecting a tenant to Ekos: start (authorize redirect), complete (callback), disconnect.

The callback trusts nothing in its query but the `state` it can consume exactly once:
the state names the tenant, PKCE verifier and redirect URI we bound when starting. Any
failure (unknown/expired/replayed state, `error=access_denied`, a token endpoint error)
raises a `ConnectionFlowError` before anything is stored.
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel

from syncbridge.domain.connections.errors import (
    AuthorizationDenied,
    ConnectionNotFound,
    InvalidCallback,
    InvalidState,
    OAuthRefused,
    ProviderUnavailable,
    TokenExchangeFailed,
)
from syncbridge.domain.connections.messages import IMPORT_ORDER, ImportCommand
from syncbridge.domain.connections.models import (
    Connection,
    PendingAuthorization,
    TokenSet,
)
from syncbridge.domain.connections.pkce import new_code_verifier, new_state
from syncbridge.domain.connections.ports import (
    ConnectionRepository,
    ImportPublisher,
    OAuthPort,
    TokenCipher,
    TokenResponseLike,
)
from syncbridge.domain.sync.schedules import ConnectionSchedules
from syncbridge.observability import logger

STATE_TTL_SECONDS = 600
DEFAULT_EXPIRES_IN = 3600

# Authorization errors Ekos may send back (RFC 6749 §4.1.2.1), in words for a person.
AUTHORIZE_ERRORS = {
    "access_denied": "You declined to give Sync Bridge access to Ekos, so nothing was connected.",
    "invalid_request": "Ekos rejected the connection request as malformed.",
    "unauthorized_client": "Ekos does not allow Sync Bridge to connect this way.",
    "unsupported_response_type": "Ekos does not support this kind of connection request.",
    "invalid_scope": "Ekos did not accept the access Sync Bridge asked for.",
    "server_error": "Ekos had an internal error while authorizing. Please try again.",
    "temporarily_unavailable": "Ekos is temporarily unavailable. Please try again shortly.",
}


class CallbackQuery(BaseModel):
    """What Ekos appends to our redirect URI."""

    state: str | None = None
    code: str | None = None
    error: str | None = None
    error_description: str | None = None


class ConnectResult(BaseModel):
    connection: Connection
    run_id: str


def token_context(tenant_id: str, connection_id: str) -> dict[str, str]:
    """The KMS EncryptionContext binding a ciphertext to its row."""
    return {"tenant": tenant_id, "connection": connection_id}


def encode_tokens(tokens: TokenSet) -> bytes:
    return tokens.model_dump_json().encode("utf-8")


def decode_tokens(plaintext: bytes) -> TokenSet:
    return TokenSet.model_validate_json(plaintext)


def token_set_from(
    response: TokenResponseLike, now: float, previous_refresh: str | None = None
) -> TokenSet:
    return TokenSet(
        access_token=response.access_token,
        refresh_token=response.refresh_token or previous_refresh,
        expires_at=now + (response.expires_in or DEFAULT_EXPIRES_IN),
        token_type=response.token_type or "Bearer",
        scope=response.scope,
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ConnectionService:
    def __init__(
        self,
        repo: ConnectionRepository,
        cipher: TokenCipher,
        oauth: OAuthPort,
        publisher: ImportPublisher,
        *,
        erp: str = "ekos",
        clock: Callable[[], float] = time.time,
        schedules: ConnectionSchedules | None = None,
    ) -> None:
        self.repo = repo
        self.cipher = cipher
        self.oauth = oauth
        self.publisher = publisher
        self.erp = erp
        self.clock = clock
        self.schedules = schedules

    @property
    def connection_id(self) -> str:
        """One connection per tenant and ERP (`DELETE /connections/ekos` names it)."""
        return self.erp

    # ---------------------------------------------------------------- start
    def start_connection(
        self, tenant_id: str, redirect_uri: str, *, started_by: str, browser_binding: str
    ) -> str:
        """Remember a fresh state + PKCE verifier for `tenant_id`, bound to who started it
        and to their browser (`browser_binding`: the digest of a nonce in their cookie);
        return the authorize URL."""
        if not started_by or not browser_binding:
            raise InvalidState("a connection must be started by a signed-in person")
        state, verifier = new_state(tenant_id), new_code_verifier()
        self.repo.save_pending(
            PendingAuthorization(
                tenant_id=tenant_id,
                connection_id=self.connection_id,
                erp=self.erp,
                state=state,
                code_verifier=verifier,
                redirect_uri=redirect_uri,
                expires_at=self.clock() + STATE_TTL_SECONDS,
                started_by=started_by,
                browser_binding=browser_binding,
            )
        )
        logger.info("ekos connection started", extra={"tenant_id": tenant_id})
        return self.oauth.authorization_url(
            redirect_uri=redirect_uri, state=state, code_verifier=verifier
        )

    # ---------------------------------------------------------------- callback
    def complete_connection(
        self,
        query: CallbackQuery,
        *,
        principal_tenant: str,
        principal_subject: str,
        browser_binding: str,
    ) -> ConnectResult:
        """Finish what the SAME person started in the SAME browser: the state is consumed
        (single use) and must match the caller's tenant, identity and browser binding."""
        if not query.state:
            raise InvalidState("The response from Ekos has no state; start connecting again.")
        pending = self.repo.consume_pending(query.state)
        if pending is None:
            raise InvalidState(
                "This connection link is unknown or was already used. Start connecting again."
            )
        if pending.expires_at <= self.clock():
            raise InvalidState("This connection attempt expired. Start connecting again.")
        same_session = (
            principal_tenant == pending.tenant_id
            and principal_subject == pending.started_by
            and bool(pending.browser_binding)
            and hmac.compare_digest(pending.browser_binding, browser_binding)
        )
        if not same_session:
            logger.warning(
                "ekos callback not from the session that started it",
                extra={"tenant_id": principal_tenant},
            )
            raise InvalidState(
                "This connection link was started by someone else (or in another browser). "
                "Nothing was connected; start connecting again from your own account."
            )
        tenant, connection_id = pending.tenant_id, pending.connection_id
        if query.error:
            message = AUTHORIZE_ERRORS.get(query.error, "Ekos refused the connection.")
            logger.info(
                "ekos authorization refused", extra={"tenant_id": tenant, "error": query.error}
            )
            raise AuthorizationDenied(message, code=_safe_code(query.error))
        if not query.code:
            raise InvalidCallback("The response from Ekos has neither a code nor an error.")

        try:
            response = self.oauth.exchange_code(
                code=query.code,
                redirect_uri=pending.redirect_uri,
                code_verifier=pending.code_verifier,
            )
        except OAuthRefused as exc:
            logger.warning(
                "ekos token exchange refused", extra={"tenant_id": tenant, "error": exc.error}
            )
            raise TokenExchangeFailed(
                f"Ekos refused to complete the connection ({_safe_code(exc.error)}). Start connecting again.",
                code=_safe_code(exc.error),
            ) from None
        except ProviderUnavailable:
            logger.warning("ekos token endpoint unavailable", extra={"tenant_id": tenant})
            raise TokenExchangeFailed(
                "Ekos is not answering right now. Please try connecting again in a few minutes.",
                code="temporarily_unavailable",
            ) from None

        now = self.clock()
        tokens = token_set_from(response, now)
        ciphertext = self.cipher.encrypt(
            encode_tokens(tokens), token_context(tenant, connection_id)
        )
        connection = Connection(
            tenant_id=tenant,
            connection_id=connection_id,
            erp=self.erp,
            status="active",
            scopes=(tokens.scope or "").split(),
            connected_at=_iso(now),
            updated_at=_iso(now),
        )
        self.repo.save_connected(connection, ciphertext, tokens.expires_at)
        run_id = uuid.uuid4().hex
        self.publisher.publish(
            ImportCommand(
                tenant_id=tenant,
                connection_id=connection_id,
                erp="ekos",
                resource_type=IMPORT_ORDER[0],
                run_id=run_id,
            )
        )
        self._schedule(tenant, connection_id, create=True)
        logger.info(
            "ekos connected; import enqueued", extra={"tenant_id": tenant, "run_id": run_id}
        )
        return ConnectResult(connection=connection, run_id=run_id)

    def _schedule(self, tenant_id: str, connection_id: str, create: bool) -> None:
        """The connection's sync schedules follow it; a Scheduler failure never undoes the
        connection (the sync status shows the missing schedules)."""
        if self.schedules is None:
            return
        try:
            if create:
                self.schedules.ensure(tenant_id, connection_id)
            else:
                self.schedules.remove(tenant_id, connection_id)
        except Exception:
            logger.exception(
                "connection schedules not updated",
                extra={"tenant_id": tenant_id, "create": create},
            )

    # ---------------------------------------------------------------- disconnect
    def disconnect(self, tenant_id: str, connection_id: str | None = None) -> Connection:
        """Revoke the grant at Ekos (RFC 7009), then forget the tokens. A revocation that
        fails is logged and the local tokens are dropped anyway: we never keep a grant the
        tenant asked us to give up."""
        connection_id = connection_id or self.connection_id
        stored = self.repo.get(tenant_id, connection_id)
        if stored is None or stored.connection.status == "disconnected":
            raise ConnectionNotFound("There is no active Ekos connection to disconnect.")
        if stored.token_ciphertext:
            tokens = decode_tokens(
                self.cipher.decrypt(
                    stored.token_ciphertext, token_context(tenant_id, connection_id)
                )
            )
            self._revoke(tenant_id, tokens)
        self.repo.set_status(tenant_id, connection_id, "disconnected", drop_tokens=True)
        self._schedule(tenant_id, connection_id, create=False)
        logger.info("ekos disconnected", extra={"tenant_id": tenant_id})
        stored.connection.status = "disconnected"
        return stored.connection

    def _revoke(self, tenant_id: str, tokens: TokenSet) -> None:
        pairs = [(tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")]
        for token, hint in pairs:
            if not token:
                continue
            try:
                self.oauth.revoke(token, hint)
            except (OAuthRefused, ProviderUnavailable) as exc:
                logger.warning(
                    "ekos revocation failed",
                    extra={"tenant_id": tenant_id, "hint": hint, "reason": type(exc).__name__},
                )

    # ---------------------------------------------------------------- list
    def list_connections(self, tenant_id: str) -> list[Connection]:
        return self.repo.list(tenant_id)


def _safe_code(value: str) -> str:
    """An OAuth error code is ASCII letters and underscores; anything else is not shown."""
    return (
        value
        if value and len(value) <= 64 and all(c.isalnum() or c == "_" for c in value)
        else "error"
    )
