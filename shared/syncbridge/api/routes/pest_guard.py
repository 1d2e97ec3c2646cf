"""Who to name in the pest-control audit trail.

Who may call a pest route (role and scope) is `syncbridge.api.policy`'s table, enforced by
`syncbridge.api.gate` like every other route; per-tenant throttling is the gate's too.
"""

from __future__ import annotations

from syncbridge.api.principal import Principal


def actor(principal: Principal) -> str:
    """Who to name in the audit trail."""
    return principal.subject or principal.client_id or "unknown"
