"""Usage for billing: active devices per day, alerts and incidents, per customer and month.

A device counts for a day when it was active at any moment of that day (intervals come
from its lifecycle history). Monthly totals become ERP sale-order lines keyed by customer
and month, so writing them twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from syncbridge.domain.insights.reports import Month


class ActiveInterval(BaseModel):
    deveui: str
    customer: str
    start: datetime
    end: datetime | None = None  # still active


class UsageDay(BaseModel):
    day: date
    customer: str
    active_devices: int
    alerts: int
    incidents: int


class UsageMonth(BaseModel):
    month: str
    customer: str
    device_days: int
    peak_active_devices: int
    alerts: int
    incidents: int

    @property
    def order_key(self) -> str:
        return f"usage:{self.customer}:{self.month}"


class SaleOrderLinePlan(BaseModel):
    key: str
    customer: str
    description: str
    quantity: int


def daily_usage(
    month: Month,
    intervals: Iterable[ActiveInterval],
    alerts: Iterable[tuple[str, datetime]],
    incidents: Iterable[tuple[str, datetime]],
    until: datetime | None = None,
) -> list[UsageDay]:
    """Per customer and day of `month` (up to `until`, today for the running month):
    devices active that day, alerts and incidents. `alerts` and `incidents` are
    (customer, time) pairs.
    """
    last = month.end.date() if until is None else min(month.end.date(), until.date())
    days = [
        (month.start + timedelta(days=i)).date()
        for i in range((last - month.start.date()).days + 1)
    ]
    active: dict[tuple[str, date], set[str]] = defaultdict(set)
    customers: set[str] = set()
    for iv in intervals:
        customers.add(iv.customer)
        for day in days:
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=month.start.tzinfo)
            day_end = day_start + timedelta(days=1)
            if iv.start < day_end and (iv.end is None or iv.end >= day_start):
                active[(iv.customer, day)].add(iv.deveui)
    alert_counts: dict[tuple[str, date], int] = defaultdict(int)
    for customer, at in alerts:
        customers.add(customer)
        alert_counts[(customer, at.date())] += 1
    incident_counts: dict[tuple[str, date], int] = defaultdict(int)
    for customer, at in incidents:
        customers.add(customer)
        incident_counts[(customer, at.date())] += 1
    return [
        UsageDay(
            day=day,
            customer=customer,
            active_devices=len(active.get((customer, day), ())),
            alerts=alert_counts.get((customer, day), 0),
            incidents=incident_counts.get((customer, day), 0),
        )
        for customer in sorted(customers)
        for day in days
    ]


def monthly_usage(month: Month, days: Iterable[UsageDay]) -> list[UsageMonth]:
    totals: dict[str, UsageMonth] = {}
    for day in days:
        row = totals.setdefault(
            day.customer,
            UsageMonth(
                month=month.label(),
                customer=day.customer,
                device_days=0,
                peak_active_devices=0,
                alerts=0,
                incidents=0,
            ),
        )
        row.device_days += day.active_devices
        row.peak_active_devices = max(row.peak_active_devices, day.active_devices)
        row.alerts += day.alerts
        row.incidents += day.incidents
    return [totals[c] for c in sorted(totals)]


def sale_order_lines(rows: Iterable[UsageMonth]) -> list[SaleOrderLinePlan]:
    """One line per customer and month with device-days as the billed quantity."""
    return [
        SaleOrderLinePlan(
            key=row.order_key,
            customer=row.customer,
            description=(
                f"Sensor monitoring {row.month}: {row.device_days} device-days "
                f"(peak {row.peak_active_devices} devices), {row.alerts} alerts, "
                f"{row.incidents} incidents [{row.order_key}]"
            ),
            quantity=row.device_days,
        )
        for row in rows
        if row.device_days > 0
    ]


def active_intervals(changes: Iterable[Any], customer_of: dict[str, str]) -> list[ActiveInterval]:
    """Active periods per device from its audited status changes (`compliance.DeviceChange`).

    A device becomes active when its status changes to `active` and stops when it changes
    to anything else; the DevEUI is the one it had at the time.
    """
    by_point: dict[str, list[Any]] = defaultdict(list)
    for change in changes:
        by_point[change.point_ref].append(change)
    intervals: list[ActiveInterval] = []
    for point_ref, items in by_point.items():
        items.sort(key=lambda c: c.at)
        deveui = point_ref
        started: datetime | None = None
        for change in items:
            if change.field == "deveui" and change.new:
                deveui = change.new
            if change.field != "status":
                continue
            if change.new == "active" and started is None:
                started = change.at
            elif change.new != "active" and started is not None:
                intervals.append(
                    ActiveInterval(
                        deveui=deveui,
                        customer=customer_of.get(point_ref, "(no customer)"),
                        start=started,
                        end=change.at,
                    )
                )
                started = None
        if started is not None:
            intervals.append(
                ActiveInterval(
                    deveui=deveui,
                    customer=customer_of.get(point_ref, "(no customer)"),
                    start=started,
                )
            )
    return intervals
