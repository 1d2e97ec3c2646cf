"""Why connecting to (or using) an ERP connection failed, in words a person can act on.

Each error carries a stable `code` (machine-readable, safe to show: never a token or a
secret) and a `message` for the page or JSON body.
"""

from __future__ import annotations

from syncbridge.domain.errors import Conflict, DomainError, NotFound, UpstreamUnavailable


class ConnectionFlowError(DomainError):
    """A refused connection step (HTTP 400 unless a subclass mixes in another base error)."""

    code = "connection_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code  # type: ignore[misc]  # a more precise code for this instance


class InvalidState(ConnectionFlowError):
    """Unknown, expired, replayed or foreign `state`: the callback is not one we started."""

    code = "invalid_state"


class AuthorizationDenied(ConnectionFlowError):
    """Ekos redirected back with `error=...` (e.g. the person clicked Deny)."""

    code = "access_denied"


class InvalidCallback(ConnectionFlowError):
    code = "invalid_request"


class TokenExchangeFailed(ConnectionFlowError):
    """The Ekos token endpoint refused the code (reused, expired, wrong redirect URI...)."""

    code = "token_exchange_failed"


class ConnectionNotFound(NotFound, ConnectionFlowError):
    code = "connection_not_found"


class ReauthorizationRequired(Conflict, ConnectionFlowError):
    """The stored grant is dead (revoked at Ekos): the tenant must connect again."""

    code = "reauthorization_required"


class TokenRefreshTimeout(UpstreamUnavailable, ConnectionFlowError):
    """Another worker held the refresh lease too long; retry the operation later."""

    code = "token_refresh_busy"


class OAuthRefused(Exception):
    """The ERP's OAuth endpoint answered with an OAuth error code (adapters subclass it)."""

    error: str = "error"
    description: str | None = None


class ProviderUnavailable(Exception):
    """The ERP did not answer usefully (network, 5xx, rate limits); adapters subclass it."""
