"""When to try an Ekos call again, and how long to wait first.

429 and 503 may say how long in `Retry-After`, as delta-seconds or as an HTTP-date
(RFC 9110 §10.2.3); we honour it up to a cap. Without it, 5xx and network errors back off
exponentially with full jitter, for a bounded number of attempts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header, or None when absent or unreadable.
    A date in the past means "now" (0)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
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
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class RetryPolicy:
    """Bounded attempts; waits capped by `max_wait` (a server asking for more is obeyed up
    to the cap, then we give up only when attempts run out)."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        return self.backoff(attempt)
