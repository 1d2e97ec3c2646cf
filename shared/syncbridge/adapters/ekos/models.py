"""Ekos records at the edge (contracts/ekos-api.md), and their matcher record shape.

Each resource model validates what Ekos sends (unknown fields are kept, never an error)
and knows how to become a record of the matcher's profile (contracts/matching-cli.md):
`to_match_record()`. Batches carry the *Ekos* product id; translating it to the home
product id through the product mappings is the caller's job.
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

    def to_match_record(self) -> dict:
        raise NotImplementedError


class Address(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def street(self) -> str | None:
        parts = [p for p in (self.line1, self.line2) if p]
        return ", ".join(parts) or None


class _Located(EkosRecord):
    name: str
    address: Address = Field(default_factory=Address)
    lat: float | None = None
    lon: float | None = None

    def _location_record(self, phone: str | None) -> dict:
        a = self.address
        return {
            "id": self.id,
            "name": self.name,
            "address": a.street(),
            "city": a.city,
            "state": a.state,
            "postal_code": a.postal_code,
            "country": a.country,
            "phone": phone,
            "website": None,
            "lat": self.lat,
            "lon": self.lon,
        }


class CustomerLocation(_Located):
    customer_name: str | None = None
    phone: str | None = None
    email: str | None = None

    def to_match_record(self) -> dict:
        return self._location_record(self.phone)


class StorageLocation(_Located):
    kind: Literal["warehouse", "cold_room", "taproom", "other"] = "other"

    def to_match_record(self) -> dict:
        return self._location_record(None)


class Product(EkosRecord):
    name: str
    sku: str | None = None
    brand: str | None = None
    style: str | None = None
    package: str | None = None
    active: bool = True

    def to_match_record(self) -> dict:
        description = ", ".join(p for p in (self.style, self.package) if p) or None
        return {
            "id": self.id,
            "name": self.name,
            "brand": self.brand,
            "sku": self.sku,
            "description": description,
            "price": None,
            "category": self.style,
        }


class ProductBatch(EkosRecord):
    lot_code: str
    product_id: str
    brewed_at: datetime | None = None
    packaged_at: datetime | None = None
    quantity: float | None = None
    unit: str | None = None

    def to_match_record(
        self, product_name: str | None = None, product_id: str | None = None
    ) -> dict:
        """`product_id`: pass the mapped home product id when known (else the Ekos id)."""
        produced = self.brewed_at or self.packaged_at
        return {
            "id": self.id,
            "lot_code": self.lot_code,
            "product_id": product_id or self.product_id,
            "name": product_name,
            "produced_at": produced.isoformat().replace("+00:00", "Z") if produced else None,
            "quantity": self.quantity,
        }


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
