"""The home platform's field shape (which is also the matcher's input), and ERP records in it.

Both sides of a proposal are shown with the same field names, and a record created in the
home platform from an ERP record uses exactly the fields that were compared, so what the
person saw on the review page is what gets created. How one ERP's fields become these is
that ERP adapter's `RecordMapper`; what is the same for every ERP (a batch pointing at the
home product its ERP product is mapped to) is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

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


class RecordMapper(Protocol):
    """One ERP's records in the home shape: each ERP adapter has its own (the Ekos one is
    `adapters.ekos.mapper.EkosRecordMapper`), chosen per ERP by the keg composition root."""

    def to_home(self, resource_type: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record's `id` (a string) and its fields named as `FIELDS_BY_TYPE` says; a
        batch's `product_id` is the ERP's own product id. ValueError for an unknown type."""
        ...


class HomeShaped:
    """`RecordMapper` for records already in the home shape (tools, tests): keeps the
    type's fields, drops anything else."""

    def to_home(self, resource_type: str, record: Mapping[str, Any]) -> dict[str, Any]:
        if resource_type not in FIELDS_BY_TYPE:
            raise ValueError(f"unknown resource type {resource_type!r}")
        kept = {k: record[k] for k in FIELDS_BY_TYPE[resource_type] if k in record}
        return {"id": str(record["id"]), **kept}


HOME_SHAPED = HomeShaped()

RecordMappers = Mapping[str, RecordMapper]
"""The record mapper of each keg ERP, by ERP name (what the composition root registers)."""


def mapper_for(mappers: RecordMappers | None, erp: str) -> RecordMapper:
    """`erp`'s mapper; without any (tools, tests) records are taken as home-shaped."""
    if mappers is None:
        return HOME_SHAPED
    try:
        return mappers[erp]
    except KeyError:
        raise ValueError(f"no record mapper for ERP {erp!r}") from None


def home_shape(
    mapper: RecordMapper,
    resource_type: str,
    record: Mapping[str, Any],
    product_ids: Mapping[str, str] | None = None,
    product_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The home-shaped fields of one ERP record (plus its `id`), through its ERP's mapper.

    For batches, `product_ids` maps the ERP's product id to our internal product id, so a
    batch is compared (and created) against the product it really belongs to (and named
    after it, from `product_names` keyed by internal id); the ERP's own product id is kept
    as `erp_product_id` for display.
    """
    out = mapper.to_home(resource_type, record)
    if resource_type == "product-batches":
        erp_product = out.get("product_id")
        mapped = (product_ids or {}).get(str(erp_product)) if erp_product is not None else None
        out["product_id"] = mapped
        out["erp_product_id"] = erp_product
        out["name"] = out.get("name") or (product_names or {}).get(mapped or "")
    return out


def home_fields(resource_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields a home record of this type keeps (drops ids and ERP-only extras)."""
    return {k: fields.get(k) for k in FIELDS_BY_TYPE[resource_type] if fields.get(k) is not None}


def search_text(resource_type: str, fields: Mapping[str, Any]) -> str:
    """Lower-cased text a free-text search looks in."""
    parts = [str(fields.get(k) or "") for k in SEARCH_FIELDS[resource_type]]
    return " ".join(p for p in parts if p).lower()
