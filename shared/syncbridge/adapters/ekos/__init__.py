"""The Ekos adapter: the resource API client, our OAuth client at Ekos, their models, and
the record mapper.

    client = EkosClient(base_url, token_provider)
    for page in client.iter_pages("customer-locations", updated_since=None):
        records = [r for r in page.records if not r.deleted]

`token_provider` implements `BearerTokens` (see `syncbridge.domain.connections.tokens`
for the one backed by the Connections table; `syncbridge.roots.keg.ekos_client(tenant_id)`
wires it).

Names are loaded on first use: the record mapper and the models must be importable where
the client's httpx and authlib are not shipped (the matcher and the applier).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_MODULE_OF = {
    "BearerTokens": "syncbridge.adapters.http",
    "ClientCredentials": "syncbridge.adapters.ekos.oauth",
    "CustomerLocation": "syncbridge.adapters.ekos.models",
    "EkosClient": "syncbridge.adapters.ekos.client",
    "EkosError": "syncbridge.adapters.ekos.errors",
    "EkosOAuthClient": "syncbridge.adapters.ekos.oauth",
    "EkosRecord": "syncbridge.adapters.ekos.models",
    "EkosRequestRejected": "syncbridge.adapters.ekos.errors",
    "EkosUnauthorized": "syncbridge.adapters.ekos.errors",
    "EkosUnavailable": "syncbridge.adapters.ekos.errors",
    "IdempotencyConflict": "syncbridge.adapters.ekos.errors",
    "OAuthProtocolError": "syncbridge.adapters.ekos.errors",
    "PROFILES": "syncbridge.adapters.ekos.models",
    "Page": "syncbridge.adapters.ekos.models",
    "Product": "syncbridge.adapters.ekos.models",
    "ProductBatch": "syncbridge.adapters.ekos.models",
    "RESOURCE_MODELS": "syncbridge.adapters.ekos.models",
    "RESOURCE_TYPES": "syncbridge.adapters.ekos.models",
    "RetryPolicy": "syncbridge.adapters.http",
    "ScanReceipt": "syncbridge.adapters.ekos.models",
    "ScanRejected": "syncbridge.adapters.ekos.errors",
    "StorageLocation": "syncbridge.adapters.ekos.models",
    "TokenResponse": "syncbridge.adapters.ekos.models",
    "UnitScan": "syncbridge.adapters.ekos.models",
    "EkosRecordMapper": "syncbridge.adapters.ekos.mapper",
}


def __dir__() -> list[str]:
    return sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    """The name from its module, imported on first use."""
    try:
        module = _MODULE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(import_module(module), name)
