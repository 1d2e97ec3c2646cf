"""Which of the pages' actions the caller may take, so the pages offer only those.

The pages mark each control with the route it calls (`data-route="POST /api/v1/erp/..."`)
and remove the ones `GET /me` does not list. The answer comes from the one authorization
policy table (`syncbridge.api.policy`), the same entries the gate enforces on every request.
"""

from __future__ import annotations

from syncbridge.api.policy import POLICIES
from syncbridge.api.principal import Principal

PAGE_ACTIONS: tuple[str, ...] = (
    "PUT /setup/{resource_type}/proposals/{external_id}",
    "POST /setup/{resource_type}/accept-confident",
    "POST /setup/{resource_type}/submit",
    "POST /setup/{resource_type}/home-records",
    "POST /setup/{resource_type}/retry",
    "PUT /sync/review/{resource_type}/{external_id}",
    "POST /sync/scans/{scan_id}/retry",
    "GET /connections/ekos/start",
    "DELETE /connections/ekos",
    "POST /api/v1/erp/sync/create-devices",
    "POST /api/v1/erp/devices/{device_id}/status",
    "POST /api/v1/erp/devices/{device_id}/deveui",
    "POST /api/v1/erp/devices/{device_id}/deveui/confirm",
    "POST /api/v1/erp/incidents/sync",
    "PUT /api/v1/erp/config",
    "POST /api/v1/erp/config/preview",
    "POST /api/v1/erp/insights/collect",
    "POST /api/v1/erp/portal-links",
    "POST /api/v1/erp/usage/{month}/bill",
    "GET /oauth/users",
    "POST /oauth/users",
    "PUT /oauth/users/{username}",
    "DELETE /oauth/users/{username}",
    "GET /oauth/clients",
    "POST /oauth/clients",
    "POST /oauth/clients/{client_id}/revoke",
    "GET /admin/credentials",
    "PUT /admin/credentials/{system}",
)
"""The routes the pages offer a control or an admin-only section for ("METHOD /path")."""


def allowed_routes(principal: Principal) -> list[str]:
    """The page actions the principal may take, per the policy table."""
    allowed = []
    for action in PAGE_ACTIONS:
        method, path = action.split(" ", 1)
        entry = POLICIES.get((method, path))
        if entry is not None and not entry.public and entry.permits(principal):
            allowed.append(action)
    return allowed
