"""Signed, expiring links for people without an account (a customer's portal).

The link carries what it grants (tenant, customer, expiry) and an HMAC-SHA256 over it with
a key kept in Secrets Manager; nothing is stored, and a changed or expired link is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from functools import cache

from syncbridge.domain.errors import Unauthorized


class LinkRefused(Unauthorized):
    code = "link_refused"


@dataclass(frozen=True)
class LinkGrant:
    tenant_id: str
    customer: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _key_from_secret(arn: str) -> bytes:
    from syncbridge import aws

    value = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return value.encode("utf-8")


def signing_key() -> bytes:
    arn = os.environ.get("PORTAL_SIGNING_SECRET_ARN")
    if not arn:
        raise RuntimeError("PORTAL_SIGNING_SECRET_ARN is not set (see template.yaml)")
    return _key_from_secret(arn)


def sign(grant: LinkGrant, key: bytes) -> str:
    payload = json.dumps(
        {"t": grant.tenant_id, "c": grant.customer, "e": grant.expires_at},
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(token: str, key: bytes, now: float | None = None) -> LinkGrant:
    """The grant a token carries, or `LinkRefused` (tampered, malformed or expired)."""
    try:
        payload_part, mac_part = token.split(".", 1)
        payload = _unb64(payload_part)
        mac = _unb64(mac_part)
    except (ValueError, TypeError):
        raise LinkRefused("this link is not valid") from None
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        raise LinkRefused("this link is not valid")
    try:
        data = json.loads(payload)
        grant = LinkGrant(
            tenant_id=str(data["t"]), customer=str(data["c"]), expires_at=int(data["e"])
        )
    except (ValueError, KeyError, TypeError):
        raise LinkRefused("this link is not valid") from None
    if grant.expires_at < (time.time() if now is None else now):
        raise LinkRefused("this link has expired: ask your service company for a new one")
    return grant
