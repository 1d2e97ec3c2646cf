"""The insights service against in-memory ports: collect, maintain, cache, report, bill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncbridge.domain.errors import InvalidInput, NotFound
from syncbridge.domain.insights.compliance import DeviceChange, IncidentRecord
from syncbridge.domain.insights.models import HealthReading, SensorEvent, Visit
from syncbridge.domain.insights.reports import Month
from syncbridge.domain.insights.service import InsightsPolicy, InsightsService

from .fakes import FakeHistoryStore, FakePestRecords, FakeSensors, FakeServiceErp, P, Unavailable

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
EUI = "58-A0-CB-00-00-10-2F-01"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def world(points=None, changes=None, incidents=None):
    store, sensors, erp, clock = FakeHistoryStore(), FakeSensors(), FakeServiceErp(), Clock()
    pest = FakePestRecords(
        points
        or [
            P("P1", "Manchester", "Golden Crust", EUI, "active"),
            P("P2", "Manchester", "Golden Crust", None, "pending"),
        ],
        changes,
        incidents,
    )
    service = InsightsService(store, sensors, erp, pest, clock, unavailable=(Unavailable,))
    return service, store, sensors, erp, clock


def draining(days=30):
    return [
        HealthReading(
            deveui=EUI,
            point_ref="P1",
            at=NOW - timedelta(hours=6 * i),
            battery_pct=21 + 0.2 * i,
            rssi=-90,
        )
        for i in range(days * 4)
    ]


def test_collect_stores_history_with_site_and_advances_cursors():
    service, store, sensors, erp, clock = world()
    sensors.health = draining()
    sensors.events = [
        SensorEvent(id="a1", at=NOW - timedelta(days=1), point_ref="P1", event="rodent_present")
    ]
    erp.visits = [Visit(id="v1", at=NOW - timedelta(hours=20), technician="Ann", point_refs=["P1"])]
    result = service.collect("t1")
    assert (result.readings, result.events, result.visits) == (120, 1, 1)
    assert store.events("t1", NOW - timedelta(days=2), NOW)[0].site == "Manchester"
    assert store.get_cursor("t1", "health") == NOW
    clock.now += timedelta(hours=1)
    again = service.collect("t1")
    assert (again.readings, again.events, again.visits) == (0, 0, 0)
    assert sensors.since_seen[-1] == NOW


def test_collect_creates_one_work_order_per_problem_and_closes_it_when_cleared():
    service, _store, sensors, erp, clock = world()
    sensors.health = draining()
    first = service.collect("t1")
    assert [a.kind for a in first.work_orders] == ["create"]
    assert (
        "P1" in next(iter(erp.orders.values())).description or first.findings[0].point_ref == "P1"
    )
    writes = erp.writes
    service.collect("t1")
    assert erp.writes == writes, "a second run must not write the same work order again"
    # new battery fitted: readings at 100% from now on
    clock.now += timedelta(days=1)
    sensors.health += [
        HealthReading(
            deveui=EUI, point_ref="P1", at=clock.now - timedelta(hours=h), battery_pct=100, rssi=-90
        )
        for h in range(0, 20, 6)
    ]
    service.policy.thresholds.trend_window_days = 1
    cleared = service.collect("t1")
    assert [a.kind for a in cleared.work_orders] == ["close"]
    assert not next(iter(erp.orders.values())).open


def test_source_down_is_reported_and_cached_results_turn_stale():
    service, _store, sensors, _erp, clock = world()
    service.collect("t1")
    assert service.cached("t1", "risk").stale is False
    sensors.down = True
    clock.now += timedelta(hours=3)
    result = service.collect("t1")
    assert set(result.errors) == {"health", "events"}
    assert service.cached("t1", "maintenance").computed_at == clock.now
    assert service.cached("t1", "nothing-here").stale is True


def test_retention_removes_expired_history():
    service, store, sensors, _erp, clock = world()
    service.policy = InsightsPolicy(retention_days=1, create_work_orders=False)
    sensors.health = draining(days=1)
    service.collect("t1")
    assert store.count("t1") == 4
    clock.now += timedelta(days=2)
    result = service.collect("t1")
    assert result.expired == 4 and store.count("t1") == 0


def test_monthly_report_uses_erp_revenue_and_covered_points():
    service, _store, _sensors, erp, _clock = world()
    erp.revenue = {"Golden Crust": 500.0}
    [row] = service.monthly_report("t1", Month.parse("2026-11"))
    assert row.site == "Manchester" and row.covered_points == 1 and row.points == 2
    assert row.revenue_per_device == 500.0


def test_usage_bills_device_days_once_per_customer_and_month():
    changes = [
        DeviceChange(
            at=datetime(2026, 11, 11, tzinfo=UTC),
            point_ref="P1",
            action="transition",
            field="status",
            old="pending",
            new="active",
            actor="a",
            audit_ref="x",
        )
    ]
    service, _store, _sensors, erp, _clock = world(changes=changes)
    [row] = service.usage("t1", Month.parse("2026-11"))
    assert row.customer == "Golden Crust" and row.device_days == 20
    service.bill_usage("t1", Month.parse("2026-11"))
    service.bill_usage("t1", Month.parse("2026-11"))
    assert list(erp.lines) == ["usage:Golden Crust:2026-11"]


def test_compliance_pack_refuses_unknown_site_and_reversed_period():
    incidents = [
        IncidentRecord(at=NOW - timedelta(days=3), point_ref="P1", incident_id="9", title="Rodent")
    ]
    service, *_ = world(incidents=incidents)
    pack = service.compliance_pack("t1", "Manchester", NOW - timedelta(days=30), NOW)
    assert next(s for s in pack.sections if s.title.startswith("Incidents")).figure == 1
    with pytest.raises(NotFound):
        service.compliance_pack("t1", "Leeds", NOW - timedelta(days=30), NOW)
    with pytest.raises(InvalidInput):
        service.compliance_pack("t1", "Manchester", NOW, NOW - timedelta(days=1))


def test_portal_shows_only_the_customers_sites_without_device_ids():
    points = [
        P("P1", "Manchester", "Golden Crust", EUI, "active"),
        P("P2", "Leeds", "Other Co", EUI, "active"),
    ]
    incidents = [
        IncidentRecord(at=NOW - timedelta(days=1), point_ref="P1", incident_id="3", title="x")
    ]
    service, _store, _sensors, erp, _clock = world(points=points, incidents=incidents)
    erp.visits = [
        Visit(id="v1", at=NOW - timedelta(days=2), technician="Ann", point_refs=["P1"]),
        Visit(id="v2", at=NOW + timedelta(days=5), technician="Ann", point_refs=["P1"], done=False),
    ]
    service.collect("t1")
    view = service.portal("t1", "Golden Crust")
    assert [s.site for s in view.sites] == ["Manchester"]
    [site] = view.sites
    assert site.open_incidents == 1 and site.sensors_working == 1
    assert site.last_visit == NOW - timedelta(days=2) and site.next_visit == NOW + timedelta(days=5)
    assert EUI not in view.model_dump_json()
    with pytest.raises(NotFound):
        service.portal("t1", "Nobody")


def test_report_without_erp_invoicing_shows_revenue_as_unknown_not_zero():
    service, _store, _sensors, erp, _clock = world()

    def no_invoicing(start, end):
        raise Unavailable("Odoo has neither Invoicing nor Sales")

    erp.revenue_by_customer = no_invoicing
    [row] = service.monthly_report("t1", Month.parse("2026-11"))
    assert row.revenue is None and row.revenue_per_device is None


def test_partner_names_are_matched_to_sites_by_their_first_word():
    service, _store, _sensors, erp, _clock = world(
        points=[P("P1", "Golden Crust Manchester", None, EUI, "active")]
    )
    erp.revenue = {"Golden Crust Bakeries Ltd": 120.0, "Other Co": 999.0}
    [row] = service.monthly_report("t1", Month.parse("2026-11"))
    assert row.revenue == 120.0


def test_reads_after_a_collect_come_from_the_cache_until_it_is_stale():
    service, _store, _sensors, erp, clock = world()
    calls = []
    erp.revenue_by_customer = lambda start, end: calls.append(start) or {}
    service.collect("t1")
    collected = len(calls)
    assert collected == 2  # this month and last month, computed once by the collect
    service.monthly_report("t1", Month(year=NOW.year, month=NOW.month))
    assert len(calls) == collected, "a fresh cached report must not call the ERP again"
    clock.now += timedelta(hours=3)
    service.monthly_report("t1", Month(year=NOW.year, month=NOW.month))
    assert len(calls) == collected + 1, "a stale cache is recomputed"
