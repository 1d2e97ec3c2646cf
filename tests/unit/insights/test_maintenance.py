"""Preventive maintenance: findings from health trends, and work orders planned once each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from syncbridge.domain.insights.maintenance import (
    MaintenancePolicy,
    plan_work_orders,
    predict,
    theil_sen_slope,
)
from syncbridge.domain.insights.models import HealthReading, Problem, WorkOrder

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EUI = "58-A0-CB-00-00-10-2F-01"


def readings(days: int = 30, every_hours: int = 6, **series) -> list[HealthReading]:
    out = []
    for i in range(days * 24 // every_hours):
        at = NOW - timedelta(days=days) + timedelta(hours=every_hours * (i + 1))
        values = {k: f(i, at) for k, f in series.items()}
        out.append(HealthReading(deveui=EUI, point_ref="ERP024_025_01", at=at, **values))
    return out


def test_given_linear_decline_when_predicting_then_due_date_is_where_the_line_meets_threshold():
    # 0.8%/day from 50% thirty days ago: 26% now, 20% in 7.5 days
    per_reading = 0.8 / 4
    history = readings(battery_pct=lambda i, at: 50 - per_reading * (i + 1))
    [finding] = predict(history, NOW)
    assert finding.problem is Problem.BATTERY
    assert finding.due == date(2026, 12, 8)
    assert "0.80%/day" in finding.reason
    assert 0 < finding.severity < 1


def test_given_one_wild_reading_when_predicting_then_the_slope_ignores_it():
    per_reading = 0.8 / 4
    history = readings(battery_pct=lambda i, at: 50 - per_reading * (i + 1))
    history[60] = history[60].model_copy(update={"battery_pct": 0.0})
    history[61] = history[61].model_copy(update={"battery_pct": 100.0})
    [finding] = predict(history, NOW)
    assert "0.80%/day" in finding.reason


def test_given_slow_decline_beyond_horizon_then_no_finding():
    history = readings(battery_pct=lambda i, at: 90 - 0.01 * i)
    assert predict(history, NOW) == []


def test_given_battery_below_threshold_then_severity_is_full_and_due_today():
    history = readings(battery_pct=lambda i, at: 15.0)
    [finding] = predict(history, NOW)
    assert finding.severity == 1.0 and finding.due == NOW.date()


def test_given_rssi_drop_then_signal_finding_names_both_medians():
    history = readings(rssi=lambda i, at: -80.0 if at < NOW - timedelta(days=7) else -97.0)
    [finding] = predict(history, NOW)
    assert finding.problem is Problem.SIGNAL
    assert "-80" in finding.reason and "-97" in finding.reason


def test_given_rssi_steady_but_above_floor_then_no_signal_finding():
    assert predict(readings(rssi=lambda i, at: -95.0), NOW) == []


def test_given_rssi_at_floor_then_signal_finding():
    [finding] = predict(readings(rssi=lambda i, at: -118.0), NOW)
    assert finding.problem is Problem.SIGNAL and finding.severity == 1.0


def test_given_device_silent_for_three_days_then_silent_finding_and_nothing_else():
    history = [
        r for r in readings(battery_pct=lambda i, at: 10.0) if r.at < NOW - timedelta(days=3)
    ]
    [finding] = predict(history, NOW)
    assert finding.problem is Problem.SILENT
    assert "every 6.0 h" in finding.reason


def test_given_reading_within_rhythm_then_not_silent():
    history = readings(battery_pct=lambda i, at: 80.0)
    assert all(f.problem is not Problem.SILENT for f in predict(history, NOW))


def test_theil_sen_is_exact_on_a_line():
    assert theil_sen_slope([0, 1, 2, 3], [10, 8, 6, 4]) == -2


def test_custom_policy_changes_the_threshold():
    history = readings(battery_pct=lambda i, at: 35.0)
    assert predict(history, NOW) == []
    [finding] = predict(history, NOW, MaintenancePolicy(battery_threshold_pct=40))
    assert finding.severity == 1.0


def apply(actions, orders: dict[str, WorkOrder]) -> None:
    """What the ERP adapter does with the plan: a tiny in-memory ERP."""
    for action in actions:
        if action.kind == "create":
            orders[action.key] = WorkOrder(
                id=f"wo-{len(orders) + 1}", key=action.key, description=action.description or ""
            )
        elif action.kind == "update":
            orders[action.key].description = action.description or ""
        elif action.kind == "close":
            orders[action.key].open = False


def test_work_orders_are_created_once_kept_on_rerun_and_closed_when_cleared():
    findings = predict(readings(battery_pct=lambda i, at: 15.0), NOW)
    orders: dict[str, WorkOrder] = {}
    first = plan_work_orders(findings, orders.values())
    assert [a.kind for a in first] == ["create"]
    assert first[0].title and "ERP024_025_01" in first[0].title
    apply(first, orders)
    assert [a.kind for a in plan_work_orders(findings, orders.values())] == ["keep"]
    cleared = plan_work_orders([], orders.values())
    assert [(a.kind, a.order_id) for a in cleared] == [("close", "wo-1")]
    apply(cleared, orders)
    assert plan_work_orders([], orders.values()) == []


def test_work_order_is_updated_when_its_reason_changes():
    orders = {}
    apply(plan_work_orders(predict(readings(battery_pct=lambda i, at: 15.0), NOW), []), orders)
    worse = predict(readings(battery_pct=lambda i, at: 5.0), NOW)
    [action] = plan_work_orders(worse, orders.values())
    assert action.kind == "update" and "5%" in (action.description or "")


def test_orders_not_made_by_maintenance_are_left_alone():
    foreign = WorkOrder(id="wo-9", key="incident:42", description="x")
    assert plan_work_orders([], [foreign]) == []
