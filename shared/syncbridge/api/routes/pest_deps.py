"""How pest routes get their tenant's services (replaceable in tests)."""

from __future__ import annotations

from collections.abc import Callable

from syncbridge.roots.pest import PestContext, context_for

_factory: Callable[[str], PestContext] = context_for


def pest_context(tenant: str) -> PestContext:
    return _factory(tenant)


def use_context_factory(factory: Callable[[str], PestContext] | None) -> None:
    """Swap the composition root (None restores the real one)."""
    global _factory
    _factory = factory or context_for
