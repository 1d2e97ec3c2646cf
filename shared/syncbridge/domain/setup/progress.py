"""How far one resource type has got, in records rather than steps (the setup page's bar).

- import: records pulled of those expected. Ekos lists no totals, so "expected" is an
  estimate: the organisation's own records of that kind (it loaded them so the ERP's
  could be matched); flagged `estimated` and never shown past 99 % while still pulling.
  With no home records there is no estimate: a count without a percentage.
- match: ERP records scored of those given to the matcher (the engine reports per shard).
- apply: proposals written of those submitted.
- review: the page counts decisions itself (`ReviewService.summary`).

`ExpectedCounts` keeps each count of home records for `ttl` seconds: the page asks for the
state every second while an import runs, and the estimate does not need to be fresher.

`ProgressReporter` turns the matcher's and applier's callbacks into at most one Setup-table
write per `interval` seconds (plus the last one), so progress costs a few writes, not one
per record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import TypeProgress


def measured(progress: TypeProgress, expected: int | None = None) -> dict[str, Any]:
    """`{"phase", "done", "total", "percent", "estimated"}` for one type's current status."""
    status = progress.status
    if status in ("pending", "importing", "failed"):
        total = expected or None
        percent = None
        if total:
            percent = min(99, round(100 * progress.records / total))
        return _view("import", progress.records, total, percent, estimated=total is not None)
    if status == "matching":
        return _counted("match", progress.matched, progress.match_total)
    if status == "applying":
        return _counted("apply", progress.applied_records, progress.apply_total)
    if status == "awaiting_review":
        return _view("review", progress.records, progress.records, None)
    return _view("done", progress.records, progress.records, 100)


def _counted(phase: str, done: int, total: int) -> dict[str, Any]:
    if total <= 0:
        return _view(phase, done, None, None)
    return _view(phase, min(done, total), total, round(100 * min(done, total) / total))


def _view(
    phase: str, done: int, total: int | None, percent: int | None, estimated: bool = False
) -> dict[str, Any]:
    return {
        "phase": phase,
        "done": done,
        "total": total,
        "percent": percent,
        "estimated": estimated,
    }


@dataclass
class ProgressReporter:
    """Calls `write(done)` when `interval` seconds passed since the last write, and always
    for the final count (`done == total`)."""

    write: Callable[[int], object]
    total: int
    interval: float = 1.0
    clock: Callable[[], float] = field(default=time.monotonic)
    _last: float = field(default=float("-inf"), init=False)
    _written: int = field(default=-1, init=False)

    def __call__(self, done: int, total: int | None = None) -> None:
        now = self.clock()
        final = done >= self.total
        if done == self._written or (not final and now - self._last < self.interval):
            return
        self.write(min(done, self.total))
        self._last, self._written = now, done


@dataclass
class ExpectedCounts:
    """Counts of the organisation's own records per (tenant, kind), each kept `ttl` s."""

    ttl: float = 30.0
    clock: Callable[[], float] = field(default=time.monotonic)
    _kept: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict, init=False)

    def get(self, tenant_id: str, kind: str, count: Callable[[], int]) -> int:
        now = self.clock()
        kept = self._kept.get((tenant_id, kind))
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        if len(self._kept) > 1000:  # a warm container serving many tenants stays small
            self._kept.clear()
        value = count()
        self._kept[(tenant_id, kind)] = (now, value)
        return value
