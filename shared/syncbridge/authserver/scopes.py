"""The scopes and roles our tokens carry, and which scopes a person's role grants.

Machines get the scopes their client was registered with; people get the scopes of their
role (viewer < operator < admin). `events:write` is a machine-only scope: only an ERP
pushes change events.
"""

from __future__ import annotations

from typing import Literal

SCOPES: tuple[str, ...] = (
    "events:write",
    "scans:read",
    "pest:read",
    "pest:write",
    "setup:read",
    "setup:write",
    "admin",
)

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[str, ...] = ("viewer", "operator", "admin")

_VIEWER = {"scans:read", "pest:read", "setup:read"}
_OPERATOR = _VIEWER | {"pest:write", "setup:write"}
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset(_VIEWER),
    "operator": frozenset(_OPERATOR),
    "admin": frozenset(_OPERATOR | {"admin"}),
}


def parse_scope(scope: str | list[str] | None) -> frozenset[str]:
    """A scope parameter (space-separated string or list) as a set."""
    if not scope:
        return frozenset()
    items = scope.split() if isinstance(scope, str) else scope
    return frozenset(s for s in items if s)


def format_scope(scopes: frozenset[str] | set[str]) -> str:
    return " ".join(sorted(scopes))


def unknown_scopes(scopes: frozenset[str]) -> frozenset[str]:
    return scopes - frozenset(SCOPES)


def scopes_for_roles(roles: frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_SCOPES.get(role, frozenset())
    return frozenset(granted)


def granted_scope(
    requested: str | None, client_scope: str, roles: frozenset[str] | list[str]
) -> frozenset[str]:
    """What a person's consent grants: requested ∩ the client's ∩ the person's role.

    No `scope` parameter means "what the client is registered for" (RFC 6749 §3.3 default),
    still cut down to the role. An empty result is an empty grant, never a fallback to the
    client's scope: the caller answers invalid_scope.
    """
    allowed = parse_scope(client_scope) & scopes_for_roles(frozenset(roles))
    asked = parse_scope(requested)
    return allowed if not asked else asked & allowed
