"""Analytics, monthly reports, usage metering and the compliance pack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncbridge.domain.insights.analytics import RiskInputs, seasonal, site_risk
from syncbridge.domain.insights.compliance import DeviceChange, IncidentRecord, build_pack
from syncbridge.domain.insights.models import SensorEvent, Visit
from syncbridge.domain.insights.reports import Month, SiteInputs, site_reports
from syncbridge.domain.insights.service_history import build
from syncbridge.domain.insights.usage import (
    ActiveInterval,
    daily_usage,
    monthly_usage,
    sale_order_lines,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def ev(i: int, at: datetime, site: str = "M", pest: str = "rodent", ref: str = "P1") -> SensorEvent:
    return SensorEvent(
        id=str(i), at=at, point_ref=ref, site=site, event="rodent_present", pest_type=pest
    )


def test_seasonal_counts_by_month_and_iso_week():
    events = [
        ev(1, datetime(2026, 1, 5, tzinfo=UTC)),
        ev(2, datetime(2026, 1, 6, tzinfo=UTC)),
        ev(3, datetime(2026, 2, 1, tzinfo=UTC), pest="insect"),
    ]
    months = {(r.period, r.pest_type): r.alerts for r in seasonal(events)}
    assert months == {("2026-01", "rodent"): 2, ("2026-02", "insect"): 1}
    weeks = {r.period: r.alerts for r in seasonal(events, by="week")}
    assert weeks == {"2026-W02": 2, "2026-W05": 1}
    with pytest.raises(ValueError):
        seasonal(events, by="year")


def test_risk_is_the_sum_of_its_named_parts_and_rises_with_a_burst():
    quiet = [ev(i, NOW - timedelta(days=20 + 7 * i)) for i in range(10)]
    burst = quiet + [ev(100 + i, NOW - timedelta(hours=5 * i)) for i in range(12)]
    inputs = RiskInputs(site="M", points=10, covered_points=8, unanswered_alerts=1)
    calm, hot = site_risk(inputs, quiet, NOW), site_risk(inputs, burst, NOW)
    for risk in (calm, hot):
        assert risk.score == pytest.approx(sum(p.points for p in risk.parts), abs=0.11)
        assert {p.name for p in risk.parts} == {
            "recent activity",
            "season",
            "coverage gaps",
            "unanswered alerts",
        }
    assert hot.score > calm.score
    assert next(p for p in calm.parts if p.name == "coverage gaps").points == 4.0
    assert (
        "12 alerts in the last 14 days"
        in next(p for p in hot.parts if p.name == "recent activity").reason
    )


def test_month_parse_rejects_nonsense():
    assert Month.parse("2026-02").end.day == 28
    for bad in ("2026", "2026-13", "abc-01", "1800-01"):
        with pytest.raises(ValueError):
            Month.parse(bad)


def test_site_report_coverage_alerts_in_month_and_revenue_per_device():
    month = Month.parse("2026-11")
    events = [ev(1, datetime(2026, 11, 3, tzinfo=UTC)), ev(2, datetime(2026, 10, 30, tzinfo=UTC))]
    history = build(
        {"P1": "M", "P2": "M"},
        events,
        [Visit(id="v", at=datetime(2026, 11, 3, 6, tzinfo=UTC), technician="A", point_refs=["P1"])],
        NOW,
    )
    [row] = site_reports(
        month,
        [SiteInputs(site="M", points=4, covered_points=3, deployed_devices=3, revenue=300)],
        events,
        history,
    )
    assert row.coverage_pct == 75.0 and row.alerts == 1
    assert row.revenue_per_device == 100.0 and row.never_visited == 1


def test_usage_counts_device_days_by_activity_on_each_day():
    month = Month.parse("2026-11")
    intervals = [
        ActiveInterval(
            deveui="A", customer="Golden Crust", start=datetime(2026, 10, 1, tzinfo=UTC)
        ),
        ActiveInterval(
            deveui="B", customer="Golden Crust", start=datetime(2026, 11, 29, 23, tzinfo=UTC)
        ),
        ActiveInterval(
            deveui="C",
            customer="Other",
            start=datetime(2026, 11, 1, tzinfo=UTC),
            end=datetime(2026, 11, 2, 0, 30, tzinfo=UTC),
        ),
    ]
    days = daily_usage(month, intervals, [("Golden Crust", datetime(2026, 11, 5, tzinfo=UTC))], [])
    totals = {r.customer: r for r in monthly_usage(month, days)}
    assert totals["Golden Crust"].device_days == 30 + 2
    assert totals["Golden Crust"].peak_active_devices == 2 and totals["Golden Crust"].alerts == 1
    assert totals["Other"].device_days == 2
    lines = sale_order_lines(totals.values())
    assert [line.key for line in lines] == ["usage:Golden Crust:2026-11", "usage:Other:2026-11"]
    assert lines[0].quantity == 32


def test_compliance_pack_sections_trace_to_audit_entries():
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    change = DeviceChange(
        at=datetime(2026, 11, 2, tzinfo=UTC),
        point_ref="P1",
        action="confirm_deveui",
        field="deveui",
        old=None,
        new="58-A0",
        actor="alice",
        audit_ref="audit#1",
    )
    elsewhere = change.model_copy(update={"point_ref": "X9", "audit_ref": "audit#2"})
    pack = build_pack(
        tenant="t",
        site="M",
        start=start,
        end=end,
        now=NOW,
        site_points={"P1": True, "P2": False},
        device_changes=[change, elsewhere],
        incidents=[
            IncidentRecord(
                at=datetime(2026, 11, 4, tzinfo=UTC),
                point_ref="P1",
                incident_id="17",
                title="Rodent detected",
                audit_ref="audit#3",
            )
        ],
        visits=[
            Visit(
                id="v1", at=datetime(2026, 11, 5, tzinfo=UTC), technician="Ann", point_refs=["P1"]
            )
        ],
        events=[],
    )
    by_title = {s.title: s for s in pack.sections}
    assert [r.audit_ref for r in by_title["DevEUI changes"].rows] == ["audit#1"]
    assert by_title["Incidents and corrective actions"].rows[0].audit_ref == "audit#3"
    assert by_title["Sensor coverage gaps"].figure == 1
    assert by_title["Service visits"].rows[0].actor == "Ann"
    assert all(s.figure == len(s.rows) for s in pack.sections)


def test_usage_of_the_running_month_stops_at_today():
    month = Month.parse("2026-11")
    intervals = [ActiveInterval(deveui="A", customer="C", start=datetime(2026, 10, 1, tzinfo=UTC))]
    days = daily_usage(month, intervals, [], [], until=datetime(2026, 11, 7, 12, tzinfo=UTC))
    assert len(days) == 7 and monthly_usage(month, days)[0].device_days == 7
