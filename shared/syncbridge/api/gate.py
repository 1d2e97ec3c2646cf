"""The one piece of code that enforces `syncbridge.api.policy` for every route.

`SyncBridgeResolver` (what `make_resolver` builds) calls `admit` after Powertools matched a
route and before anything else runs (request validation, middlewares, the handler):
1. the route's policy entry (none: 403 `no_policy`, fail closed);
2. principal, role and scope (401 `unauthorized` / 403 `forbidden` naming what is missing);
3. the throttles the entry names (429 + Retry-After);
4. the body limits at the edge (413, 415, 400, 422; see `syncbridge.api.edge`).
Handlers then read the caller with `caller(router)`: the tenant always comes from it.
"""

from __future__ import annotations

from typing import Any

from syncbridge.api import edge, throttle
from syncbridge.api.policy import RoutePolicy, policy_for
from syncbridge.api.principal import Principal, principal_from_event
from syncbridge.domain.errors import Forbidden, Unauthorized


class NoPolicy(Forbidden):
    code = "no_policy"


def admit(
    method: str,
    path: str,
    event: dict[str, Any],
    policies: dict[tuple[str, str], RoutePolicy] | None = None,
) -> Principal | None:
    """Let the request through (returning its principal) or raise the typed 4xx."""
    entry = policy_for(method, path, policies)
    if entry is None:
        raise NoPolicy("this route has no authorization policy")
    principal = principal_from_event(event)
    if not entry.public:
        if principal is None:
            raise Unauthorized("a bearer token or a signed-in session is required")
        if entry.role is not None and not principal.has_role(entry.role):
            raise Forbidden(f"this action needs the {entry.role} role", required_role=entry.role)
        if entry.scope is not None and not principal.has_scope(entry.scope):
            raise Forbidden(
                f"this action needs a token with the {entry.scope} scope",
                required_scope=entry.scope,
            )
    throttle.count(entry.throttle, event, principal)
    edge.check_request(event, entry.body)
    return principal


def caller(router: Any) -> Principal:
    """The principal the gate admitted for this request (routes with a role or scope)."""
    principal = principal_from_event(router.current_event.raw_event)
    if principal is None:  # only reachable on a public route that should not ask
        raise Unauthorized("a bearer token or a signed-in session is required")
    return principal


def actor(principal: Principal) -> str:
    """Who the principal is, for audit trails and bindings: the person, else the client."""
    return principal.subject or principal.client_id or "unknown"
