"""Turn ERP records into the home platform's field shape (which is also the matcher's input).

Both sides of a proposal are shown with the same field names, and a record created in the
home platform from an ERP record uses exactly the fields that were compared, so what the
person saw on the review page is what gets created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "customer-locations": (
        "name",
        "customer_name",
        "address",
        "city",
        "state",
        "postal_code",
        "country",
        "phone",
        "email",
        "lat",
        "lon",
    ),
    "storage-locations": (
        "name",
        "kind",
        "address",
        "city",
        "state",
        "postal_code",
        "country",
        "lat",
        "lon",
    ),
    "products": ("name", "sku", "brand", "category", "description", "active"),
    "product-batches": ("lot_code", "product_id", "name", "produced_at", "quantity", "unit"),
}
"""The fields each home record type keeps, in the order the review page shows them."""

SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "customer-locations": ("name", "customer_name", "address", "city", "postal_code"),
    "storage-locations": ("name", "address", "city", "postal_code"),
    "products": ("name", "sku", "brand"),
    "product-batches": ("lot_code", "name", "product_id"),
}


def _address(record: Mapping[str, Any]) -> dict[str, Any]:
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


def from_erp(
    resource_type: str,
    record: Mapping[str, Any],
    product_ids: Mapping[str, str] | None = None,
    product_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The home-shaped fields of one ERP record (plus its `id`).

    For batches, `product_ids` maps the ERP's product id to our internal product id, so a
    batch is compared (and created) against the product it really belongs to (and named
    after it, from `product_names` keyed by internal id); the ERP's own product id is kept
    as `erp_product_id` for display.
    """
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
        erp_product = record.get("product_id")
        mapped = (product_ids or {}).get(str(erp_product)) if erp_product is not None else None
        out |= {
            "lot_code": record.get("lot_code"),
            "product_id": mapped,
            "erp_product_id": erp_product,
            "name": record.get("name") or (product_names or {}).get(mapped or ""),
            "produced_at": record.get("brewed_at") or record.get("packaged_at"),
            "quantity": record.get("quantity"),
            "unit": record.get("unit"),
        }
    else:
        raise ValueError(f"unknown resource type {resource_type!r}")
    return out


def home_fields(resource_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields a home record of this type keeps (drops ids and ERP-only extras)."""
    return {k: fields.get(k) for k in FIELDS_BY_TYPE[resource_type] if fields.get(k) is not None}


def search_text(resource_type: str, fields: Mapping[str, Any]) -> str:
    """Lower-cased text a free-text search looks in."""
    parts = [str(fields.get(k) or "") for k in SEARCH_FIELDS[resource_type]]
    return " ".join(p for p in parts if p).lower()
