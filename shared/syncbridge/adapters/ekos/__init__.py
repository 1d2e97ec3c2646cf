"""The Ekos adapter: the resource API client, our OAuth client at Ekos, and their models.

    client = EkosClient(base_url, token_provider)
    for page in client.iter_pages("customer-locations", updated_since=None):
        records = [r for r in page.records if not r.deleted]

`token_provider` implements `BearerTokens` (see `syncbridge.domain.connections.tokens`
for the one backed by the Connections table; `syncbridge.roots.keg.ekos_client(tenant_id)` wires it).
"""

from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.adapters.ekos.errors import (
    EkosError,
    EkosRequestRejected,
    EkosUnauthorized,
    EkosUnavailable,
    IdempotencyConflict,
    OAuthProtocolError,
    ScanRejected,
)
from syncbridge.adapters.ekos.models import (
    PROFILES,
    RESOURCE_MODELS,
    RESOURCE_TYPES,
    CustomerLocation,
    EkosRecord,
    Page,
    Product,
    ProductBatch,
    ScanReceipt,
    StorageLocation,
    TokenResponse,
    UnitScan,
)
from syncbridge.adapters.ekos.oauth import ClientCredentials, EkosOAuthClient
from syncbridge.adapters.http import BearerTokens, RetryPolicy

__all__ = [
    "PROFILES",
    "RESOURCE_MODELS",
    "RESOURCE_TYPES",
    "BearerTokens",
    "ClientCredentials",
    "CustomerLocation",
    "EkosClient",
    "EkosError",
    "EkosOAuthClient",
    "EkosRecord",
    "EkosRequestRejected",
    "EkosUnauthorized",
    "EkosUnavailable",
    "IdempotencyConflict",
    "OAuthProtocolError",
    "Page",
    "Product",
    "ProductBatch",
    "RetryPolicy",
    "ScanReceipt",
    "ScanRejected",
    "StorageLocation",
    "TokenResponse",
    "UnitScan",
]
