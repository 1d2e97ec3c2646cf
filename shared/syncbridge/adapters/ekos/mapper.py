"""Ekos records in the home platform's shape (`domain.setup.records.RecordMapper`).

Imports nothing but the standard library, so the matcher and the applier (which ship
without httpx and authlib) can map records without loading the Ekos client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _address(record: Mapping[str, Any]) -> dict[str, Any]:
    """Ekos's structured address as one line plus its parts (a plain string passes)."""
    address = record.get("address")
    if not isinstance(address, Mapping):
        return {"address": address if isinstance(address, str) else None}
    line = " ".join(str(p) for p in (address.get("line1"), address.get("line2")) if p)
    return {
        "address": line or None,
        "city": address.get("city"),
        "state": address.get("state"),
        "postal_code": address.get("postal_code"),
        "country": address.get("country"),
    }


class EkosRecordMapper:
    """Ekos's field names and shapes (contracts/ekos-api.md) → the home platform's."""

    def to_home(self, resource_type: str, record: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(record["id"])}
        if resource_type == "customer-locations":
            out |= {
                "name": record.get("name") or record.get("customer_name"),
                "customer_name": record.get("customer_name"),
                **_address(record),
                "phone": record.get("phone"),
                "email": record.get("email"),
                "lat": record.get("lat"),
                "lon": record.get("lon"),
            }
        elif resource_type == "storage-locations":
            out |= {
                "name": record.get("name"),
                "kind": record.get("kind"),
                **_address(record),
                "lat": record.get("lat"),
                "lon": record.get("lon"),
            }
        elif resource_type == "products":
            style, package = record.get("style"), record.get("package")
            out |= {
                "name": record.get("name"),
                "sku": record.get("sku"),
                "brand": record.get("brand"),
                "category": style,
                "description": " ".join(str(p) for p in (style, package) if p) or None,
                "active": record.get("active"),
            }
        elif resource_type == "product-batches":
            out |= {
                "lot_code": record.get("lot_code"),
                "product_id": record.get("product_id"),  # Ekos's; the setup maps it
                "name": record.get("name"),
                "produced_at": record.get("brewed_at") or record.get("packaged_at"),
                "quantity": record.get("quantity"),
                "unit": record.get("unit"),
            }
        else:
            raise ValueError(f"unknown resource type {resource_type!r}")
        return out
