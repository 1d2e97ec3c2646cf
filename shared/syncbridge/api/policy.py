"""Who may call which route: ONE table, enforced by one gate (`syncbridge.api.gate`).

Every route of every resolver (the main API, the pest-control API, our OAuth server) has an
entry keyed by `(METHOD, "/path/{param}")` (the template's spelling). An entry says:

- `role`: the least role the caller must hold (viewer < operator < admin), or None when any
  authenticated caller will do (machines such as an ERP pushing events);
- `scope`: the scope the token must carry (a person's session carries its role's scopes,
  a machine's token what its client was granted);
- `public`: no principal needed (sign-in, token endpoint, health, API descriptions);
- `body`: what the request body may be (`json`, `form` or `none`), checked at the edge
  with the size, depth, number and UTF-8 limits of `syncbridge.api.edge`;
- `throttle`: which DynamoDB-kept counters the request counts against (see
  `syncbridge.api.throttle`): `tenant` (every authenticated route), `token` (client id and
  source address at /oauth/token), `login` (tenant + user name and source address).

A route without an entry is refused (fail closed); `tests/unit/api/test_policy.py`
enumerates every route of every resolver and of template.yaml and fails on any gap.
Pages and clients (e.g. the app shell's role-aware navigation) read `allowed(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from syncbridge.api.principal import ROLE_ORDER, Principal

Role = Literal["viewer", "operator", "admin"]
BodyKind = Literal["json", "form", "none"]
ThrottleKind = Literal["tenant", "token", "login"]


@dataclass(frozen=True)
class RoutePolicy:
    role: Role | None = None
    scope: str | None = None
    public: bool = False
    body: BodyKind = "none"
    throttle: tuple[ThrottleKind, ...] = ("tenant",)

    def permits(self, principal: Principal | None) -> bool:
        """True when `principal` may call a route with this policy (no side effects)."""
        if self.public:
            return True
        if principal is None:
            return False
        if self.role is not None and not principal.has_role(self.role):
            return False
        return self.scope is None or principal.has_scope(self.scope)


def _public(body: BodyKind = "none", throttle: tuple[ThrottleKind, ...] = ()) -> RoutePolicy:
    return RoutePolicy(public=True, body=body, throttle=throttle)


def _needs(role: Role | None, scope: str, body: BodyKind = "none") -> RoutePolicy:
    return RoutePolicy(role=role, scope=scope, body=body)


# The role -> scope pairs each area uses (a token must carry both the role and the scope).
SETUP_READ = _needs("viewer", "setup:read")
SETUP_WRITE = _needs("operator", "setup:write", "json")
PEST_READ = _needs("viewer", "pest:read")
PEST_WRITE = _needs("operator", "pest:write", "json")
ADMIN = _needs("admin", "admin")
ADMIN_JSON = _needs("admin", "admin", "json")

POLICIES: dict[tuple[str, str], RoutePolicy] = {
    # ------------------------------------------------------------ main API (functions/api)
    ("GET", "/health"): _public(),
    ("GET", "/openapi.json"): _public(),
    ("GET", "/connections"): SETUP_READ,
    ("GET", "/connections/ekos/start"): ADMIN,
    # The person who started connecting must finish it (state bound to their session).
    ("GET", "/oauth/ekos/callback"): ADMIN,
    ("DELETE", "/connections/ekos"): ADMIN,
    ("GET", "/admin/credentials"): ADMIN,
    ("PUT", "/admin/credentials/{system}"): ADMIN_JSON,
    ("DELETE", "/admin/credentials/{system}"): ADMIN,
    ("POST", "/api/v1/erp/{erp}/events"): _needs(None, "events:write", "json"),
    # The app's pages are public shells without data: their scripts call the routes below
    # and send a signed-out visitor to sign-in (syncbridge.api.shell).
    ("GET", "/"): _public(),
    ("GET", "/setup"): _public(),
    ("GET", "/app/connections"): _public(),
    ("GET", "/app/pest"): _public(),
    ("GET", "/app/settings"): _public(),
    ("GET", "/me"): SETUP_READ,  # a signed-in person (every role reads): who am I, what may I do
    ("GET", "/setup/{resource_type}/summary"): SETUP_READ,
    ("POST", "/setup/{resource_type}/home-records"): SETUP_WRITE,
    ("GET", "/setup/state"): SETUP_READ,
    ("GET", "/setup/{resource_type}/proposals"): SETUP_READ,
    ("GET", "/setup/{resource_type}/candidates"): SETUP_READ,
    ("PUT", "/setup/{resource_type}/proposals/{external_id}"): SETUP_WRITE,
    ("POST", "/setup/{resource_type}/accept-confident"): SETUP_WRITE,
    ("POST", "/setup/{resource_type}/submit"): _needs("operator", "setup:write"),
    ("POST", "/setup/{resource_type}/retry"): _needs("operator", "setup:write"),
    # staying in sync: status page, review items, refused scans, audit, dead letters
    ("GET", "/sync"): SETUP_READ,
    ("GET", "/sync/status"): SETUP_READ,
    ("GET", "/sync/review/{resource_type}"): SETUP_READ,
    ("PUT", "/sync/review/{resource_type}/{external_id}"): SETUP_WRITE,
    ("GET", "/sync/scans/failed"): SETUP_READ,
    ("POST", "/sync/scans/{scan_id}/retry"): _needs("operator", "setup:write"),
    ("GET", "/audit"): SETUP_READ,
    ("GET", "/audit/export"): SETUP_READ,
    ("GET", "/audit/retention"): SETUP_READ,
    ("PUT", "/audit/retention"): ADMIN_JSON,
    ("GET", "/admin/dead-letters"): ADMIN,
    ("POST", "/admin/dead-letters/move"): ADMIN_JSON,
    # ------------------------------------------------------------ OAuth server (functions/oauth)
    ("POST", "/oauth/token"): _public("form", ("token",)),
    ("POST", "/oauth/revoke"): _public("form", ("token",)),
    ("POST", "/oauth/introspect"): _public("form", ("token",)),
    ("GET", "/oauth/authorize"): _public(),
    ("POST", "/oauth/authorize"): _public("form"),
    ("GET", "/oauth/login"): _public(),
    ("POST", "/oauth/login"): _public("form", ("login",)),
    ("GET", "/oauth/logout"): _public(),
    ("POST", "/oauth/logout"): _public("form"),
    ("GET", "/.well-known/oauth-authorization-server"): _public(),
    ("GET", "/oauth/openapi.json"): _public(),
    ("GET", "/oauth/clients"): ADMIN,
    ("POST", "/oauth/clients"): ADMIN_JSON,
    ("POST", "/oauth/clients/{client_id}/revoke"): ADMIN,
    ("GET", "/oauth/users"): ADMIN,
    ("POST", "/oauth/users"): ADMIN_JSON,
    ("PUT", "/oauth/users/{username}"): ADMIN_JSON,
    ("DELETE", "/oauth/users/{username}"): ADMIN,
    # ------------------------------------------------------------ pest-control API
    ("GET", "/api/v1/erp/openapi.json"): _public(),
    ("GET", "/api/v1/erp/swagger"): _public(),
    ("GET", "/api/v1/erp/discovery/inspection-points"): PEST_READ,
    ("GET", "/api/v1/erp/discovery/unmapped"): PEST_READ,
    ("GET", "/api/v1/erp/config"): PEST_READ,
    ("PUT", "/api/v1/erp/config"): ADMIN_JSON,
    ("POST", "/api/v1/erp/config/preview"): ADMIN_JSON,
    ("GET", "/api/v1/erp/config/erp-fields"): ADMIN,
    ("POST", "/api/v1/erp/config/erp-fields/{key}"): ADMIN,
    ("POST", "/api/v1/erp/sync/create-devices"): PEST_WRITE,
    ("GET", "/api/v1/erp/devices"): PEST_READ,
    ("GET", "/api/v1/erp/devices/{device_id}"): PEST_READ,
    ("POST", "/api/v1/erp/devices/{device_id}/status"): PEST_WRITE,
    ("POST", "/api/v1/erp/devices/{device_id}/deveui"): PEST_WRITE,
    ("POST", "/api/v1/erp/devices/{device_id}/deveui/confirm"): _needs("operator", "pest:write"),
    ("GET", "/api/v1/erp/devices/{device_id}/history"): PEST_READ,
    ("POST", "/api/v1/erp/incidents/sync"): _needs("operator", "pest:write"),
    ("GET", "/api/v1/erp/incidents"): PEST_READ,
    # ------------------------------------------------------------ insights (functions/insights_api)
    ("GET", "/pest/insights"): _public(),  # a page shell: no data until its script signs in
    ("GET", "/portal"): _public(),
    ("GET", "/portal/data"): _public(),  # the HMAC-signed link is the credential
    ("GET", "/api/v1/erp/insights/openapi.json"): _public(),
    ("GET", "/api/v1/erp/insights/service-history"): PEST_READ,
    ("GET", "/api/v1/erp/insights/maintenance"): PEST_READ,
    ("GET", "/api/v1/erp/insights/risk"): PEST_READ,
    ("GET", "/api/v1/erp/insights/seasonal"): PEST_READ,
    ("GET", "/api/v1/erp/insights/customers"): PEST_READ,
    ("POST", "/api/v1/erp/insights/collect"): _needs("operator", "pest:write"),
    ("GET", "/api/v1/erp/reports/{month}"): PEST_READ,
    ("GET", "/api/v1/erp/usage/{month}"): PEST_READ,
    ("POST", "/api/v1/erp/usage/{month}/bill"): ADMIN,
    ("GET", "/api/v1/erp/compliance"): PEST_READ,
    ("POST", "/api/v1/erp/portal-links"): PEST_WRITE,
}


def policy_for(
    method: str, path: str, policies: dict[tuple[str, str], RoutePolicy] | None = None
) -> RoutePolicy | None:
    """The entry for `method path` (path in `{param}` form), or None: refuse."""
    return (POLICIES if policies is None else policies).get((method.upper(), path))


def allowed(principal: Principal | None, method: str, path: str) -> bool:
    """May `principal` call `method path`? For pages that show only what a person may do."""
    entry = policy_for(method, path)
    return entry is not None and entry.permits(principal)


def least_role(method: str, path: str) -> str | None:
    """The least role a route needs (None: public or any authenticated caller)."""
    entry = policy_for(method, path)
    return entry.role if entry is not None else None


__all__ = [
    "POLICIES",
    "ROLE_ORDER",
    "RoutePolicy",
    "allowed",
    "least_role",
    "policy_for",
]
