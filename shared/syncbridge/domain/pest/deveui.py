"""DevEUI validation and normalisation.

Microshare and the ERP write DevEUIs dashed (`58-A0-CB-...`), plain, lower or upper case;
comparing them raw would miss duplicates. Everything we store and compare is the dashed,
upper-case form.
"""

from __future__ import annotations

import re

from syncbridge.domain.pest.models import DEFAULT_DEVEUI

_HEX16 = re.compile(r"^[0-9A-F]{16}$")


class InvalidDevEui(ValueError):
    """The text is not a DevEUI (16 hex digits, optionally separated by - or :)."""


def normalize_deveui(raw: str) -> str:
    """`58a0cb0000102f01` / `58:A0:...` / `58-a0-...` -> `58-A0-CB-00-00-10-2F-01`."""
    compact = re.sub(r"[\s:\-]", "", str(raw or "")).upper()
    if not _HEX16.match(compact):
        raise InvalidDevEui(f"not a DevEUI (16 hex digits expected): {raw!r}")
    return "-".join(compact[i : i + 2] for i in range(0, 16, 2))


def is_default(deveui: str | None) -> bool:
    """True for the placeholder that marks a device whose hardware is not yet assigned."""
    if not deveui:
        return True
    try:
        return normalize_deveui(deveui) == DEFAULT_DEVEUI
    except InvalidDevEui:
        return False
