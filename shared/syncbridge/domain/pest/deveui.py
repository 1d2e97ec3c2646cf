"""DevEUIs, the one definition for the domain and the adapters: 16 hex digits, written
plain ("58a0cb0000102f01") or in 8 pairs separated consistently by '-' or ':'
("58-A0-CB-00-00-10-2F-01", "58:a0:..."), any case, surrounding whitespace ignored.
Mixed separators ("58:A0-CB-...") are refused: a typo, not a spelling.

Microshare and the ERP write them in any of these forms, so comparing them raw would miss
duplicates: everything we store and compare is the canonical form (dashed, upper case).
`00-00-00-00-00-00-00-00` marks a device whose hardware is not yet assigned.
"""

from __future__ import annotations

import re

from syncbridge.domain.pest.models import DEFAULT_DEVEUI

UNASSIGNED_DEVEUI = DEFAULT_DEVEUI

_PLAIN = re.compile(r"[0-9A-Fa-f]{16}")
_GROUPED = re.compile(r"[0-9A-Fa-f]{2}(?P<sep>[-:])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){6}")


class InvalidDevEui(ValueError):
    """Not a DevEUI: the message says what was expected, and shows the input."""


def normalize_deveui(value: str) -> str:
    """Canonical form of a DevEUI, or `InvalidDevEui`."""
    if not isinstance(value, str):
        raise InvalidDevEui(f"a DevEUI must be a string, not {type(value).__name__}")
    text = value.strip()
    if _PLAIN.fullmatch(text):
        digits = text
    elif _GROUPED.fullmatch(text):
        digits = re.sub(r"[-:]", "", text)
    else:
        raise InvalidDevEui(
            f"'{value[:40]}' is not a DevEUI: expected 16 hex digits, plain or dashed "
            "(e.g. 58-A0-CB-00-00-10-2F-01)"
        )
    digits = digits.upper()
    return "-".join(digits[i : i + 2] for i in range(0, 16, 2))


def try_normalize_deveui(value: str | None) -> str | None:
    """Canonical form, or None when `value` is empty or not a DevEUI."""
    if not value:
        return None
    try:
        return normalize_deveui(value)
    except InvalidDevEui:
        return None


def is_unassigned(value: str | None) -> bool:
    """True for the all-zero placeholder (in any accepted spelling) and for no value."""
    return value is None or try_normalize_deveui(value) == UNASSIGNED_DEVEUI


def is_default(deveui: str | None) -> bool:
    """True when a point has no device hardware yet: no DevEUI, an empty one, or the
    placeholder (an invalid DevEUI is not a placeholder: it is reported, not ignored)."""
    return not deveui or is_unassigned(deveui)


def same_deveui(left: str | None, right: str | None) -> bool:
    """True when both are valid DevEUIs naming the same device."""
    a, b = try_normalize_deveui(left), try_normalize_deveui(right)
    return a is not None and a == b
