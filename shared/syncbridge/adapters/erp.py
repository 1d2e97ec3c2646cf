"""Which adapter serves an ERP kind: the registry of the pest side's ERP adapters.

The port they implement (`ErpAdapter`, its models and typed errors) is the domain's:
`syncbridge.domain.pest.erp`; its names are re-exported here for code written against the
old location. A new ERP adds one line to `REGISTRY` (or calls `register_erp_adapter`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from syncbridge.domain.pest.erp import (
    DEFAULT_CATEGORY,
    ErpAdapter,
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    ErpConflict,
    ErpError,
    ErpHealth,
    ErpNotFound,
    ErpUnavailable,
    IncidentDraft,
    IncidentRef,
    InspectionPoint,
    PointFields,
)

__all__ = [
    "DEFAULT_CATEGORY",
    "REGISTRY",
    "ErpAdapter",
    "ErpAuthError",
    "ErpConfig",
    "ErpConfigurationMissing",
    "ErpConflict",
    "ErpError",
    "ErpHealth",
    "ErpNotFound",
    "ErpUnavailable",
    "IncidentDraft",
    "IncidentRef",
    "InspectionPoint",
    "PointFields",
    "build_erp_adapter",
    "register_erp_adapter",
]

AdapterFactory = Callable[..., ErpAdapter]  # (config: ErpConfig, **options) -> adapter

# kind -> "module:factory". A new ERP adds one line here (or calls `register_erp_adapter`).
REGISTRY: dict[str, str | AdapterFactory] = {
    "odoo": "syncbridge.adapters.odoo:OdooAdapter.from_config",
    "resterp": "syncbridge.adapters.resterp:RestErpAdapter.from_config",
}


def register_erp_adapter(kind: str, factory: str | AdapterFactory) -> None:
    REGISTRY[kind] = factory


def build_erp_adapter(config: ErpConfig | dict[str, Any], **options: Any) -> ErpAdapter:
    """The adapter for `config.kind`, built by its module's factory.

    `options` go to the factory unchanged (e.g. `http=` or `retry=` in tests)."""
    if not isinstance(config, ErpConfig):
        config = ErpConfig.model_validate(config)
    try:
        factory = REGISTRY[config.kind]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(f"unknown ERP kind '{config.kind}' (known: {known})") from None
    if isinstance(factory, str):
        factory = _resolve(factory)
    return factory(config, **options)


def _resolve(path: str) -> AdapterFactory:
    module_name, _, attr_path = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for attr in attr_path.split("."):
        target = getattr(target, attr)
    return target
