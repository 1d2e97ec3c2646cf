"""What a record of each profile looks like, and how one is reduced to standardized keys.

A profile has a schema (field -> accepted JSON types) used to reject bad input, an
`extract` function turning a record into a tuple of standardized values, one per
column, and its comparisons (`COMPARISONS`: typed, graded, what the scorer learns on). The engine keeps only these tuples' columns, never the raw records, so memory
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
    extract_many: Callable[[dict[str, list]], tuple] | None = None
    """Column-wise `extract`: schema field -> values in, one sequence per column out,
    equal to extracting record by record (a "tokens" column may hold `Words`, a "cat"
    column `Keyed`)."""


@dataclass(frozen=True)
class Keyed:
    """A "cat" column as its raw values and each distinct raw value's key, in first-seen
    order (the builder interns each distinct value once, not every record's key)."""

    values: list
    keys: dict


@dataclass(frozen=True)
class Words:
    """Folded words per record, still to be mapped through `canon` (the builder maps
    each distinct word once instead of every occurrence)."""

    lists: list[list[str]]
    canon: dict[str, str]


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


def _coords(values: list, bound: float):
    import numpy as np

    try:
        arr = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    except (OverflowError, TypeError, ValueError):
        return np.array([_coord(v, bound) for v in values], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        arr[~((arr >= -bound) & (arr <= bound))] = math.nan
    return arr


def _location_many(c: dict[str, list]) -> tuple:
    lat, lon = _coords(c["lat"], 90.0), _coords(c["lon"], 180.0)
    island = (lat == 0.0) & (lon == 0.0)
    lat[island] = lon[island] = math.nan
    address = std.address_many(c["address"])

    def keyed(fn, values: list) -> Keyed:
        return Keyed(values, std.distinct_table(fn, values))

    return (
        Words(std.folded_words_many(c["name"]), std.NAME_CANON),
        address,
        keyed(std.street_key, address),
        keyed(std.city, c["city"]),
        keyed(std.postal_code, c["postal_code"]),
        std.phone_ints_many(c["phone"]),
        Keyed(c["website"], std.website_domain_table(c["website"])),
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
        _location_many,
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


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison of a profile: a `type` from `comparisons.TYPES` over `fields`.

    `m` holds P(level | same entity) for levels 1..k (most alike first): only where EM
    starts, documented guesses about how records of one thing drift, learned again on
    every run. `cuts` grade the similarity (name, ratio) or days (date) into levels.
    `tf` names the column whose value frequency adjusts exact agreement ("*": the type
    supplies it per pair); `given` the comparison this one is correlated with.
    """

    name: str
    type: str
    fields: tuple[str, ...]
    m: tuple[float, ...]
    cuts: tuple[float, ...] = ()
    tf: str | None = None
    given: str | None = None


COMPARISONS: dict[str, tuple[ComparisonSpec, ...]] = {
    "location": (
        # business or person name: distinctive core equal, >= .92, >= .80, >= .60, lower
        ComparisonSpec("name", "name", ("name",), (0.80, 0.08, 0.05, 0.03, 0.04),
                       cuts=(0.92, 0.80, 0.60), tf="name_core"),
        ComparisonSpec("place", "address", ("address", "lat", "lon"),
                       (0.80, 0.08, 0.05, 0.04, 0.03)),
        ComparisonSpec("area", "postal_area", ("postal_code", "city"), (0.85, 0.10, 0.05)),
        ComparisonSpec("phone", "exact", ("phone",), (0.94, 0.06), tf="phone"),
        # chains share a website across towns: when names agree, a shared site says less
        ComparisonSpec("website", "exact", ("website",), (0.92, 0.08), tf="website",
                       given="name"),
    ),
    "product": (
        # shop titles differ in wording: similarity spreads wide even for the same item
        ComparisonSpec("name", "name", ("name",), (0.10, 0.25, 0.25, 0.20, 0.20),
                       cuts=(0.90, 0.75, 0.60), tf="name_core"),
        ComparisonSpec("model", "model_number", ("models",), (0.80, 0.10, 0.10), tf="*"),
        ComparisonSpec("sku", "exact", ("sku",), (0.95, 0.05), tf="sku"),
        ComparisonSpec("brand", "exact", ("brand",), (0.90, 0.10), tf="brand"),
        # price within 10 %, within 35 %, further apart
        ComparisonSpec("price", "ratio", ("price",), (0.60, 0.30, 0.10), cuts=(0.9, 0.65)),
    ),
    "batch": (
        ComparisonSpec("lot_code", "exact", ("lot_code",), (0.90, 0.10), tf="lot_code"),
        ComparisonSpec("product_id", "exact", ("product_id",), (0.95, 0.05), tf="product_id"),
        ComparisonSpec("name", "name", ("name",), (0.70, 0.15, 0.07, 0.04, 0.04),
                       cuts=(0.92, 0.80, 0.60), tf="name_core"),
        # produced the same day, within 2 days, within 10 days, further apart
        ComparisonSpec("produced_at", "date", ("produced_at",), (0.75, 0.15, 0.06, 0.04),
                       cuts=(0.5, 2.0, 10.0)),
        # quantity within 2 %, within 20 %, further apart
        ComparisonSpec("quantity", "ratio", ("quantity",), (0.70, 0.20, 0.10),
                       cuts=(0.98, 0.8)),
    ),
}  # fmt: skip
"""Each profile's comparisons, by type (see `comparisons`): what the scorer learns on."""


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
