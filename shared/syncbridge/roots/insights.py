"""Composition root of pest-control insights: one tenant's service on the real stores and
adapters, plus the queue and schedule entry points.

Insights read what the pest-control side already holds (its snapshot of points, device
records and audit, incident groups) through the pest composition root, and reach Odoo and
Microshare over the same tenant credentials; adapter errors become the domain's
`SourceUnavailable` (retry later) or `NotConfigured` (an admin must act).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from syncbridge.domain.errors import NotConfigured
from syncbridge.domain.insights.compliance import DeviceChange, IncidentRecord
from syncbridge.domain.insights.models import HealthReading, SensorEvent, Visit, WorkOrder
from syncbridge.domain.insights.service import InsightsService
from syncbridge.domain.insights.usage import SaleOrderLinePlan
from syncbridge.domain.pest.errors import SourceUnavailable
from syncbridge.roots.pest import PestContext, context_for, pest_tenants
from syncbridge.roots.settings import Settings
from syncbridge.store.history import DynamoHistoryStore
from syncbridge.store.setup import SqsQueue

HEALTH_REC_TYPE = "io.microshare.trap.unpacked"
PEST_EVENTS = ("rodent_present", "trap_triggered", "catch_detected")


def utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _erp_errors() -> Iterator[None]:
    from syncbridge.adapters.erp import ErpConfigurationMissing, ErpError

    try:
        yield
    except ErpConfigurationMissing as exc:
        raise NotConfigured(str(exc), setting=exc.setting, tried=exc.tried) from None
    except ErpError as exc:
        raise SourceUnavailable("erp", f"{type(exc).__name__}: {exc}") from None


@contextmanager
def _iot_errors() -> Iterator[None]:
    from syncbridge.adapters.microshare import MicroshareError

    try:
        yield
    except MicroshareError as exc:
        raise SourceUnavailable("iot", f"{type(exc).__name__}: {exc}") from None


@dataclass
class PointRow:
    point_ref: str
    site: str | None
    customer: str | None
    deveui: str | None
    device_status: str | None


class PestRecordsBridge:
    """`PestRecords` from the pest-control snapshot, device records, audit and incidents."""

    def __init__(self, ctx: PestContext) -> None:
        self.ctx = ctx
        self._points: list[PointRow] | None = None

    def points(self, tenant: str) -> list[PointRow]:
        if self._points is None:
            inventory = self.ctx.discovery.inventory(tenant, self.ctx.config)
            rows = []
            for view in inventory.views:
                if not view.point.active:
                    continue
                site = view.location.site if view.location else None
                rows.append(
                    PointRow(
                        point_ref=view.point.default_code or view.point.id,
                        site=site,
                        customer=site,
                        deveui=view.device_deveui,
                        device_status=view.device_status,
                    )
                )
            self._points = rows
        return self._points

    def device_changes(self, tenant: str) -> list[DeviceChange]:
        changes = []
        for device in self.ctx.devices.list(tenant):
            entries = self.ctx.audit.history(tenant, device.device_id)
            if device.status == "active" and not any(e.field == "status" for e in entries):
                # adopted already active from the IoT platform: active since we know it
                changes.append(
                    DeviceChange(
                        at=device.created_at,
                        point_ref=device.point_ref,
                        action="adopted",
                        field="status",
                        old=None,
                        new="active",
                        actor="iot-platform",
                        audit_ref=f"device:{device.device_id}#adopted",
                    )
                )
            for index, entry in enumerate(entries):
                changes.append(
                    DeviceChange(
                        at=entry.at,
                        point_ref=device.point_ref,
                        action=entry.action,
                        field=entry.field,
                        old=entry.old,
                        new=entry.new,
                        actor=entry.actor,
                        audit_ref=f"device:{device.device_id}#{index + 1}",
                    )
                )
        return changes

    def incidents(self, tenant: str) -> list[IncidentRecord]:
        refs = {p.id: p.default_code or p.id for p in self.ctx.store.list_points(tenant)}
        return [
            IncidentRecord(
                at=group.first_at,
                point_ref=refs.get(group.point_id or "", group.point_id),
                incident_id=group.incident_id,
                title=f"{group.count} sensor alert(s), last {group.last_at:%Y-%m-%d %H:%M} UTC",
                audit_ref=f"incident:{group.key}",
            )
            for group in self.ctx.store.list_groups(tenant)
        ]


def reading_from(record: Any) -> HealthReading:
    """A Microshare `HealthRecord` as the domain's health reading."""
    return HealthReading(
        deveui=record.deveui,
        at=record.at,
        point_ref=record.reference,
        battery_pct=record.battery_pct,
        voltage=record.voltage,
        rssi=record.rssi,
        snr=record.snr,
        trap_state=record.trap_state,
    )


class SensorHistoryBridge:
    """`SensorHistorySource` over the tenant's Microshare client."""

    def __init__(self, ctx: PestContext) -> None:
        self.ctx = ctx

    def list_health(self, since: datetime | None) -> list[HealthReading]:
        with _iot_errors():
            return [
                reading_from(r)
                for r in self.ctx.iot.client.list_health(HEALTH_REC_TYPE)
                if r.deveui and (since is None or r.at > since)
            ]

    def list_events(self, since: datetime | None) -> list[SensorEvent]:
        events: list[SensorEvent] = []
        for rec_type in self.ctx.config.alert_rec_types:
            for alert in self.ctx.iot.list_alerts(rec_type, since):
                if alert.event not in PEST_EVENTS or (since is not None and alert.created <= since):
                    continue
                events.append(
                    SensorEvent(
                        id=alert.id,
                        at=alert.created,
                        point_ref=alert.point_ref,
                        site=alert.location[0] if alert.location else None,
                        event=alert.event,
                        pest_type="rodent",
                    )
                )
        return events


class ServiceErpBridge:
    """`ServiceErp` over the tenant's Odoo adapter (its service desk)."""

    def __init__(self, ctx: PestContext) -> None:
        self.ctx = ctx
        self._desk: Any = None

    @property
    def desk(self) -> Any:
        if self._desk is None:
            adapter = self.ctx.erp.adapter
            make = getattr(adapter, "service_desk", None)
            if make is None:
                raise NotConfigured(
                    "this tenant's ERP has no service side (visits, work orders)",
                    setting="erp_kind",
                    tried=self.ctx.config.erp_kind,
                )
            settings = {
                k: str(v)
                for k, v in self.ctx.config.erp_settings.items()
                if k in ("service_project", "maintenance_project", "usage_product")
            }
            self._desk = make(**settings)
        return self._desk

    def list_visits(self, since: datetime | None) -> list[Visit]:
        with _erp_errors():
            return [Visit(**v) for v in self.desk.list_visits(since)]

    def list_work_orders(self) -> list[WorkOrder]:
        with _erp_errors():
            return [WorkOrder(**o) for o in self.desk.list_work_orders()]

    def create_work_order(
        self, key: str, title: str, description: str, point_ref: str | None
    ) -> str:
        with _erp_errors():
            return self.desk.create_work_order(key, title, description, point_ref)

    def update_work_order(self, order_id: str, description: str) -> None:
        with _erp_errors():
            self.desk.update_work_order(order_id, description)

    def close_work_order(self, order_id: str) -> None:
        with _erp_errors():
            self.desk.close_work_order(order_id)

    def revenue_by_customer(self, start: datetime, end: datetime) -> dict[str, float]:
        with _erp_errors():
            return self.desk.revenue_by_customer(start, end)

    def write_usage_line(self, line: SaleOrderLinePlan) -> str:
        with _erp_errors():
            return self.desk.write_usage_line(
                line.key, line.customer, line.description, line.quantity
            )


def insights_for(tenant: str, ctx: PestContext | None = None) -> InsightsService:
    """The tenant's insights service on the real stores and adapters."""
    ctx = ctx or context_for(tenant)
    return InsightsService(
        DynamoHistoryStore(),
        SensorHistoryBridge(ctx),
        ServiceErpBridge(ctx),
        PestRecordsBridge(ctx),
        utcnow,
        unavailable=(SourceUnavailable, NotConfigured),
    )


class CollectInsights(BaseModel):
    """What the collect function's queue carries: collect one tenant now."""

    action: Literal["collect_insights"] = "collect_insights"
    tenant_id: str


def queue_collect(tenant: str) -> str:
    """Ask the collect function to run for `tenant` now (off the request path)."""
    return SqsQueue("INSIGHTS_QUEUE_URL").send(CollectInsights(tenant_id=tenant))


def collect_tenants() -> list[str]:
    """Every tenant with a pest-control configuration (the incident sync's registry)."""
    return pest_tenants()


def collect(tenant: str) -> dict[str, Any]:
    result = insights_for(tenant).collect(tenant)
    return {
        "tenant_id": tenant,
        "readings": result.readings,
        "events": result.events,
        "visits": result.visits,
        "expired": result.expired,
        "findings": len(result.findings),
        "work_orders": {
            kind: sum(1 for a in result.work_orders if a.kind == kind)
            for kind in ("create", "update", "close", "keep")
        },
        "errors": result.errors,
        "function": Settings().aws_lambda_function_name,
    }
