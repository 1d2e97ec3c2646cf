"""Monthly report figures per site: coverage, incidents, response, effectiveness, revenue.

A report is what a pest-control company sends its customer each month, and what it reads
itself to see whether deployed sensors pay: revenue per deployed device comes from the
ERP's invoices (or sale orders) for the site's customer.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from syncbridge.domain.insights.models import SensorEvent
from syncbridge.domain.insights.service_history import ServiceHistory, SiteSummary


class Month(BaseModel):
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-11' -> Month; a clear ValueError otherwise."""
        try:
            year, month = (int(part) for part in text.split("-", 1))
        except ValueError:
            raise ValueError(f"month must look like 2026-11, got {text!r}") from None
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(f"month must look like 2026-11, got {text!r}")
        return cls(year=year, month=month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        last = monthrange(self.year, self.month)[1]
        return datetime(self.year, self.month, last, 23, 59, 59, 999999, tzinfo=UTC)

    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class SiteInputs(BaseModel):
    """What the report needs about one site that is not in the event history."""

    site: str
    customer: str | None = None
    points: int
    covered_points: int
    deployed_devices: int
    revenue: float | None = Field(default=None, description="None: the ERP has no invoicing.")
    currency: str = "GBP"
    incidents_opened: int = 0
    incidents_closed: int = 0


class SiteReport(BaseModel):
    month: str
    site: str
    customer: str | None
    points: int
    covered_points: int
    coverage_pct: float
    alerts: int
    incidents_opened: int
    incidents_closed: int
    median_response_hours: float | None
    p90_response_hours: float | None
    quiet_after_visit_rate: float | None
    never_visited: int
    deployed_devices: int
    revenue: float | None
    currency: str
    revenue_per_device: float | None


def site_reports(
    month: Month,
    sites: Iterable[SiteInputs],
    events: Iterable[SensorEvent],
    history: ServiceHistory,
) -> list[SiteReport]:
    """One row per site for `month`; alerts counted within the month."""
    in_month = [e for e in events if month.start <= e.at <= month.end]
    summaries: dict[str, SiteSummary] = {s.site: s for s in history.sites}
    rows: list[SiteReport] = []
    for site in sorted(sites, key=lambda s: s.site):
        summary = summaries.get(site.site)
        rows.append(
            SiteReport(
                month=month.label(),
                site=site.site,
                customer=site.customer,
                points=site.points,
                covered_points=site.covered_points,
                coverage_pct=round(100.0 * site.covered_points / site.points, 1)
                if site.points
                else 0.0,
                alerts=sum(1 for e in in_month if (e.site or "(no site)") == site.site),
                incidents_opened=site.incidents_opened,
                incidents_closed=site.incidents_closed,
                median_response_hours=summary.median_response_hours if summary else None,
                p90_response_hours=summary.p90_response_hours if summary else None,
                quiet_after_visit_rate=summary.quiet_after_visit_rate if summary else None,
                never_visited=len(summary.never_visited) if summary else site.points,
                deployed_devices=site.deployed_devices,
                revenue=round(site.revenue, 2) if site.revenue is not None else None,
                currency=site.currency,
                revenue_per_device=round(site.revenue / site.deployed_devices, 2)
                if site.deployed_devices and site.revenue is not None
                else None,
            )
        )
    return rows
