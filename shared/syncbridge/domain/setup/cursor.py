"""Opaque, signed pagination cursors: a storage position travels to the browser and back.

A cursor is a Fernet token (AES-128-CBC + HMAC-SHA256, `cryptography`) over the position
and the listing it belongs to (`context`, e.g. tenant + resource type + filter): the
browser can neither read the internal keys nor forge or edit a position, and a cursor of
one listing (or tenant) is refused by another. Anything not issued by us, altered, of
another listing or older than a day -> 422 `invalid_input` on `cursor`, never a 500.

The key comes from the caller (the stores pass the deployment's, see
`syncbridge.store.cursor_key`); without one a random per-process key is used (tests).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from syncbridge.domain.errors import InvalidInput

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

MAX_AGE_SECONDS = 24 * 3600
_PROCESS_KEY = os.urandom(32)


def _fernet(key: bytes | None) -> Fernet:
    # imported on first use: only the functions that page (the API) ship `cryptography`
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"sync-bridge cursor\x00" + (key or _PROCESS_KEY)).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _refused() -> InvalidInput:
    return InvalidInput("cursor is not one this API issued for this listing", field="cursor")


def encode(
    position: dict[str, Any] | None, *, context: str = "", key: bytes | None = None
) -> str | None:
    if not position:
        return None
    raw = json.dumps({"c": context, "p": position}, separators=(",", ":"), sort_keys=True)
    return _fernet(key).encrypt(raw.encode()).decode("ascii")


def decode(
    cursor: str | None, *, context: str = "", key: bytes | None = None
) -> dict[str, Any] | None:
    if not cursor:
        return None
    from cryptography.fernet import InvalidToken

    try:
        raw = _fernet(key).decrypt(cursor.encode("ascii"), ttl=MAX_AGE_SECONDS)
        value = json.loads(raw)
    except (InvalidToken, ValueError, UnicodeError):
        raise _refused() from None
    if not isinstance(value, dict) or value.get("c") != context:
        raise _refused()
    position = value.get("p")
    if not isinstance(position, dict) or not position:
        raise _refused()
    return position
