"""In-memory fakes of the insights ports (same contracts as the DynamoDB/Microshare/Odoo ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncbridge.domain.insights.models import HealthReading, SensorEvent, Visit, WorkOrder
from syncbridge.domain.insights.usage import SaleOrderLinePlan


class Unavailable(Exception):
    pass


class FakeHistoryStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], tuple[Any, int]] = {}
        self.cursors: dict[tuple[str, str], datetime] = {}
        self.results: dict[tuple[str, str, str], tuple[dict, datetime]] = {}

    def _put(self, tenant: str, kind: str, key: str, value: Any, expires_at: int) -> None:
        self.items[(tenant, kind, key)] = (value, expires_at)

    def put_readings(self, tenant, readings, expires_at):
        for r in readings:
            self._put(tenant, "health", f"{r.at.isoformat()}#{r.deveui}", r, expires_at)
        return len(readings)

    def put_events(self, tenant, events, expires_at):
        for e in events:
            self._put(tenant, "event", e.id, e, expires_at)
        return len(events)

    def put_visits(self, tenant, visits, expires_at):
        for v in visits:
            self._put(tenant, "visit", v.id, v, expires_at)
        return len(visits)

    def _range(self, tenant, kind, since, until):
        return sorted(
            (
                v
                for (t, k, _), (v, _) in self.items.items()
                if t == tenant and k == kind and since <= v.at <= until
            ),
            key=lambda v: v.at,
        )

    def readings(self, tenant, since, until) -> list[HealthReading]:
        return self._range(tenant, "health", since, until)

    def events(self, tenant, since, until) -> list[SensorEvent]:
        return self._range(tenant, "event", since, until)

    def visits(self, tenant, since, until) -> list[Visit]:
        return self._range(tenant, "visit", since, until)

    def get_cursor(self, tenant, source):
        return self.cursors.get((tenant, source))

    def put_cursor(self, tenant, source, at):
        self.cursors[(tenant, source)] = at

    def put_result(self, tenant, kind, key, body, at):
        self.results[(tenant, kind, key)] = (body, at)

    def get_result(self, tenant, kind, key):
        return self.results.get((tenant, kind, key))

    def delete_expired(self, tenant, now):
        gone = [
            k for k, (_, exp) in self.items.items() if k[0] == tenant and exp <= now.timestamp()
        ]
        for k in gone:
            del self.items[k]
        return len(gone)

    def count(self, tenant):
        return sum(1 for k in self.items if k[0] == tenant)


class FakeSensors:
    def __init__(self) -> None:
        self.health: list[HealthReading] = []
        self.events: list[SensorEvent] = []
        self.down = False
        self.since_seen: list[datetime | None] = []

    def list_health(self, since):
        if self.down:
            raise Unavailable("microshare down")
        self.since_seen.append(since)
        return [r for r in self.health if since is None or r.at > since]

    def list_events(self, since):
        if self.down:
            raise Unavailable("microshare down")
        return [e for e in self.events if since is None or e.at > since]


class FakeServiceErp:
    def __init__(self) -> None:
        self.visits: list[Visit] = []
        self.orders: dict[str, WorkOrder] = {}
        self.lines: dict[str, SaleOrderLinePlan] = {}
        self.revenue: dict[str, float] = {}
        self.writes = 0

    def list_visits(self, since):
        return [v for v in self.visits if since is None or v.at > since]

    def list_work_orders(self):
        return list(self.orders.values())

    def create_work_order(self, key, title, description, point_ref):
        self.writes += 1
        order = WorkOrder(id=f"wo-{len(self.orders) + 1}", key=key, description=description)
        self.orders[order.id] = order
        return order.id

    def update_work_order(self, order_id, description):
        self.writes += 1
        self.orders[order_id].description = description

    def close_work_order(self, order_id):
        self.writes += 1
        self.orders[order_id].open = False

    def revenue_by_customer(self, start, end):
        return dict(self.revenue)

    def write_usage_line(self, line):
        self.lines[line.key] = line
        return f"sol-{sorted(self.lines).index(line.key) + 1}"


@dataclass
class P:
    point_ref: str
    site: str | None
    customer: str | None = None
    deveui: str | None = None
    device_status: str | None = None


class FakePestRecords:
    def __init__(
        self, points: list[P], changes: list | None = None, incidents: list | None = None
    ) -> None:
        self._points = points
        self._changes = changes or []
        self._incidents = incidents or []

    def points(self, tenant):
        return list(self._points)

    def device_changes(self, tenant):
        return list(self._changes)

    def incidents(self, tenant):
        return list(self._incidents)
