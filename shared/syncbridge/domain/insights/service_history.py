"""Service history: sensor alerts set against technician visits, per point and site.

The questions a pest-control manager asks: after an alert, how long until someone came?
Did the alerts stop after the visit? Which points has nobody visited? Which technicians'
visits are followed by quiet traps? A visit answers an alert when it covers the alert's
point (or its site, for site-wide visits) and comes after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median

from pydantic import BaseModel, Field

from syncbridge.domain.insights.models import SensorEvent, Visit

QUIET_AFTER = timedelta(days=14)
ANSWER_WITHIN = timedelta(days=14)  # a visit weeks later is routine, not a response


class TimelineEntry(BaseModel):
    at: datetime
    kind: str  # alert | visit
    detail: str
    technician: str | None = None


class PointHistory(BaseModel):
    point_ref: str
    site: str | None
    alerts: int
    visits: int
    last_alert: datetime | None = None
    last_visit: datetime | None = None
    response_hours: list[float] = Field(default_factory=list)
    alerts_after_last_visit: int = 0
    unanswered_alerts: int = 0
    timeline: list[TimelineEntry] = Field(default_factory=list)


class TechnicianScore(BaseModel):
    """A technician's visits and how often the traps they served went quiet afterwards."""

    technician: str
    visits: int
    answered_alerts: int
    median_response_hours: float | None
    quiet_after_visit_rate: float | None = Field(
        description="Share of visits after which the points stayed alert-free for 14 days."
    )


class SiteSummary(BaseModel):
    site: str
    points: int
    alerts: int
    visits: int
    never_visited: list[str]
    median_response_hours: float | None
    p90_response_hours: float | None
    alerts_after_visit: int
    quiet_after_visit_rate: float | None


class ServiceHistory(BaseModel):
    points: list[PointHistory]
    sites: list[SiteSummary]
    technicians: list[TechnicianScore]
    never_visited: list[str]


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _covers(visit: Visit, point_ref: str, site: str | None) -> bool:
    if visit.point_refs:
        return point_ref in visit.point_refs
    return site is not None and visit.site == site


def build(
    point_sites: dict[str, str | None],
    events: Iterable[SensorEvent],
    visits: Iterable[Visit],
    now: datetime,
) -> ServiceHistory:
    """Correlate every point's alerts with the visits that cover it.

    `point_sites` names every inspection point (point_ref -> site), so points with neither
    alerts nor visits still show up as never visited; alerts from references that are no
    inspection point are left out. An alert counts as answered by the first covering visit
    within `ANSWER_WITHIN`.
    """
    alerts_by_point: dict[str, list[SensorEvent]] = defaultdict(list)
    for event in events:
        if event.point_ref and event.point_ref in point_sites:
            alerts_by_point[event.point_ref].append(event)
    done_visits = sorted((v for v in visits if v.done and v.at <= now), key=lambda v: v.at)

    histories: list[PointHistory] = []
    tech_visits: dict[str, int] = defaultdict(int)
    tech_responses: dict[str, list[float]] = defaultdict(list)
    tech_quiet: dict[str, list[bool]] = defaultdict(list)
    for point_ref in sorted(point_sites):
        site = point_sites[point_ref]
        alerts = sorted(alerts_by_point.get(point_ref, []), key=lambda e: e.at)
        covering = [v for v in done_visits if _covers(v, point_ref, site)]
        history = PointHistory(
            point_ref=point_ref,
            site=site,
            alerts=len(alerts),
            visits=len(covering),
            last_alert=alerts[-1].at if alerts else None,
            last_visit=covering[-1].at if covering else None,
        )
        for alert in alerts:
            answer = next(
                (v for v in covering if alert.at <= v.at <= alert.at + ANSWER_WITHIN), None
            )
            if answer is None:
                history.unanswered_alerts += 1
                continue
            hours = round((answer.at - alert.at).total_seconds() / 3600.0, 2)
            history.response_hours.append(hours)
            if answer.technician:
                tech_responses[answer.technician].append(hours)
        if covering:
            history.alerts_after_last_visit = sum(1 for a in alerts if a.at > covering[-1].at)
        for visit in covering:
            technician = visit.technician or "unassigned"
            tech_visits[technician] += 1
            if visit.at + QUIET_AFTER <= now:
                window_end = visit.at + QUIET_AFTER
                quiet = not any(visit.at < a.at <= window_end for a in alerts)
                tech_quiet[technician].append(quiet)
        history.timeline = sorted(
            [TimelineEntry(at=a.at, kind="alert", detail=a.event) for a in alerts]
            + [
                TimelineEntry(
                    at=v.at,
                    kind="visit",
                    detail=v.notes or "service visit",
                    technician=v.technician,
                )
                for v in covering
            ],
            key=lambda t: (t.at, t.kind),
        )
        histories.append(history)

    sites: list[SiteSummary] = []
    by_site: dict[str, list[PointHistory]] = defaultdict(list)
    for history in histories:
        by_site[history.site or "(no site)"].append(history)
    for site, members in sorted(by_site.items()):
        responses = [h for m in members for h in m.response_hours]
        site_quiet = [
            not any(v.at < a.at <= v.at + QUIET_AFTER for a in alerts_by_point.get(m.point_ref, []))
            for m in members
            for v in done_visits
            if _covers(v, m.point_ref, m.site) and v.at + QUIET_AFTER <= now
        ]
        sites.append(
            SiteSummary(
                site=site,
                points=len(members),
                alerts=sum(m.alerts for m in members),
                visits=len(
                    {v.id for v in done_visits for m in members if _covers(v, m.point_ref, m.site)}
                ),
                never_visited=[m.point_ref for m in members if m.visits == 0],
                median_response_hours=_quantile(responses, 0.5),
                p90_response_hours=_quantile(responses, 0.9),
                alerts_after_visit=sum(m.alerts_after_last_visit for m in members),
                quiet_after_visit_rate=(
                    round(sum(site_quiet) / len(site_quiet), 3) if site_quiet else None
                ),
            )
        )
    technicians = [
        TechnicianScore(
            technician=name,
            visits=count,
            answered_alerts=len(tech_responses.get(name, [])),
            median_response_hours=(
                round(median(tech_responses[name]), 2) if tech_responses.get(name) else None
            ),
            quiet_after_visit_rate=(
                round(sum(tech_quiet[name]) / len(tech_quiet[name]), 3)
                if tech_quiet.get(name)
                else None
            ),
        )
        for name, count in sorted(tech_visits.items())
    ]
    return ServiceHistory(
        points=histories,
        sites=sites,
        technicians=technicians,
        never_visited=[h.point_ref for h in histories if h.visits == 0],
    )
