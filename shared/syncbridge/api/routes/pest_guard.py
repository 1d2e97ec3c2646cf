"""Who to name in the pest-control audit trail (the gate's `actor`).

Who may call a pest route (role and scope) is `syncbridge.api.policy`'s table, enforced by
`syncbridge.api.gate` like every other route; per-tenant throttling is the gate's too.
"""

from __future__ import annotations

from syncbridge.api.gate import actor

__all__ = ["actor"]
