"""Ekos records at the edge (contracts/ekos-api.md).

Each resource model validates what Ekos sends (unknown fields are kept, never an error).
Turning a record into the home platform's (and the matcher's) shape is
`syncbridge.adapters.ekos.mapper`'s job; batches carry the *Ekos* product id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ResourceType = Literal["customer-locations", "storage-locations", "products", "product-batches"]
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    "customer-locations",
    "storage-locations",
    "products",
    "product-batches",
)
ScanEvent = Literal["filled", "shipped", "delivered", "returned", "emptied"]


class EkosRecord(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    updated_at: datetime
    deleted: bool = False


class Address(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class _Located(EkosRecord):
    name: str
    address: Address = Field(default_factory=Address)
    lat: float | None = None
    lon: float | None = None


class CustomerLocation(_Located):
    customer_name: str | None = None
    phone: str | None = None
    email: str | None = None


class StorageLocation(_Located):
    kind: Literal["warehouse", "cold_room", "taproom", "other"] = "other"


class Product(EkosRecord):
    name: str
    sku: str | None = None
    brand: str | None = None
    style: str | None = None
    package: str | None = None
    active: bool = True


class ProductBatch(EkosRecord):
    lot_code: str
    product_id: str
    brewed_at: datetime | None = None
    packaged_at: datetime | None = None
    quantity: float | None = None
    unit: str | None = None


RESOURCE_MODELS: dict[str, type[EkosRecord]] = {
    "customer-locations": CustomerLocation,
    "storage-locations": StorageLocation,
    "products": Product,
    "product-batches": ProductBatch,
}

# The matcher profile for each resource type.
PROFILES: dict[str, str] = {
    "customer-locations": "location",
    "storage-locations": "location",
    "products": "product",
    "product-batches": "batch",
}


class Page(BaseModel):
    """One page of a resource listing, with the cursor to resume after it."""

    resource: str
    records: list[EkosRecord]
    next_cursor: str | None = None


class UnitScan(BaseModel):
    """A keg scan pushed to Ekos (`POST /api/v1/unit-scans`)."""

    scan_id: str
    unit_serial: str
    event: ScanEvent
    product_batch_id: str
    location_id: str
    location_type: Literal["customer", "storage"]
    scanned_at: datetime

    def to_body(self) -> dict:
        body = self.model_dump(mode="json")
        body["scanned_at"] = self.scanned_at.isoformat().replace("+00:00", "Z")
        return body


class ScanReceipt(BaseModel):
    """Ekos's answer to a scan; `replayed` is True when the Idempotency-Key was seen."""

    model_config = ConfigDict(extra="allow")

    id: str
    scan_id: str
    replayed: bool = False


class TokenResponse(BaseModel):
    """A token endpoint answer (RFC 6749 §5.1). Never log it: it holds secrets."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(repr=False)
    token_type: str = "Bearer"
    expires_in: int | None = None
    refresh_token: str | None = Field(default=None, repr=False)
    scope: str | None = None
