"""The insights service: collect history, plan maintenance, compute and cache the figures.

`collect` is the scheduled half (off the request path): it reads new health uplinks, pest
events and visits into the history store, applies retention, plans and applies preventive
work orders, and recomputes the cached results (service history, risk). The read methods
serve cached results with their age, so the API can flag stale data; reports, usage and
the compliance pack are computed on demand from stored history for the period asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from syncbridge.domain.errors import InvalidInput, NotFound
from syncbridge.domain.insights import analytics, compliance, maintenance, portal, reports, usage
from syncbridge.domain.insights.maintenance import MaintenancePolicy
from syncbridge.domain.insights.models import (
    Attention,
    HealthReading,
    SensorEvent,
    Visit,
    WorkOrderAction,
)
from syncbridge.domain.insights.ports import (
    HistoryStore,
    PestRecords,
    SensorHistorySource,
    ServiceErp,
)
from syncbridge.domain.insights.service_history import ServiceHistory, build
from syncbridge.domain.insights.usage import UsageDay, UsageMonth

Timed = TypeVar("Timed", HealthReading, SensorEvent, Visit)  # history items, each with `at`
HISTORY_WINDOW = timedelta(days=400)  # trends and seasons
SERVICE_WINDOW = timedelta(days=90)  # alerts against visits: the recent service record
HEALTH_WINDOW = timedelta(days=45)


class InsightsPolicy(BaseModel):
    """Per-tenant knobs: retention, staleness, maintenance thresholds."""

    retention_days: int = Field(default=400, ge=1, le=3650)
    stale_after_minutes: int = Field(default=90, ge=1)
    thresholds: MaintenancePolicy = Field(default_factory=MaintenancePolicy)
    create_work_orders: bool = True


class CollectResult(BaseModel):
    tenant: str
    readings: int = 0
    events: int = 0
    visits: int = 0
    expired: int = 0
    findings: list[Attention] = Field(default_factory=list)
    work_orders: list[WorkOrderAction] = Field(default_factory=list)
    errors: dict[str, str] = Field(default_factory=dict)


class Cached(BaseModel):
    """A computed result with its age: `stale` when the last collect is too old."""

    computed_at: datetime | None
    stale: bool
    body: dict[str, Any]


class InsightsService:
    def __init__(
        self,
        store: HistoryStore,
        sensors: SensorHistorySource,
        erp: ServiceErp,
        pest: PestRecords,
        clock: Callable[[], datetime],
        policy: InsightsPolicy | None = None,
        unavailable: tuple[type[Exception], ...] = (),
    ) -> None:
        self.store = store
        self.sensors = sensors
        self.erp = erp
        self.pest = pest
        self.clock = clock
        self.policy = policy or InsightsPolicy()
        self.unavailable = unavailable

    # ------------------------------------------------------------------ collect
    def collect(self, tenant: str) -> CollectResult:
        now = self.clock()
        result = CollectResult(tenant=tenant)
        expires = int((now + timedelta(days=self.policy.retention_days)).timestamp())
        sites = {p.point_ref: p.site for p in self.pest.points(tenant)}
        result.readings = self._pull(
            tenant, "health", self.sensors.list_health, self.store.put_readings, expires, result
        )
        result.events = self._pull(
            tenant,
            "events",
            lambda since: [
                e.model_copy(update={"site": e.site or sites.get(e.point_ref or "")})
                for e in self.sensors.list_events(since)
            ],
            self.store.put_events,
            expires,
            result,
        )
        result.visits = self._pull(
            tenant, "visits", self.erp.list_visits, self.store.put_visits, expires, result
        )
        result.expired = self.store.delete_expired(tenant, now)
        result.findings = maintenance.predict(
            self.store.readings(tenant, now - HEALTH_WINDOW, now), now, self.policy.thresholds
        )
        if self.policy.create_work_orders:
            try:
                result.work_orders = self.apply_work_orders(result.findings)
            except self.unavailable as exc:
                result.errors["work_orders"] = str(exc)
        self._cache(tenant, now, result.findings)
        return result

    def _pull(
        self,
        tenant: str,
        source: str,
        read: Callable[[datetime | None], list[Timed]],
        write: Callable[[str, list[Timed], int], int],
        expires: int,
        result: CollectResult,
    ) -> int:
        """Read one source from its cursor into the history; a source that is down is
        reported in `result.errors` and read again from the same cursor next time."""
        try:
            items = read(self.store.get_cursor(tenant, source))
        except self.unavailable as exc:
            result.errors[source] = str(exc)
            return 0
        written = write(tenant, items, expires)
        newest = max((item.at for item in items), default=None)
        if newest is not None:
            self.store.put_cursor(tenant, source, newest)
        return written

    def apply_work_orders(self, findings: list[Attention]) -> list[WorkOrderAction]:
        """Plan against the ERP's open orders and apply; re-running changes nothing."""
        by_key = {f.key: f for f in findings}
        actions = maintenance.plan_work_orders(findings, self.erp.list_work_orders())
        for action in actions:
            if action.kind == "create":
                finding = by_key[action.key]
                action.order_id = self.erp.create_work_order(
                    action.key,
                    action.title or action.key,
                    action.description or "",
                    finding.point_ref,
                )
            elif action.kind == "update" and action.order_id:
                self.erp.update_work_order(action.order_id, action.description or "")
            elif action.kind == "close" and action.order_id:
                self.erp.close_work_order(action.order_id)
        return actions

    def _cache(self, tenant: str, now: datetime, findings: list[Attention]) -> None:
        """Everything the pages read, computed once per collect (off the request path)."""
        put = self.store.put_result
        history = self.service_history(tenant, now)
        put(tenant, "service-history", "all", history.model_dump(mode="json"), now)
        risks = self.compute_risk(tenant, now, history)
        put(tenant, "risk", "all", {"sites": [r.model_dump(mode="json") for r in risks]}, now)
        put(
            tenant,
            "maintenance",
            "all",
            {"findings": [f.model_dump(mode="json") for f in findings]},
            now,
        )
        this_month = reports.Month(year=now.year, month=now.month)
        last_month = reports.Month.parse(f"{this_month.start - timedelta(days=1):%Y-%m}")
        for month in (this_month, last_month):
            rows = self.compute_monthly_report(tenant, month)
            put(
                tenant,
                "report",
                month.label(),
                {"sites": [r.model_dump(mode="json") for r in rows]},
                now,
            )
            used = usage.monthly_usage(month, self.usage_days(tenant, month))
            put(
                tenant,
                "usage",
                month.label(),
                {"customers": [r.model_dump(mode="json") for r in used]},
                now,
            )
        for by in ("month", "week"):
            seasons = self.compute_seasonal(tenant, by)
            put(tenant, "seasonal", by, {"rows": [r.model_dump() for r in seasons]}, now)

    # ------------------------------------------------------------------ reads
    def cached(self, tenant: str, kind: str) -> Cached:
        found = self.store.get_result(tenant, kind, "all")
        now = self.clock()
        if found is None:
            return Cached(computed_at=None, stale=True, body={})
        body, at = found
        stale = now - at > timedelta(minutes=self.policy.stale_after_minutes)
        return Cached(computed_at=at, stale=stale, body=body)

    def service_history(self, tenant: str, now: datetime | None = None) -> ServiceHistory:
        now = now or self.clock()
        points = {p.point_ref: p.site for p in self.pest.points(tenant)}
        return build(
            points,
            self.store.events(tenant, now - SERVICE_WINDOW, now),
            self.store.visits(tenant, now - SERVICE_WINDOW, now),
            now,
        )

    def compute_risk(
        self, tenant: str, now: datetime, history: ServiceHistory | None = None
    ) -> list[analytics.SiteRisk]:
        history = history or self.service_history(tenant, now)
        points = self.pest.points(tenant)
        events = self.store.events(tenant, now - HISTORY_WINDOW, now)
        by_site: dict[str, list[SensorEvent]] = defaultdict(list)
        for event in events:
            by_site[event.site or "(no site)"].append(event)
        unanswered: dict[str, int] = defaultdict(int)
        for ph in history.points:
            unanswered[ph.site or "(no site)"] += ph.unanswered_alerts
        site_points: dict[str, list[Any]] = defaultdict(list)
        for p in points:
            site_points[p.site or "(no site)"].append(p)
        return sorted(
            (
                analytics.site_risk(
                    analytics.RiskInputs(
                        site=site,
                        points=len(members),
                        covered_points=sum(1 for m in members if _covered(m)),
                        unanswered_alerts=unanswered.get(site, 0),
                    ),
                    by_site.get(site, []),
                    now,
                )
                for site, members in site_points.items()
            ),
            key=lambda r: (-r.score, r.site),
        )

    def _fresh(self, tenant: str, kind: str, key: str) -> dict[str, Any] | None:
        """A cached body if the last collect made it recently enough, else None."""
        found = self.store.get_result(tenant, kind, key)
        if found is None:
            return None
        body, at = found
        if self.clock() - at > timedelta(minutes=self.policy.stale_after_minutes):
            return None
        return body

    def seasonal(self, tenant: str, by: str = "month") -> list[analytics.SeasonalRow]:
        cached = self._fresh(tenant, "seasonal", by)
        if cached is not None:
            return [analytics.SeasonalRow.model_validate(r) for r in cached["rows"]]
        return self.compute_seasonal(tenant, by)

    def compute_seasonal(self, tenant: str, by: str = "month") -> list[analytics.SeasonalRow]:
        now = self.clock()
        return analytics.seasonal(self.store.events(tenant, now - HISTORY_WINDOW, now), by=by)

    def monthly_report(self, tenant: str, month: reports.Month) -> list[reports.SiteReport]:
        """The month's report rows: cached by the last collect (this and last month), else
        computed now."""
        cached = self._fresh(tenant, "report", month.label())
        if cached is not None:
            return [reports.SiteReport.model_validate(r) for r in cached["sites"]]
        return self.compute_monthly_report(tenant, month)

    def compute_monthly_report(self, tenant: str, month: reports.Month) -> list[reports.SiteReport]:
        now = self.clock()
        end = min(month.end, now)
        points = self.pest.points(tenant)
        events = self.store.events(tenant, month.start - HISTORY_WINDOW, end)
        history = build(
            {p.point_ref: p.site for p in points},
            [e for e in events if e.at >= month.start],
            self.store.visits(tenant, month.start, end),
            end,
        )
        revenue: dict[str, float] | None
        try:
            revenue = self.erp.revenue_by_customer(month.start, month.end)
        except self.unavailable:
            revenue = None  # no invoicing in the ERP (or it is down): shown as unknown
        incidents = [i for i in self.pest.incidents(tenant) if month.start <= i.at <= month.end]
        by_site: dict[str, list[Any]] = defaultdict(list)
        for p in points:
            by_site[p.site or "(no site)"].append(p)
        inputs = []
        for site, members in by_site.items():
            refs = {m.point_ref for m in members}
            customer = next((m.customer for m in members if m.customer), None)
            deployed = sum(1 for m in members if _covered(m))
            inputs.append(
                reports.SiteInputs(
                    site=site,
                    customer=customer,
                    points=len(members),
                    covered_points=deployed,
                    deployed_devices=deployed,
                    revenue=_revenue_for(revenue, customer or site),
                    incidents_opened=sum(1 for i in incidents if i.point_ref in refs),
                    incidents_closed=sum(
                        1 for i in incidents if i.point_ref in refs and i.corrective_action
                    ),
                )
            )
        return reports.site_reports(month, inputs, events, history)

    def usage(self, tenant: str, month: reports.Month) -> list[UsageMonth]:
        cached = self._fresh(tenant, "usage", month.label())
        if cached is not None:
            return [usage.UsageMonth.model_validate(r) for r in cached["customers"]]
        return usage.monthly_usage(month, self.usage_days(tenant, month))

    def usage_days(self, tenant: str, month: reports.Month) -> list[UsageDay]:
        points = self.pest.points(tenant)
        customer_of = {p.point_ref: p.customer or p.site or "(no customer)" for p in points}
        intervals = usage.active_intervals(self.pest.device_changes(tenant), customer_of)
        events = self.store.events(tenant, month.start, month.end)
        incidents = [i for i in self.pest.incidents(tenant) if month.start <= i.at <= month.end]
        return usage.daily_usage(
            month,
            intervals,
            [(customer_of.get(e.point_ref or "", "(no customer)"), e.at) for e in events],
            [(customer_of.get(i.point_ref or "", "(no customer)"), i.at) for i in incidents],
            until=self.clock(),
        )

    def bill_usage(self, tenant: str, month: reports.Month) -> list[tuple[str, str]]:
        """Write the month's usage to the ERP as sale-order lines; (key, line id) pairs."""
        return [
            (line.key, self.erp.write_usage_line(line))
            for line in usage.sale_order_lines(self.usage(tenant, month))
        ]

    def compliance_pack(
        self, tenant: str, site: str, start: datetime, end: datetime
    ) -> compliance.CompliancePack:
        if end < start:
            raise InvalidInput("the period ends before it starts", field="to")
        now = self.clock()
        points = [p for p in self.pest.points(tenant) if (p.site or "(no site)") == site]
        if not points:
            raise NotFound(f"no inspection points at site {site!r}", site=site)
        return compliance.build_pack(
            tenant=tenant,
            site=site,
            start=start,
            end=end,
            now=now,
            site_points={p.point_ref: _covered(p) for p in points},
            device_changes=self.pest.device_changes(tenant),
            incidents=self.pest.incidents(tenant),
            visits=self.store.visits(tenant, start, end),
            events=self.store.events(tenant, start, end),
        )

    def portal(self, tenant: str, customer: str) -> portal.PortalView:
        now = self.clock()
        points = self.pest.points(tenant)
        if not any((p.customer or p.site) == customer for p in points):
            raise NotFound(f"no sites for customer {customer!r}")
        findings = maintenance.predict(
            self.store.readings(tenant, now - HEALTH_WINDOW, now), now, self.policy.thresholds
        )
        return portal.portal_view(
            customer,
            points,
            {f.point_ref for f in findings if f.point_ref},
            [i.point_ref for i in self.pest.incidents(tenant) if not i.corrective_action],
            self.store.visits(tenant, now - HISTORY_WINDOW, now + timedelta(days=120)),
            now,
        )

    def customers(self, tenant: str) -> list[str]:
        return sorted({p.customer or p.site or "(no site)" for p in self.pest.points(tenant)})

    def sites(self, tenant: str) -> list[str]:
        return sorted({p.site or "(no site)" for p in self.pest.points(tenant)})


def _revenue_for(revenue: dict[str, float] | None, customer: str) -> float | None:
    """The customer's revenue: ERP partner names rarely equal site names ("Golden Crust
    Bakeries Ltd" for "Golden Crust Manchester"), so partners whose first word matches the
    customer's first word count, when no name matches exactly."""
    if revenue is None:
        return None
    if customer in revenue:
        return revenue[customer]
    head = customer.split()[0].casefold() if customer.split() else ""
    matches = [
        v for name, v in revenue.items() if name.split() and name.split()[0].casefold() == head
    ]
    return sum(matches) if matches else 0.0


def _covered(point: Any) -> bool:
    """A point is covered by a working sensor: a real DevEUI on an active device."""
    return bool(point.deveui) and point.device_status == "active"
