"""Visits, preventive work orders and revenue through the Odoo service desk, over both
protocols, against the simulator and (with ODOO_REAL_URL and ODOO_REAL_API_KEY set) a real
Odoo 19 (see ../shared/tools/odoo-real)."""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from syncbridge.adapters.erp import ErpConfigurationMissing
from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.odoo.service_desk import OdooServiceDesk
from syncbridge.adapters.odoo.transport import Json2Transport, XmlRpcTransport
from syncbridge_local.simulators import odoo as odoo_sim

pytestmark = pytest.mark.integration
REAL_URL = os.environ.get("ODOO_REAL_URL")
REAL_KEY = os.environ.get("ODOO_REAL_API_KEY")
REAL_DB = os.environ.get("ODOO_REAL_DATABASE", "pestdemo")
REAL_LOGIN = os.environ.get("ODOO_REAL_LOGIN", "admin")
TARGETS = ["sim-json2", "sim-xmlrpc", "real-json2", "real-xmlrpc"]


@pytest.fixture(params=TARGETS)
def odoo(request):
    target, protocol = request.param.split("-")
    http = httpx.Client(timeout=20)
    sim = None
    if target == "sim":
        sim = odoo_sim.start()
        url, db, login, key = (
            sim.url,
            sim.credentials["database"],
            sim.credentials["login"],
            sim.credentials["api_key"],
        )
    else:
        if not (REAL_URL and REAL_KEY):
            pytest.skip(
                "set ODOO_REAL_URL and ODOO_REAL_API_KEY to run against a real Odoo (make test-odoo-real)"
            )
        url, db, login, key = REAL_URL, REAL_DB, REAL_LOGIN, REAL_KEY
    retry = RetryPolicy(attempts=1)
    transport = (
        Json2Transport(url, db, key, http, retry)
        if protocol == "json2"
        else XmlRpcTransport(url, db, login, key, http, retry)
    )
    created: list[tuple[str, int]] = []
    yield transport, created
    for model, record_id in reversed(created):  # leave a real server as we found it
        with contextlib.suppress(Exception):
            transport.call(model, "unlink", ids=[record_id])
    http.close()
    if sim:
        sim.stop()


def _create(transport, created, model: str, vals: dict) -> int:
    out = transport.call(model, "create", vals_list=[vals])
    record_id = out[0] if isinstance(out, list) else out
    created.append((model, record_id))
    return record_id


def test_visits_are_read_with_time_technician_points_and_state(odoo):
    transport, created = odoo
    project_name = f"Pest Control Service {uuid.uuid4().hex[:6]}"
    project = _create(transport, created, "project.project", {"name": project_name})
    admin = transport.call(
        "res.users", "search_read", domain=[["login", "=", "admin"]], fields=["id"], limit=1
    )
    users = [[6, 0, [admin[0]["id"]]]] if admin else []
    done = _create(
        transport,
        created,
        "project.task",
        {
            "name": "Monthly service ERP024_025_01",
            "project_id": project,
            "description": "<p>Checked ERP024_025_02 too; bait replaced.</p>",
            "user_ids": users,
            "state": "1_done",
            "date_end": "2026-11-20 10:30:00",
        },
    )
    planned = _create(
        transport,
        created,
        "project.task",
        {
            "name": "Next visit ERP024_025_01",
            "project_id": project,
            "date_deadline": "2026-12-20 09:00:00",
        },
    )
    desk = OdooServiceDesk(transport, service_project=project_name)
    visits = {v["id"]: v for v in desk.list_visits(None)}
    assert set(visits) == {str(done), str(planned)}
    first = visits[str(done)]
    assert first["done"] is True and first["at"] == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert first["point_refs"] == ["ERP024_025_01", "ERP024_025_02"]
    if admin:
        assert first["technician"]
    later = visits[str(planned)]
    assert later["done"] is False and later["at"] == datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def test_a_missing_service_project_means_no_visits_yet(odoo):
    transport, _ = odoo
    desk = OdooServiceDesk(transport, service_project=f"No such project {uuid.uuid4().hex}")
    assert desk.list_visits(None) == []


def test_work_order_is_created_found_by_key_updated_and_closed(odoo):
    transport, created = odoo
    name = f"Preventive Maintenance {uuid.uuid4().hex[:6]}"
    desk = OdooServiceDesk(transport, maintenance_project=name)
    assert desk.list_work_orders() == []
    order_id = desk.create_work_order(
        "pm:58-A0-CB-00-00-10-2F-01:battery",
        "Preventive: Replace battery at ERP024_025_01",
        "battery at 15% [pm:58-A0-CB-00-00-10-2F-01:battery]",
        "ERP024_025_01",
    )
    created.append(("project.task", int(order_id)))
    project = transport.call(
        "project.project", "search_read", domain=[["name", "=", name]], fields=["id"]
    )
    created.insert(0, ("project.project", project[0]["id"]))
    [order] = desk.list_work_orders()
    assert order["key"] == "pm:58-A0-CB-00-00-10-2F-01:battery" and order["open"] is True
    desk.update_work_order(order_id, "battery at 9% [pm:58-A0-CB-00-00-10-2F-01:battery]")
    assert "9%" in desk.list_work_orders()[0]["description"]
    desk.close_work_order(order_id)
    assert desk.list_work_orders()[0]["open"] is False


def test_revenue_without_invoicing_or_sales_is_configuration_missing(odoo):
    transport, _ = odoo
    desk = OdooServiceDesk(transport)
    installed = transport.call(
        "ir.model",
        "search_read",
        domain=[["model", "in", ["account.move", "sale.order"]]],
        fields=["model"],
    )
    if installed:
        pytest.skip("this Odoo has Invoicing or Sales installed")
    with pytest.raises(ErpConfigurationMissing) as info:
        desk.revenue_by_customer(
            datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
        )
    assert "account" in info.value.tried


def test_revenue_and_usage_lines_with_sales_installed():
    sim = odoo_sim.start(sales=True)
    http = httpx.Client(timeout=10)
    try:
        transport = Json2Transport(
            sim.url,
            sim.credentials["database"],
            sim.credentials["api_key"],
            http,
            RetryPolicy(attempts=1),
        )
        partner = transport.call(
            "res.partner", "search_read", domain=[], fields=["id", "name"], limit=1
        )[0]
        transport.call(
            "account.move",
            "create",
            vals_list=[
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": partner["id"],
                    "invoice_date": "2026-11-05",
                    "amount_untaxed": 450.0,
                },
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": partner["id"],
                    "invoice_date": "2026-11-06",
                    "amount_untaxed": 999.0,
                },
            ],
        )
        desk = OdooServiceDesk(transport)
        revenue = desk.revenue_by_customer(
            datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
        )
        assert revenue == {partner["name"]: 450.0}
        first = desk.write_usage_line(
            "usage:Golden Crust:2026-11", "Golden Crust", "30 device-days", 30
        )
        again = desk.write_usage_line(
            "usage:Golden Crust:2026-11", "Golden Crust", "32 device-days", 32
        )
        assert first == again
        [line] = transport.call(
            "sale.order.line", "search_read", domain=[], fields=["product_uom_qty", "name"]
        )
        assert line["product_uom_qty"] == 32 and line["name"] == "32 device-days"
    finally:
        http.close()
        sim.stop()
