"""PKCE verifiers (RFC 7636) and `state` values bound to a tenant.

A state is `<tenant, base64url>.<256 random bits>`: the tenant part lets the repository
find the attempt under the tenant's own partition (every key starts with the tenant);
the random part makes it unguessable. Only its SHA-256 is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

VERIFIER_BYTES = 48  # 64 base64url characters, within RFC 7636's 43..128


def new_code_verifier() -> str:
    return secrets.token_urlsafe(VERIFIER_BYTES)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state(tenant_id: str) -> str:
    tenant = base64.urlsafe_b64encode(tenant_id.encode("utf-8")).rstrip(b"=").decode("ascii")
    return f"{tenant}.{secrets.token_urlsafe(32)}"


def state_tenant(state: str) -> str | None:
    """The tenant a state claims, or None when it is not one of ours in shape."""
    tenant_part, sep, random_part = state.partition(".")
    if not sep or len(random_part) < 40 or not tenant_part:
        return None
    try:
        padded = tenant_part + "=" * (-len(tenant_part) % 4)
        tenant = base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return tenant or None


def state_digest(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()
