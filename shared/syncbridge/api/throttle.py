"""Which counters a request counts against, and how many requests each allows per minute.

A route's policy names its throttles (`syncbridge.api.policy`):
- `tenant`: every authenticated request, per tenant (API_RATE_LIMIT_PER_MINUTE, 1200);
- `token`: /oauth/token, /revoke, /introspect per client id (TOKEN_RATE_LIMIT_PER_MINUTE, 30)
  and per source address (ADDRESS_RATE_LIMIT_PER_MINUTE, 300): guessing a client's secret
  stops after 30 tries a minute;
- `login`: POST /oauth/login per tenant + user name (LOGIN_RATE_LIMIT_PER_MINUTE, 10) and
  per source address: guessing a person's password stops after 10 tries a minute.
Over the limit -> 429 `rate_limited` with Retry-After. Counters live in DynamoDB
(`syncbridge.store.throttle`); identities are hashed in the key, so a client id or user
name never lands in the table or a log in clear. Without THROTTLE_TABLE (unit tests of a
single router) nothing is counted; template.yaml sets it for every HTTP function.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

from syncbridge.api.edge import body_bytes
from syncbridge.api.principal import Principal
from syncbridge.domain.errors import RateLimited
from syncbridge.observability import logger, metrics

WINDOW_SECONDS = 60
LIMITS = {
    "tenant": ("API_RATE_LIMIT_PER_MINUTE", 1200),
    "client": ("TOKEN_RATE_LIMIT_PER_MINUTE", 30),
    "login": ("LOGIN_RATE_LIMIT_PER_MINUTE", 10),
    "address": ("ADDRESS_RATE_LIMIT_PER_MINUTE", 300),
}


class Counter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> int: ...


_counter: Counter | None = None


def use_counter(counter: Counter | None) -> None:
    """Install a counter (tests); None goes back to the DynamoDB one when configured."""
    global _counter
    _counter = counter


def counter() -> Counter | None:
    if _counter is not None:
        return _counter
    if not os.environ.get("THROTTLE_TABLE"):
        return None
    from syncbridge.store.throttle import DynamoThrottle

    return DynamoThrottle()


def limit(name: str) -> int:
    var, default = LIMITS[name]
    try:
        return max(1, int(os.environ.get(var, default)))
    except ValueError:
        return default


def _hashed(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:32]


def _form(event: dict[str, Any]) -> dict[str, str]:
    try:
        text = body_bytes(event).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in parse_qs(text).items() if v}


def _basic_client_id(event: dict[str, Any]) -> str | None:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "malformed"
    return unquote(decoded.partition(":")[0])


def source_address(event: dict[str, Any]) -> str:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def keys_for(
    kinds: Iterable[str], event: dict[str, Any], principal: Principal | None
) -> list[tuple[str, str]]:
    """(counter key, limit name) pairs this request counts against."""
    keys: list[tuple[str, str]] = []
    for kind in kinds:
        if kind == "tenant" and principal is not None:
            keys.append((f"api#{principal.tenant_id}", "tenant"))
        elif kind == "token":
            client_id = _basic_client_id(event) or _form(event).get("client_id", "")
            keys.append((f"token#client#{_hashed(client_id)}", "client"))
            keys.append((f"token#addr#{_hashed(source_address(event))}", "address"))
        elif kind == "login":
            form = _form(event)
            person = _hashed(form.get("tenant", ""), form.get("username", "").lower())
            keys.append((f"login#person#{person}", "login"))
            keys.append((f"login#addr#{_hashed(source_address(event))}", "address"))
    return keys


def count(kinds: Iterable[str], event: dict[str, Any], principal: Principal | None) -> None:
    """Count the request; raise RateLimited (429 + Retry-After) when a counter is over."""
    active = counter()
    if active is None:
        return
    for key, name in keys_for(kinds, event, principal):
        wait = active.hit(key, limit(name), WINDOW_SECONDS)
        if wait > 0:
            metrics.add_metric(name="Throttled", unit="Count", value=1)
            logger.info("request throttled", extra={"throttle": name, "retry_after": wait})
            raise RateLimited("too many requests; retry later", retry_after=wait, limit=name)
