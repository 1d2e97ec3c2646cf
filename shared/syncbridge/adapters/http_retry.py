"""Send an HTTP request, retrying what an overloaded or briefly absent server deserves.

429 waits for Retry-After (seconds or an HTTP-date, capped), 5xx and connection failures
back off exponentially with jitter. A request that is not idempotent (e.g. a create) is
retried only when it certainly never reached the server (connection refused, connect
timeout, 429/503 which refuse before processing), never after a read timeout.

Used by the Odoo, REST-ERP and Microshare adapters; the caller maps the final outcome to
its own typed errors.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from syncbridge.observability import logger

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SAFE_FOR_ANY_METHOD = frozenset({429, 503})  # the server refused before doing anything


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    retry_statuses: frozenset[int] = RETRY_STATUSES

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def send_with_retry(
    client: httpx.Client,
    build: Callable[[], httpx.Request],
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    should_retry: Callable[[httpx.Response], bool] | None = None,
    label: str = "request",
) -> httpx.Response:
    """Send the request `build()` makes, retrying per `policy`; return the last response.

    Raises the last `httpx.TransportError` when every attempt failed to get a response.
    `build` is called per attempt so auth headers can be refreshed between tries.
    `label` names the call in logs (never a URL: URLs may carry credentials).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            response = client.send(build())
        except httpx.TransportError as exc:
            never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            if attempt >= policy.attempts or not (idempotent or never_sent):
                raise
            delay = policy.backoff(attempt)
            logger.warning(
                "retrying after transport error",
                extra={"call": label, "attempt": attempt, "error": type(exc).__name__},
            )
            policy.sleep(delay)
            continue
        status = response.status_code
        retry = status in policy.retry_statuses and (idempotent or status in SAFE_FOR_ANY_METHOD)
        if retry and should_retry is not None:
            retry = should_retry(response)
        if not retry or attempt >= policy.attempts:
            return response
        delay = policy.backoff(attempt)
        if status == 429:
            hinted = retry_after_seconds(response.headers.get("Retry-After"))
            if hinted is not None:
                delay = min(hinted, policy.max_retry_after)
        logger.warning(
            "retrying after HTTP status",
            extra={"call": label, "attempt": attempt, "status": status, "delay": delay},
        )
        response.close()
        policy.sleep(delay)
