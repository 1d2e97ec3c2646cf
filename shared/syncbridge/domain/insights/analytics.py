"""Pest activity analytics: trends, seasonal patterns and a per-site risk score.

The risk score is a sum of named parts, each shown with its share, so a manager can see
why a site is at risk rather than trust a number: recent activity against the site's own
baseline, the season (how active this month has been in past years), points not covered
by a working sensor, and alerts nobody has answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from syncbridge.domain.insights.models import SensorEvent


class SeasonalRow(BaseModel):
    site: str
    pest_type: str
    period: str  # "2026-11" for months, "2026-W45" for ISO weeks
    alerts: int


def seasonal(events: Iterable[SensorEvent], by: str = "month") -> list[SeasonalRow]:
    """Alert counts per site, pest type and month (or ISO week), oldest first."""
    if by not in ("month", "week"):
        raise ValueError("by must be 'month' or 'week'")
    counts: Counter[tuple[str, str, str]] = Counter()
    for event in events:
        if by == "month":
            period = f"{event.at:%Y-%m}"
        else:
            year, week, _ = event.at.isocalendar()
            period = f"{year}-W{week:02d}"
        counts[(event.site or "(no site)", event.pest_type, period)] += 1
    return [
        SeasonalRow(site=s, pest_type=p, period=period, alerts=n)
        for (s, p, period), n in sorted(
            counts.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])
        )
    ]


def month_of_year_profile(events: Iterable[SensorEvent]) -> dict[int, float]:
    """Mean alerts per calendar month over the years seen (1..12 -> mean count)."""
    per_year_month: Counter[tuple[int, int]] = Counter((e.at.year, e.at.month) for e in events)
    by_month: dict[int, list[int]] = defaultdict(list)
    for (_, month), n in per_year_month.items():
        by_month[month].append(n)
    return {m: sum(v) / len(v) for m, v in sorted(by_month.items())}


class RiskPart(BaseModel):
    name: str
    points: float
    reason: str


class SiteRisk(BaseModel):
    site: str
    score: float = Field(ge=0, le=100)
    level: str
    parts: list[RiskPart]
    computed_at: datetime


class RiskInputs(BaseModel):
    """What the risk score needs about one site besides its alerts."""

    site: str
    points: int
    covered_points: int
    unanswered_alerts: int = 0


def _level(score: float) -> str:
    return "high" if score >= 60 else "medium" if score >= 30 else "low"


def site_risk(inputs: RiskInputs, site_events: list[SensorEvent], now: datetime) -> SiteRisk:
    """Score one site 0..100 from four named parts (weights 40/25/20/15)."""
    recent_from = now - timedelta(days=14)
    baseline_from = now - timedelta(days=98)
    recent = sum(1 for e in site_events if recent_from <= e.at <= now)
    baseline = sum(1 for e in site_events if baseline_from <= e.at < recent_from)
    baseline_per_fortnight = baseline / 6.0
    if recent == 0:
        activity, why = 0.0, "no alerts in the last 14 days"
    else:
        ratio = recent / max(baseline_per_fortnight, 0.5)
        activity = min(40.0, 40.0 * min(ratio, 3.0) / 3.0)
        why = (
            f"{recent} alerts in the last 14 days against a usual "
            f"{baseline_per_fortnight:.1f} per 14 days"
        )
    parts = [RiskPart(name="recent activity", points=round(activity, 1), reason=why)]

    profile = month_of_year_profile(e for e in site_events if e.at < recent_from)
    if profile:
        peak = max(profile.values())
        this_month = profile.get(now.month, 0.0)
        season = 25.0 * (this_month / peak) if peak else 0.0
        parts.append(
            RiskPart(
                name="season",
                points=round(season, 1),
                reason=f"{now:%B} averages {this_month:.1f} alerts against a peak month of {peak:.1f}",
            )
        )
    else:
        parts.append(RiskPart(name="season", points=0.0, reason="no history before this fortnight"))

    gaps = max(0, inputs.points - inputs.covered_points)
    coverage = 20.0 * gaps / inputs.points if inputs.points else 0.0
    parts.append(
        RiskPart(
            name="coverage gaps",
            points=round(coverage, 1),
            reason=f"{gaps} of {inputs.points} points without a working sensor",
        )
    )
    unanswered = min(15.0, 5.0 * inputs.unanswered_alerts)
    parts.append(
        RiskPart(
            name="unanswered alerts",
            points=round(unanswered, 1),
            reason=f"{inputs.unanswered_alerts} alerts with no visit since",
        )
    )
    score = round(min(100.0, sum(p.points for p in parts)), 1)
    return SiteRisk(
        site=inputs.site, score=score, level=_level(score), parts=parts, computed_at=now
    )
