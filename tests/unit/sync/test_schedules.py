"""The per-connection sync schedules' names (Scheduler's rules) and when each fires next
(shown on the sync status page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from syncbridge.domain.sync.schedules import next_run, schedule_name

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_names_follow_schedulers_rules_whatever_the_ids():
    name = schedule_name(
        "sync-bridge prod/stack", "tenant/" + "x" * 300, "ekos:main#" * 5, "incremental_sync"
    )
    assert len(name) <= 64 and re.fullmatch(r"[0-9A-Za-z_.-]+", name)
    # prefix to 20, the tenant as 16 hex of its SHA-256, the connection to 16, the action short
    assert re.fullmatch(r"sync-bridge-prod-sta-[0-9a-f]{16}-ekos-main-ekos-m-inc", name), name


def test_names_are_stable_and_unique_per_tenant_connection_and_action():
    base = schedule_name("sb", "tenant-a", "ekos", "incremental_sync")
    assert base == schedule_name("sb", "tenant-a", "ekos", "incremental_sync")
    others = {
        schedule_name("sb", "tenant-b", "ekos", "incremental_sync"),
        schedule_name("sb", "tenant-a", "other", "incremental_sync"),
        schedule_name("sb", "tenant-a", "ekos", "reconcile"),
    }
    assert base not in others and len(others) == 3
    assert schedule_name("sb", "tenant-a", "ekos", "reconcile").endswith("-ekos-rec")
    assert schedule_name("sb", "tenant-a", "ekos", "pest_sweep_daily").endswith("-ekos-pest_swe")


@pytest.mark.parametrize(
    ("expression", "now", "fires"),
    [
        ("rate(15 minutes)", T0 + timedelta(minutes=20), T0 + timedelta(minutes=30)),
        ("rate(15 minutes)", T0, T0 + timedelta(minutes=15)),  # created now: one period on
        ("rate(15 minutes)", T0 + timedelta(minutes=30), T0 + timedelta(minutes=45)),
        ("rate(15 minutes)", T0 - timedelta(hours=1), T0 + timedelta(minutes=15)),  # clock skew
        ("rate(1 hour)", T0 + timedelta(minutes=59), T0 + timedelta(hours=1)),
        ("rate(2 days)", T0 + timedelta(days=3), T0 + timedelta(days=4)),
        ("cron(30 3 * * ? *)", T0, datetime(2026, 12, 8, 3, 30, tzinfo=UTC)),
        ("cron(30 3 * * ? *)", T0.replace(hour=3, minute=29), T0.replace(hour=3, minute=30)),
        (
            "cron(30 3 * * ? *)",
            T0.replace(hour=3, minute=30),
            datetime(2026, 12, 8, 3, 30, tzinfo=UTC),
        ),
    ],
)
def test_next_run_of_rates_and_daily_crons(expression, now, fires):
    assert next_run(expression, T0, now) == fires


def test_a_daily_cron_is_read_in_utc_whatever_the_callers_zone():
    denver = timezone(timedelta(hours=-7))
    now = datetime(2026, 12, 7, 20, 0, tzinfo=denver)  # 03:00 UTC on the 8th
    assert next_run("cron(30 3 * * ? *)", T0, now) == datetime(2026, 12, 8, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression", ["cron(0 3 ? * MON *)", "rate(5 weeks)", "at(2026-12-08T00:00:00)", ""]
)
def test_other_expressions_have_no_next_run(expression):
    assert next_run(expression, T0, T0) is None
