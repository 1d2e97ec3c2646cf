"""Errors a domain service raises when a request cannot be honoured.

Services know nothing about HTTP; each error carries a stable machine-readable `code` and
the HTTP status the API edge (`syncbridge.api.resolver`) turns it into. Subclass the one
that fits (e.g. `class ConnectionNotFound(NotFound): code = "connection_not_found"`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every expected failure; the message is safe to show to the caller."""

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = 400
    headers: dict[str, str] = {}  # extra response headers (e.g. Retry-After)

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class UpstreamUnavailable(DomainError):
    """An external system (ERP, sensor platform) failed or throttled us; retry later."""

    code = "upstream_unavailable"
    http_status = 503


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    http_status = 415


class MalformedBody(DomainError):
    code = "malformed_body"
    http_status = 400


class InvalidEncoding(DomainError):
    """Bytes that are not UTF-8, or a string with a lone surrogate."""

    code = "invalid_encoding"
    http_status = 400


class JsonTooDeep(DomainError):
    code = "json_too_deep"
    http_status = 400


class NumberTooLarge(DomainError):
    code = "number_too_large"
    http_status = 422


class RateLimited(DomainError):
    """Too many requests for one key (tenant, client, person); retry after `retry_after` s."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after_seconds=retry_after, **details)
        self.headers = {"Retry-After": str(retry_after)}


class NotConfigured(DomainError):
    """The tenant has not set what this needs (e.g. its own ERP credentials)."""

    code = "not_configured"
    http_status = 409
