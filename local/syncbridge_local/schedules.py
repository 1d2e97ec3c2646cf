"""EventBridge schedule expressions and a timer that fires them (moto stores, never fires).

Understands `rate(5 minutes)`, `at(2026-01-01T00:00:00)` and six-field AWS cron
`cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, lists, ranges,
steps, month/day names, `L` (last day of the month) and `d#n` (n-th weekday d). Local time
can run faster than the wall clock (`speedup`) so a 15-minute schedule fires every few
seconds in a demo.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

log = logging.getLogger("syncbridge_local")


class ScheduleError(ValueError):
    """A schedule expression the runtime cannot parse."""


# ------------------------------------------------------------------ expressions
@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class At:
    when: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.when if self.when > moment else None


MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS = {k.upper(): v for k, v in MONTHS.items()}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _values(field_text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The set of integers a cron field selects (`*`, lists, ranges, steps, names)."""
    out: set[int] = set()
    for part in field_text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"bad step in {field_text!r}")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{field_text!r} is outside {low}-{high}")
        out.update(range(start, end + 1, step))
    return out


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"unsupported cron value {text!r}")
    return int(text)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: any day of the month ('?')
    last_day: bool
    months: frozenset[int]
    weekdays: frozenset[int] | None  # AWS numbering, 1 = Sunday; None: '?'
    nth_weekday: tuple[int, int] | None  # (weekday, n) for 'd#n'
    years: frozenset[int] | None

    @classmethod
    def parse(cls, text: str) -> Cron:
        fields = text.split()
        if len(fields) != 6:
            raise ScheduleError(f"cron needs 6 fields (min hour dom month dow year): {text!r}")
        minute, hour, dom, month, dow, year = fields
        if dom != "?" and dow != "?":
            raise ScheduleError("cron: one of day-of-month and day-of-week must be '?'")
        days = (
            None if dom == "?" else (frozenset() if dom == "L" else frozenset(_values(dom, 1, 31)))
        )
        nth = None
        weekdays = None
        if dow != "?":
            m = re.fullmatch(r"(\w+)#([1-5])", dow)
            if m:
                nth = (_value(m.group(1), WEEKDAYS), int(m.group(2)))
            else:
                weekdays = frozenset(_values(dow, 1, 7, WEEKDAYS))
        return cls(
            minutes=frozenset(_values(minute, 0, 59)),
            hours=frozenset(_values(hour, 0, 23)),
            days=days,
            last_day=dom == "L",
            months=frozenset(_values(month, 1, 12, MONTHS)),
            weekdays=weekdays,
            nth_weekday=nth,
            years=None if year in ("*", "?") else frozenset(_values(year, 1970, 2199)),
        )

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        aws_weekday = (day.isoweekday() % 7) + 1  # Sunday = 1
        if self.nth_weekday is not None:
            weekday, n = self.nth_weekday
            return aws_weekday == weekday and (day.day - 1) // 7 + 1 == n
        if self.weekdays is not None:
            return aws_weekday in self.weekdays
        if self.last_day:
            return day.day == calendar.monthrange(day.year, day.month)[1]
        return self.days is None or day.day in self.days

    def next_after(self, moment: datetime) -> datetime | None:
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for offset in range(366 * 5):
            day = start.date() + timedelta(days=offset)
            if not self.matches_day(day):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    candidate = datetime(
                        day.year, day.month, day.day, hour, minute, tzinfo=moment.tzinfo
                    )
                    if candidate >= start:
                        return candidate
        return None


RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_schedule(expression: str) -> Rate | Cron | At:
    """Parse an EventBridge schedule expression (`rate(...)`, `cron(...)` or `at(...)`)."""
    expression = expression.strip()
    m = re.fullmatch(r"rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)", expression)
    if m:
        if int(m.group(1)) < 1:
            raise ScheduleError(f"rate must be positive: {expression!r}")
        return Rate(int(m.group(1)) * RATE_UNITS[m.group(2)])
    m = re.fullmatch(r"cron\((.+)\)", expression)
    if m:
        return Cron.parse(m.group(1))
    m = re.fullmatch(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)", expression)
    if m:
        return At(datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC))
    raise ScheduleError(f"unsupported schedule expression {expression!r}")


# ------------------------------------------------------------------ the timer
@dataclass
class ScheduleSpec:
    """A schedule from the template and what to do when it fires."""

    logical_id: str
    expression: str
    fire: Callable[[], object]
    enabled: bool = True
    parsed: Rate | Cron | At = field(init=False)

    def __post_init__(self) -> None:
        self.parsed = parse_schedule(self.expression)


class ScheduleTimer:
    """Fires schedules on a virtual clock that runs `speedup` times faster than real time."""

    def __init__(self, schedules: list[ScheduleSpec], speedup: float = 1.0) -> None:
        if speedup <= 0:
            raise ValueError("speedup must be positive")
        self.schedules = [s for s in schedules if s.enabled]
        self.speedup = speedup
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)
        self._origin_wall = datetime.now(UTC)
        self._origin_mono = time.monotonic()
        self.fired: list[tuple[str, datetime]] = []

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_mono) * self.speedup
        return self._origin_wall + timedelta(seconds=elapsed)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        upcoming = {s.logical_id: s.parsed.next_after(self.now()) for s in self.schedules}
        by_id = {s.logical_id: s for s in self.schedules}
        while not self._stop.is_set():
            pending = {k: v for k, v in upcoming.items() if v is not None}
            if not pending:
                return
            logical_id, when = min(pending.items(), key=lambda item: item[1])
            wait = (when - self.now()).total_seconds() / self.speedup
            if wait > 0:
                self._stop.wait(min(wait, 0.5))
                continue
            schedule = by_id[logical_id]
            log.info("schedule %s fires (%s)", logical_id, schedule.expression)
            self.fired.append((logical_id, when))
            try:
                schedule.fire()
            except Exception:
                log.exception("schedule %s: target failed", logical_id)
            upcoming[logical_id] = schedule.parsed.next_after(when)
