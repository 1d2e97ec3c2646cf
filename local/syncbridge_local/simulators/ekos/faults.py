"""Faults a test can inject into the Ekos simulator: 429s, 5xx, token expiry, slow pages.

    sim.faults.add("rate_limit", path_prefix="/api/v1/products", times=2, retry_after="date")
    sim.faults.add("server_error", status=503, retry_after=1)
    sim.faults.add("expire_token", path_prefix="/api/v1/customer-locations", after=2)
    sim.faults.add("slow", delay=0.5)

A fault matches requests whose path starts with `path_prefix` (and method, if given);
it lets `after` matching requests through first, then fires `times` times (None: forever).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["rate_limit", "server_error", "expire_token", "slow"]
KINDS: tuple[str, ...] = ("rate_limit", "server_error", "expire_token", "slow")


@dataclass
class Fault:
    kind: FaultKind
    path_prefix: str = "/"
    method: str | None = None
    times: int | None = 1
    after: int = 0
    status: int = 503
    retry_after: int | float | str | None = None
    delay: float = 0.0
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class Faults:
    """The simulator's fault list; thread-safe, since the server answers concurrently."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind,
        *,
        path_prefix: str = "/",
        method: str | None = None,
        times: int | None = 1,
        after: int = 0,
        status: int | None = None,
        retry_after: int | float | str | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Inject a fault. `retry_after`: seconds, or "date" for an HTTP-date that many
        seconds ahead (`"date"` alone means 1 s), or a literal header value."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if status is None:
            status = {"rate_limit": 429, "server_error": 503}.get(kind, 0)
        if kind == "server_error" and status not in (500, 502, 503, 504):
            raise ValueError("server_error status must be 500, 502, 503 or 504")
        fault = Fault(kind, path_prefix, method, times, after, status, retry_after, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take(self, method: str, path: str) -> list[Fault]:
        """The faults that fire for this request (consumed), in the order they were added.
        At most one answering fault (429/5xx) fires per request; the next waits its turn."""
        fired: list[Fault] = []
        answered = False
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                answers = fault.kind in ("rate_limit", "server_error")
                if answers and answered:
                    continue
                answered = answered or answers
                fault.fired += 1
                fired.append(fault)
        return fired
