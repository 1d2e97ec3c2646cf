"""Service history: alerts against visits, per point, site and technician."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncbridge.domain.insights.models import SensorEvent, Visit
from syncbridge.domain.insights.service_history import build

T = datetime(2026, 11, 1, 8, tzinfo=UTC)
NOW = T + timedelta(days=29)


def alert(ref: str, hours: float, site: str = "Manchester") -> SensorEvent:
    return SensorEvent(
        id=f"{ref}-{hours}",
        at=T + timedelta(hours=hours),
        point_ref=ref,
        site=site,
        event="rodent_present",
    )


def visit(
    vid: str, hours: float, tech: str, refs: list[str] | None = None, site: str | None = None
) -> Visit:
    return Visit(
        id=vid, at=T + timedelta(hours=hours), technician=tech, point_refs=refs or [], site=site
    )


def test_response_time_is_from_alert_to_first_covering_visit():
    history = build(
        {"P1": "Manchester", "P2": "Manchester"},
        [alert("P1", 0), alert("P1", 2)],
        [visit("v1", 5, "Ann", ["P1"]), visit("v2", 30, "Bob", ["P1"])],
        NOW,
    )
    p1 = next(p for p in history.points if p.point_ref == "P1")
    assert p1.response_hours == [5.0, 3.0]
    assert p1.visits == 2 and p1.alerts_after_last_visit == 0
    assert [t.kind for t in p1.timeline] == ["alert", "alert", "visit", "visit"]


def test_points_nobody_visited_are_listed_per_site_and_overall():
    history = build(
        {"P1": "Manchester", "P2": "Manchester", "P3": "Leeds"},
        [],
        [visit("v1", 1, "Ann", ["P1"])],
        NOW,
    )
    assert history.never_visited == ["P2", "P3"]
    manchester = next(s for s in history.sites if s.site == "Manchester")
    assert manchester.never_visited == ["P2"] and manchester.visits == 1


def test_site_wide_visit_covers_every_point_of_its_site_only():
    history = build(
        {"P1": "Manchester", "P3": "Leeds"},
        [alert("P1", 0)],
        [visit("v1", 4, "Ann", site="Manchester")],
        NOW,
    )
    assert history.never_visited == ["P3"]
    assert history.points[0].response_hours == [4.0]


def test_alert_with_no_later_visit_is_unanswered_and_counts_after_visit():
    history = build({"P1": "Manchester"}, [alert("P1", 10)], [visit("v1", 5, "Ann", ["P1"])], NOW)
    [p1] = history.points
    assert p1.unanswered_alerts == 1 and p1.alerts_after_last_visit == 1


def test_technician_effectiveness_is_share_of_visits_followed_by_14_quiet_days():
    history = build(
        {"P1": "M", "P2": "M"},
        [alert("P1", 0, "M"), alert("P1", 48, "M"), alert("P2", 0, "M")],
        [visit("v1", 1, "Ann", ["P1"]), visit("v2", 1, "Bob", ["P2"])],
        NOW,
    )
    scores = {t.technician: t for t in history.technicians}
    assert scores["Ann"].quiet_after_visit_rate == 0.0  # P1 fired again 47 h later
    assert scores["Bob"].quiet_after_visit_rate == 1.0
    assert scores["Bob"].median_response_hours == 1.0


def test_visits_not_done_or_in_the_future_do_not_count():
    planned = Visit(id="v9", at=NOW + timedelta(days=1), technician="Ann", point_refs=["P1"])
    open_task = Visit(id="v8", at=T, technician="Ann", point_refs=["P1"], done=False)
    history = build({"P1": "M"}, [], [planned, open_task], NOW)
    assert history.never_visited == ["P1"]


def test_a_visit_weeks_after_an_alert_is_routine_not_a_response():
    history = build({"P1": "M"}, [alert("P1", 0)], [visit("v1", 24 * 20, "Ann", ["P1"])], NOW)
    [p1] = history.points
    assert p1.response_hours == [] and p1.unanswered_alerts == 1


def test_alerts_from_references_that_are_no_inspection_point_are_left_out():
    history = build({"P1": "M"}, [alert("P1", 0), alert("ERP999_000_01", 1)], [], NOW)
    assert [p.point_ref for p in history.points] == ["P1"]
    assert history.sites[0].alerts == 1
