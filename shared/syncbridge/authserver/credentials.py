"""Minting, hashing and verifying the secrets the authorization server hands out.

Every credential we mint (client id, access/refresh token, authorization code) carries its
tenant in clear: `<kind>.<tenant>.<random>`. The store keys each record by tenant first
and by the SHA-256 of the whole credential, so a credential binds to exactly one tenant
structurally (editing the tenant part changes the hash and finds nothing). Client secrets
and person passwords are stored only as salted scrypt hashes; tokens and codes, which are
256-bit random, as plain SHA-256 digests (fast to look up, useless if the table leaks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

# scrypt cost: 2**14 x 8 x 1 needs 16 MiB and ~50 ms, per OWASP's minimum for scrypt.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024


class InvalidTenant(ValueError):
    """A tenant id we cannot embed in credentials and keys."""


def check_tenant(tenant_id: str) -> str:
    if not TENANT_PATTERN.match(tenant_id or ""):
        raise InvalidTenant(
            "tenant id must be 1-64 letters, digits, '-' or '_' and start with a letter or digit"
        )
    return tenant_id


def mint(kind: str, tenant_id: str, nbytes: int = 32) -> str:
    """A new random credential of `kind` bound to `tenant_id`."""
    check_tenant(tenant_id)
    return f"{kind}.{tenant_id}.{secrets.token_urlsafe(nbytes)}"


def tenant_of(credential: str) -> str | None:
    """The tenant a credential names, or None when it is not one of ours."""
    parts = (credential or "").split(".")
    if len(parts) != 3 or not TENANT_PATTERN.match(parts[1]):
        return None
    return parts[1]


def digest(credential: str) -> str:
    """The lookup key of a high-entropy credential (token, code)."""
    return hashlib.sha256(credential.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of a client secret or password, self-describing for upgrades."""
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(
        secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=_SCRYPT_MAXMEM
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of `secret` against a `hash_secret` value."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            (secret or "").encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_SCRYPT_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, _unb64(expected))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
