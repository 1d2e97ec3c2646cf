"""Send an HTTP request, retrying what an overloaded or briefly absent server deserves.

429 and 503 wait for Retry-After (delta-seconds or an HTTP-date, RFC 9110 §10.2.3, capped);
other 5xx and connection failures back off exponentially with jitter. A request that is
not idempotent (a create without an idempotency key) is retried only when it certainly
never reached the server (connection refused, connect timeout, 429/503 which refuse
before processing), never after a read timeout or a 500.
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
HINTED_STATUSES = frozenset({429, 503})  # may carry Retry-After


@dataclass
class RetryPolicy:
    """Bounded attempts; a server asking for a longer wait is obeyed up to `max_retry_after`."""

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)
    retry_statuses: frozenset[int] = RETRY_STATUSES

    def backoff(self, attempt: int) -> float:
        """Jittered exponential backoff for retry number `attempt` (1-based): never less
        than half the ceiling, so a struggling server gets a real pause."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.backoff(attempt)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, or None when absent or unreadable.
    A date in the past means "now" (0)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN guard
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def hinted_wait(response: httpx.Response) -> float | None:
    """The Retry-After of a 429/503, else None."""
    if response.status_code not in HINTED_STATUSES:
        return None
    return retry_after_seconds(response.headers.get("Retry-After"))


def send_with_retry(
    client: httpx.Client,
    build: Callable[[], httpx.Request],
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    should_retry: Callable[[httpx.Response], bool] | None = None,
    label: str = "request",
) -> tuple[httpx.Response, int]:
    """Send the request `build()` makes, retrying per `policy`; return the last response
    and how many attempts it took.

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
            return response, attempt
        delay = policy.delay(attempt, hinted_wait(response))
        logger.warning(
            "retrying after HTTP status",
            extra={"call": label, "attempt": attempt, "status": status, "delay": delay},
        )
        response.close()
        policy.sleep(delay)
