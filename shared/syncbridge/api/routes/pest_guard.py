"""Who may call the pest-control API, and how often.

Every route needs a principal (our OAuth server's token, resolved by the authorizer into
`requestContext.authorizer`); the tenant always comes from it, never from the URL or body.
Roles: viewer reads, operator changes devices and runs syncs, admin changes configuration.
A per-tenant token bucket (in memory, per container) answers 429 with Retry-After.
"""

from __future__ import annotations

import os
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from syncbridge.api.principal import Principal, principal_from_event
from syncbridge.api.resolver import error_response
from syncbridge.domain.errors import Forbidden, Unauthorized
from syncbridge.domain.pest.ratelimit import RateLimiter
from syncbridge.observability import metrics

PUBLIC_PATHS = ("/api/v1/erp/openapi.json", "/api/v1/erp/swagger")

_limiter: RateLimiter | None = None


def limiter() -> RateLimiter:
    """The container's limiter, sized by PEST_RATE_LIMIT_PER_SECOND / PEST_RATE_LIMIT_BURST."""
    global _limiter
    rate = float(os.environ.get("PEST_RATE_LIMIT_PER_SECOND", "20"))
    burst = int(os.environ.get("PEST_RATE_LIMIT_BURST", "40"))
    if _limiter is None or _limiter.rate != rate or _limiter.burst != burst:
        _limiter = RateLimiter(rate, burst)
    return _limiter


def reset_limiter() -> None:
    global _limiter
    _limiter = None


def require(router: Any, role: str) -> Principal:
    """The caller, if it holds at least `role`; 401 without a principal, 403 without the role."""
    principal = principal_from_event(router.current_event.raw_event)
    if principal is None:
        raise Unauthorized("a bearer token is required")
    if not principal.has_role(role):
        raise Forbidden(f"this action needs the {role} role", required_role=role)
    return principal


def actor(principal: Principal) -> str:
    """Who to name in the audit trail."""
    return principal.subject or principal.client_id or "unknown"


def guard(app: Any, next_middleware: NextMiddleware) -> Response:
    """Global middleware: authenticate, then rate-limit per tenant."""
    path = app.current_event.path or ""
    if path.startswith(PUBLIC_PATHS):
        return next_middleware(app)
    principal = principal_from_event(app.current_event.raw_event)
    if principal is None:
        return error_response(HTTPStatus.UNAUTHORIZED, "unauthorized", "a bearer token is required")
    wait = limiter().acquire(principal.tenant_id)
    if wait > 0:
        metrics.add_metric(name="PestApiThrottled", unit="Count", value=1)
        response = error_response(
            HTTPStatus.TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests for this tenant; retry later",
            retry_after_seconds=RateLimiter.retry_after_header(wait),
        )
        response.headers["Retry-After"] = RateLimiter.retry_after_header(wait)
        return response
    return next_middleware(app)
