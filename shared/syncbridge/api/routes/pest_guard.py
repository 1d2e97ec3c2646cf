"""Who may call the pest-control API, and how often.

Every route needs a principal (our OAuth server's token, resolved by the authorizer into
`requestContext.authorizer`); the tenant always comes from it, never from the URL or body.
Roles: viewer reads, operator changes devices and runs syncs, admin changes configuration;
the token must also carry the matching scope (pest:read, pest:write, admin).
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
ROLE_SCOPE = {"viewer": "pest:read", "operator": "pest:write", "admin": "admin"}

_limiter: RateLimiter | None = None
_limiter_env: tuple[str, str] | None = None


def _env() -> tuple[str, str]:
    return (
        os.environ.get("PEST_RATE_LIMIT_PER_SECOND", "20"),
        os.environ.get("PEST_RATE_LIMIT_BURST", "40"),
    )


def limiter() -> RateLimiter:
    """The container's limiter, sized by PEST_RATE_LIMIT_PER_SECOND / PEST_RATE_LIMIT_BURST."""
    global _limiter, _limiter_env
    env = _env()
    if _limiter is None or env != _limiter_env:
        _limiter = RateLimiter(float(env[0]), int(env[1]))
        _limiter_env = env
    return _limiter


def use_limiter(replacement: RateLimiter | None) -> None:
    """Install a limiter (tests); None goes back to the one the environment sizes."""
    global _limiter, _limiter_env
    _limiter = replacement
    _limiter_env = _env() if replacement is not None else None


def reset_limiter() -> None:
    use_limiter(None)


def require(router: Any, role: str) -> Principal:
    """The caller, if it holds at least `role`; 401 without a principal, 403 without the role."""
    principal = principal_from_event(router.current_event.raw_event)
    if principal is None:
        raise Unauthorized("a bearer token is required")
    if not principal.has_role(role):
        raise Forbidden(f"this action needs the {role} role", required_role=role)
    scope = ROLE_SCOPE[role]
    if not principal.has_scope(scope):
        raise Forbidden(f"this action needs a token with the {scope} scope", required_scope=scope)
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
