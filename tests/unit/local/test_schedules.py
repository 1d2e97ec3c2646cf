"""Schedule expressions and the speed-up timer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from syncbridge_local.schedules import (
    At,
    Cron,
    Rate,
    ScheduleError,
    ScheduleSpec,
    ScheduleTimer,
    parse_schedule,
)

T0 = datetime(2026, 11, 23, 10, 7, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(15 minutes)", 900),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_rates(expression: str, seconds: int) -> None:
    assert parse_schedule(expression) == Rate(seconds)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 3 * * ? *)", datetime(2026, 11, 24, 3, 0)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 23, 10, 15)),
        ("cron(30 9 ? * MON-FRI *)", datetime(2026, 11, 24, 9, 30)),
        ("cron(0 12 ? * SUN *)", datetime(2026, 11, 29, 12, 0)),
        ("cron(0 0 L * ? *)", datetime(2026, 11, 30, 0, 0)),
        ("cron(0 8 ? * 2#1 *)", datetime(2026, 12, 7, 8, 0)),  # first Monday of December
        ("cron(0 0 1 JAN ? 2027)", datetime(2027, 1, 1, 0, 0)),
        ("cron(5,10 10 * * ? *)", datetime(2026, 11, 23, 10, 10)),
    ],
)
def test_cron_next_fire(expression: str, expected: datetime) -> None:
    assert parse_schedule(expression).next_after(T0) == expected.replace(tzinfo=UTC)


def test_at_fires_once() -> None:
    at = parse_schedule("at(2026-12-01T00:00:00)")
    assert isinstance(at, At)
    assert at.next_after(T0) == datetime(2026, 12, 1, tzinfo=UTC)
    assert at.next_after(datetime(2027, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 weeks)",
        "cron(0 3 * * *)",
        "cron(0 3 1 * MON *)",
        "cron(61 * * * ? *)",
        "every day",
        "cron(0 3 1W * ? *)",
    ],
)
def test_bad_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_cron_past_its_last_year_never_fires() -> None:
    assert Cron.parse("0 0 1 1 ? 2020").next_after(T0) is None


def test_timer_fires_on_a_sped_up_clock() -> None:
    fired = threading.Event()
    count = []

    def fire() -> None:
        count.append(1)
        if len(count) >= 2:
            fired.set()

    timer = ScheduleTimer(
        [ScheduleSpec("Tick", "rate(1 minute)", fire)], speedup=1200
    )  # every 50 ms
    timer.start()
    try:
        assert fired.wait(5)
    finally:
        timer.stop()
    assert [name for name, _ in timer.fired[:2]] == ["Tick", "Tick"]


def test_disabled_schedules_do_not_fire() -> None:
    timer = ScheduleTimer(
        [ScheduleSpec("Off", "rate(1 minute)", lambda: None, enabled=False)], speedup=1200
    )
    assert timer.schedules == []
