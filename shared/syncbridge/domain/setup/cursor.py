"""Opaque pagination cursors: a storage position travels to the browser and back unchanged."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from syncbridge.domain.errors import InvalidInput


def encode(position: dict[str, Any] | None) -> str | None:
    if not position:
        return None
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API issued", field="cursor") from None
    if not isinstance(value, dict):
        raise InvalidInput("cursor is not one this API issued", field="cursor")
    return value
