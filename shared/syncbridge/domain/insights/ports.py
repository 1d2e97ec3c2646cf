"""What the insights services need from outside: history storage, the IoT history, the ERP.

Adapters implement these (DynamoDB, Microshare, Odoo); unit tests use in-memory fakes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from syncbridge.domain.insights.models import HealthReading, SensorEvent, Visit, WorkOrder
from syncbridge.domain.insights.usage import SaleOrderLinePlan


class HistoryStore(Protocol):
    """Per-tenant sensor, visit and computed-result history, with retention."""

    def put_readings(self, tenant: str, readings: list[HealthReading], expires_at: int) -> int: ...

    def readings(self, tenant: str, since: datetime, until: datetime) -> list[HealthReading]: ...

    def put_events(self, tenant: str, events: list[SensorEvent], expires_at: int) -> int: ...

    def events(self, tenant: str, since: datetime, until: datetime) -> list[SensorEvent]: ...

    def put_visits(self, tenant: str, visits: list[Visit], expires_at: int) -> int: ...

    def visits(self, tenant: str, since: datetime, until: datetime) -> list[Visit]: ...

    def get_cursor(self, tenant: str, source: str) -> datetime | None: ...

    def put_cursor(self, tenant: str, source: str, at: datetime) -> None: ...

    def put_result(
        self, tenant: str, kind: str, key: str, body: dict[str, Any], at: datetime
    ) -> None: ...

    def get_result(
        self, tenant: str, kind: str, key: str
    ) -> tuple[dict[str, Any], datetime] | None: ...

    def delete_expired(self, tenant: str, now: datetime) -> int:
        """Remove every item whose retention has passed (TTL may lag by days)."""
        ...

    def count(self, tenant: str) -> int: ...


class SensorHistorySource(Protocol):
    """The IoT platform's history: health uplinks and pest events since a time."""

    def list_health(self, since: datetime | None) -> list[HealthReading]: ...

    def list_events(self, since: datetime | None) -> list[SensorEvent]: ...


class ServiceErp(Protocol):
    """The ERP's service side: technician visits, preventive work orders, revenue, billing."""

    def list_visits(self, since: datetime | None) -> list[Visit]: ...

    def list_work_orders(self) -> list[WorkOrder]: ...

    def create_work_order(
        self, key: str, title: str, description: str, point_ref: str | None
    ) -> str: ...

    def update_work_order(self, order_id: str, description: str) -> None: ...

    def close_work_order(self, order_id: str) -> None: ...

    def revenue_by_customer(self, start: datetime, end: datetime) -> dict[str, float]: ...

    def write_usage_line(self, line: SaleOrderLinePlan) -> str:
        """Add or update the sale-order line keyed `line.key`; returns its id."""
        ...


class PointInfo(Protocol):
    """One inspection point as insights see it (a `pest` point view, flattened)."""

    point_ref: str
    site: str | None
    customer: str | None
    deveui: str | None
    device_status: str | None


class PestRecords(Protocol):
    """What insights read from the pest-control side: points, device history, incidents."""

    def points(self, tenant: str) -> list[Any]:
        """`PointInfo`-shaped objects for every inspection point of the tenant."""
        ...

    def device_changes(self, tenant: str) -> list[Any]:
        """`compliance.DeviceChange` for every audited device change of the tenant."""
        ...

    def incidents(self, tenant: str) -> list[Any]:
        """`compliance.IncidentRecord` for every incident the tenant's alerts opened."""
        ...
