"""Typed failures of the Ekos adapter, so callers decide on meaning, not status codes."""

from __future__ import annotations

from syncbridge.domain.connections.errors import OAuthRefused, ProviderUnavailable


class EkosError(Exception):
    """Any failure talking to Ekos."""


class EkosUnavailable(EkosError, ProviderUnavailable):
    """Ekos kept failing (429/5xx/network) after every allowed attempt; retry later."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class EkosUnauthorized(EkosError):
    """Ekos still refused the access token after a refresh: the connection needs attention."""


class EkosRequestRejected(EkosError):
    """Ekos answered 4xx to a request we built: a bug or bad data, retrying will not help."""

    def __init__(self, status: int, body: object) -> None:
        super().__init__(f"Ekos rejected the request with {status}")
        self.status = status
        self.body = body


class ScanRejected(EkosRequestRejected):
    """422 on a unit scan: `errors` is Ekos's list of {field, message}."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(422, {"errors": errors})
        self.errors = errors


class IdempotencyConflict(EkosRequestRejected):
    """409: the Idempotency-Key was already used with a different body."""

    def __init__(self, body: object) -> None:
        super().__init__(409, body)


class OAuthProtocolError(EkosError, OAuthRefused):
    """The Ekos token or revocation endpoint answered with an OAuth error
    (`invalid_grant`, `invalid_client`, ...). `error` is safe to show; it holds no secret."""

    def __init__(
        self, error: str, description: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status
