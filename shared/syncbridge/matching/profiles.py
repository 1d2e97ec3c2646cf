"""What a record of each profile looks like, and how one is reduced to standardized keys.

A profile has a schema (field -> accepted JSON types) used to reject bad input, and an
`extract` function turning a record into a tuple of standardized values, one per
column. The engine keeps only these tuples' columns, never the raw records, so memory
stays proportional to what matching needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from syncbridge.matching import standardize as std

STR = (str,)
CODE = (str, int)
NUM = (int, float)
NUM_OR_STR = (int, float, str)


@dataclass(frozen=True)
class ProfileSpec:
    """`columns` pairs each extracted value with its storage kind (see records.SideBuilder):
    tokens (list of str, interned), list (list of str, interned), cat (str, interned),
    int (int, -1 missing), float (NaN missing), text (str kept for fuzzy comparison)."""

    name: str
    schema: dict[str, tuple[type, ...]]
    columns: tuple[tuple[str, str], ...]
    extract: Callable[[dict], tuple]


def _coord(value: object, bound: float) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    f = float(value)  # type: ignore[arg-type]
    return f if -bound <= f <= bound else math.nan


def _location(rec: dict) -> tuple:
    g = rec.get
    lat, lon = _coord(g("lat"), 90.0), _coord(g("lon"), 180.0)
    if lat == 0.0 and lon == 0.0:  # "null island": a missing geocode, not a place
        lat = lon = math.nan
    phone = std.phone_key(g("phone"))
    address = std.address(g("address"))
    return (
        std.name_tokens(g("name")),
        address,
        std.street_key(address),
        std.city(g("city")),
        std.postal_code(g("postal_code")),
        int(phone) if phone else -1,
        std.website_domain(g("website")),
        lat,
        lon,
    )


def _product(rec: dict) -> tuple:
    g = rec.get
    name = g("name")
    return (
        std.name_tokens(name),
        std.text(g("brand")),
        std.code(g("sku")),
        std.model_numbers(name, g("sku"), g("description")),
        std.number(g("price")),
    )


def _batch(rec: dict) -> tuple:
    g = rec.get
    return (
        std.code(g("lot_code")),
        std.code(g("product_id")),
        std.name_tokens(g("name")),
        std.date_days(g("produced_at")),
        std.number(g("quantity")),
    )


SPECS: dict[str, ProfileSpec] = {
    "location": ProfileSpec(
        "location",
        {
            "name": STR, "address": STR, "city": STR, "state": STR, "postal_code": CODE,
            "country": STR, "phone": CODE, "website": STR, "lat": NUM, "lon": NUM,
        },
        (
            ("name", "tokens"), ("address", "text"), ("street", "cat"), ("city", "cat"),
            ("postal_code", "cat"),
            ("phone", "int"), ("website", "cat"), ("lat", "float"), ("lon", "float"),
        ),
        _location,
    ),
    "product": ProfileSpec(
        "product",
        {
            "name": STR, "brand": STR, "sku": CODE, "description": STR,
            "price": NUM_OR_STR, "category": STR,
        },
        (
            ("name", "tokens"), ("brand", "cat"), ("sku", "cat"), ("models", "list"),
            ("price", "float"),
        ),
        _product,
    ),
    "batch": ProfileSpec(
        "batch",
        {
            "lot_code": CODE, "product_id": CODE, "name": STR, "produced_at": STR,
            "quantity": NUM_OR_STR,
        },
        (
            ("lot_code", "cat"), ("product_id", "cat"), ("name", "tokens"),
            ("produced_at", "float"), ("quantity", "float"),
        ),
        _batch,
    ),
}  # fmt: skip


def type_error(rec: dict, schema: dict[str, tuple[type, ...]]) -> str | None:
    """Why `rec` breaks the schema (first offending field), or None when it is fine.

    Exact type checks: JSON booleans (a bool is an int subclass) are not numbers here.
    """
    get = rec.get
    for field, types in schema.items():
        value = get(field)
        if value is None or type(value) in types:
            continue
        want = " or ".join(t.__name__ for t in types)
        return f"field {field!r} must be {want} or null, got {type(value).__name__}"
    return None
