"""Which routes the caller may call, so the pages offer only the actions it can take.

The pages mark each control with the route it calls (`data-route="POST /api/v1/erp/..."`)
and hide those the signed-in person's role and scopes do not allow; the routes still
enforce the same rule themselves. `ROUTE_RULES` names the role and scope each
state-changing route needs, as its handler checks them (issue 13 makes one policy table
the single source; this module then reads that table instead of its own).
"""

from __future__ import annotations

from syncbridge.api.principal import Principal

ROUTE_RULES: dict[str, tuple[str, str | None]] = {
    # guided setup (syncbridge.api.routes.setup: editor())
    "PUT /setup/{resource_type}/proposals/{external_id}": ("operator", "setup:write"),
    "POST /setup/{resource_type}/accept-confident": ("operator", "setup:write"),
    "POST /setup/{resource_type}/submit": ("operator", "setup:write"),
    "POST /setup/{resource_type}/home-records": ("operator", "setup:write"),
    # connections
    "GET /connections/ekos/start": ("operator", "setup:write"),
    "DELETE /connections/ekos": ("operator", "setup:write"),
    # pest control (syncbridge.api.routes.pest_guard.require)
    "POST /api/v1/erp/sync/create-devices": ("operator", "pest:write"),
    "POST /api/v1/erp/devices/{device_id}/status": ("operator", "pest:write"),
    "POST /api/v1/erp/devices/{device_id}/deveui": ("operator", "pest:write"),
    "POST /api/v1/erp/devices/{device_id}/deveui/confirm": ("operator", "pest:write"),
    "POST /api/v1/erp/incidents/sync": ("operator", "pest:write"),
    "PUT /api/v1/erp/config": ("admin", "admin"),
    "POST /api/v1/erp/config/preview": ("admin", "admin"),
    # people and machines of the tenant (syncbridge.authserver.service.require_admin)
    "POST /oauth/users": ("admin", "admin"),
    "POST /oauth/clients": ("admin", "admin"),
}


def may_call(principal: Principal, route: str) -> bool:
    """True when the principal holds the route's role and scope (unknown routes: no)."""
    rule = ROUTE_RULES.get(route)
    if rule is None:
        return False
    role, scope = rule
    return principal.has_role(role) and (scope is None or principal.has_scope(scope))


def allowed_routes(principal: Principal) -> list[str]:
    return sorted(route for route in ROUTE_RULES if may_call(principal, route))
