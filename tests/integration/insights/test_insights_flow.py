"""Insights end to end on moto tables (from template.yaml) and the Odoo/Microshare
simulators through the real adapters: collect a month of history, plan work orders in
Odoo once, then report, bill, pack and portal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import httpx
import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.odoo.transport import Json2Transport
from syncbridge.domain.insights.reports import Month
from syncbridge.roots.insights import insights_for
from tests.helpers.template_tables import create_tables
from tests.integration.pest.conftest import build_context

pytestmark = pytest.mark.integration
TENANT = "golden-crust"
TABLES = {
    "PestTable": ("PEST_TABLE", "pest"),
    "DevicesTable": ("DEVICES_TABLE", "devices"),
    "AuditTable": ("AUDIT_TABLE", "audit"),
    "HistoryTable": ("HISTORY_TABLE", "history"),
}


@pytest.fixture
def tables(monkeypatch) -> Iterator[None]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws.reset_clients()
        for env_var, name in TABLES.values():
            monkeypatch.setenv(env_var, name)
        create_tables(
            boto3.resource("dynamodb", region_name="us-east-1"),
            {logical: name for logical, (_, name) in TABLES.items()},
        )
        yield
    aws.reset_clients()


@pytest.fixture
def world(tables, sims):
    odoo, microshare = sims
    now = datetime.now(UTC).replace(microsecond=0)
    summary = microshare.state.add_history(now, days=30, alert_months=12)
    http = httpx.Client(timeout=5)
    odoo_rpc = Json2Transport(
        odoo.url,
        odoo.credentials["database"],
        odoo.credentials["api_key"],
        http,
        RetryPolicy(attempts=1),
    )
    project = odoo_rpc.call(
        "project.project", "create", vals_list=[{"name": "Pest Control Service"}]
    )[0]
    for days_ago, refs in ((20, "ERP024_025_01 ERP024_025_02"), (3, "ERP024_025_01")):
        odoo_rpc.call(
            "project.task",
            "create",
            vals_list=[
                {
                    "name": f"Routine service {refs}",
                    "project_id": project,
                    "user_ids": [[6, 0, [1]]],
                    "state": "1_done",
                    "date_end": (now - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S"),
                }
            ],
        )
    ctx = build_context(TENANT, odoo, microshare)
    yield ctx, odoo, odoo_rpc, summary, now
    http.close()


def test_collect_then_report_bill_pack_and_portal(world):
    ctx, _odoo, odoo_rpc, summary, now = world
    service = insights_for(TENANT, ctx)
    first = service.collect(TENANT)
    assert first.errors == {}
    assert first.readings == summary["uplinks"] and first.visits == 2 and first.events > 20
    fast_drain = next(eui for eui, kind in summary["devices"].items() if kind == "fast_drain")
    assert any(f.deveui == fast_drain and f.problem == "battery" for f in first.findings)
    created = [a for a in first.work_orders if a.kind == "create"]
    assert created, "a preventive work order is created in Odoo for the draining battery"
    tasks = odoo_rpc.call(
        "project.task", "search_read", domain=[["description", "ilike", "[pm:"]], fields=["name"]
    )
    assert len(tasks) == len(created)

    second = service.collect(TENANT)
    assert [a.kind for a in second.work_orders if a.kind == "create"] == []
    assert len(
        odoo_rpc.call(
            "project.task", "search_read", domain=[["description", "ilike", "[pm:"]], fields=["id"]
        )
    ) == len(created)

    cached = service.cached(TENANT, "service-history")
    assert cached.stale is False and cached.body["technicians"][0]["visits"] >= 2
    assert service.cached(TENANT, "risk").body["sites"][0]["site"] == "Golden Crust Manchester"

    [row] = service.monthly_report(TENANT, Month(year=now.year, month=now.month))
    assert row.site == "Golden Crust Manchester" and row.points == 11 and row.covered_points == 2
    assert row.revenue is None  # a stock Odoo has no invoicing: unknown, not zero

    pack = service.compliance_pack(TENANT, "Golden Crust Manchester", now - timedelta(days=30), now)
    visits = next(s for s in pack.sections if s.title == "Service visits")
    assert visits.figure == 2 and all(
        r.audit_ref and r.audit_ref.startswith("erp:visit:") for r in visits.rows
    )
    assert next(s for s in pack.sections if s.title == "Sensor coverage gaps").figure == 9

    view = service.portal(TENANT, "Golden Crust Manchester")
    [site] = view.sites
    assert site.points == 11 and site.sensors_working == 2 and site.last_visit is not None
