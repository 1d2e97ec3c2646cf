"""The one HTTP core every adapter builds on (not an adapter itself): bearer tokens,
Retry-After-aware retries that respect idempotency, one renew-after-401, and a status →
error table per adapter."""

from syncbridge.adapters.http.core import (
    IDEMPOTENT_METHODS,
    SUCCESS,
    BearerTokens,
    ErrorFactory,
    Failure,
    HttpCore,
    StatusTable,
)
from syncbridge.adapters.http.retry import RetryPolicy, retry_after_seconds

__all__ = [
    "IDEMPOTENT_METHODS",
    "SUCCESS",
    "BearerTokens",
    "ErrorFactory",
    "Failure",
    "HttpCore",
    "RetryPolicy",
    "StatusTable",
    "retry_after_seconds",
]
