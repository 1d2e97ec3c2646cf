"""How insights routes get their tenant's service (replaceable in tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _real(tenant: str) -> Any:
    from syncbridge.roots.insights import insights_for

    return insights_for(tenant)


_factory: Callable[[str], Any] = _real


def insights_service(tenant: str) -> Any:
    return _factory(tenant)


def use_insights_factory(factory: Callable[[str], Any] | None) -> None:
    """Swap the composition root (None restores the real one)."""
    global _factory
    _factory = factory or _real
