"""Candidate keys: where a record is looked up as a possible twin of an incoming one.

A `created` event for an unmapped ERP record must be compared with the home records it
might duplicate, but reading every home record of the tenant per event costs O(n) per
event. Like the matching engine's blocking, a record is instead filed under a few cheap
keys (its normalized name, SKU, lot code, postal code, phone, e-mail): two records that
share none of them would not be paired by the engine either, so the lookup loses no pair
the engine would score, and the engine still makes the decision on what it finds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "customer-locations": ("name", "postal_code", "phone", "email"),
    "storage-locations": ("name", "postal_code"),
    "products": ("name", "sku"),
    "product-batches": ("lot_code", "name"),
}
"""The fields each record type is filed under (each one a key of its own)."""

MAX_KEY_CHARS = 200
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(value: Any) -> str:
    """Lower-case letters and digits only: `"Hazy IPA #2"` -> `"hazyipa2"`."""
    if value is None or value == "":
        return ""
    return _NON_ALNUM.sub("", str(value).lower())


def candidate_keys(kind: str, fields: Mapping[str, Any]) -> list[str]:
    """The keys a record of `kind` with these (home-shaped) fields is filed under."""
    keys: list[str] = []
    for name in KEY_FIELDS.get(kind, ()):
        value = normalize(fields.get(name))
        if not value:
            continue
        key = f"{name}={value}"
        if len(key) > MAX_KEY_CHARS:  # DynamoDB keys are bounded; a long name is hashed
            key = f"{name}#sha256={hashlib.sha256(value.encode()).hexdigest()}"
        keys.append(key)
    return keys
