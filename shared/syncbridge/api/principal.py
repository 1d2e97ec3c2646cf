"""Who is calling: the principal our API Gateway authorizer resolved from a bearer token.

The authorizer (functions/authorizer) introspects the token issued by our OAuth server and
returns a context map; API Gateway hands that map to the handler in
`requestContext.authorizer`. Context values are strings there, so lists travel as
space-separated strings. Handlers never parse tokens themselves: they read the principal.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

ROLE_ORDER = ("viewer", "operator", "admin")


class Principal(BaseModel):
    tenant_id: str
    client_id: str
    subject: str = ""
    scopes: frozenset[str] = Field(default_factory=frozenset)
    roles: frozenset[str] = Field(default_factory=frozenset)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_role(self, role: str) -> bool:
        """True when any held role is at least `role` in viewer < operator < admin."""
        wanted = ROLE_ORDER.index(role)
        return any(r in ROLE_ORDER and ROLE_ORDER.index(r) >= wanted for r in self.roles)

    def to_context(self) -> dict[str, str]:
        """The authorizer context map (string values only, as API Gateway requires)."""
        return {
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "subject": self.subject,
            "scopes": " ".join(sorted(self.scopes)),
            "roles": " ".join(sorted(self.roles)),
        }


def principal_from_event(event: dict[str, Any]) -> Principal | None:
    """The principal in an API Gateway proxy event, or None when the route is public."""
    ctx = (event.get("requestContext") or {}).get("authorizer") or {}
    if not ctx.get("tenant_id"):
        return None
    return Principal(
        tenant_id=ctx["tenant_id"],
        client_id=ctx.get("client_id", ""),
        subject=ctx.get("subject", ""),
        scopes=frozenset(str(ctx.get("scopes", "")).split()),
        roles=frozenset(str(ctx.get("roles", "")).split()),
    )
