"""Odoo-specific behaviour the contract warns about, against the Odoo simulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from syncbridge.adapters.erp import (
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    ErpConflict,
    ErpNotFound,
    ErpUnavailable,
    IncidentDraft,
    PointFields,
    build_erp_adapter,
)
from syncbridge.adapters.http import RetryPolicy
from syncbridge_local.simulators import odoo as odoo_sim
from tests.integration.adapters.conftest import RecordingSleep

pytestmark = pytest.mark.integration
PROTOCOLS = ("json2", "xmlrpc")


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        self.now = at
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += timedelta(seconds=seconds)


def adapter_for(sim, protocol: str, *, credentials=None, sleeps=None, **settings):
    config = ErpConfig(
        kind="odoo",
        base_url=sim.url,
        settings={"protocol": protocol, "database": "odoo", "login": "sync-bridge", **settings},
        credentials=credentials or {"api_key": sim.credentials["api_key"]},
        timeout_seconds=2,
    )
    retry = RetryPolicy(attempts=3, base_delay=0.01, sleep=sleeps or RecordingSleep())
    return build_erp_adapter(config, http=httpx.Client(timeout=2), retry=retry)


@pytest.fixture
def clock():
    return FrozenClock(datetime(2026, 11, 23, 9, 0, 0, 400_000, tzinfo=UTC))


@pytest.fixture
def frozen_odoo(clock):
    sim = odoo_sim.start(clock=clock)
    yield sim
    sim.stop()


def json2(sim, model: str, method: str, **body):
    headers = {"Authorization": f"bearer {sim.credentials['api_key']}", "X-Odoo-Database": "odoo"}
    return httpx.post(f"{sim.url}/json/2/{model}/{method}", json=body, headers=headers)


def test_the_simulator_speaks_odoo_values_and_the_adapter_translates_them(odoo):
    # Given Odoo reads empty fields as False and many2one as [id, name]
    raw = json2(odoo, "product.product", "search_read",
                domain=[["default_code", "=", "ERP024_025_07"]],
                fields=["barcode", "categ_id", "description_sale", "write_date"]).json()[0]  # fmt: skip
    assert raw["barcode"] is False
    assert raw["categ_id"] == [odoo.state.inspection_category_id, "Inspection Points"]
    assert len(raw["write_date"]) == 19  # "YYYY-MM-DD HH:MM:SS": whole seconds
    # Then the adapter hands the domain None and plain values
    point = next(
        p for p in adapter_for(odoo, "json2").list_inspection_points()
        if p.reference == "ERP024_025_07"
    )  # fmt: skip
    assert point.barcode is None and point.device_status is None
    assert point.category_id == str(odoo.state.inspection_category_id)
    assert point.write_date.microsecond == 0 and point.write_date.tzinfo is not None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_category_id_differs_per_database_and_is_looked_up_once(protocol, monkeypatch):
    first, second = odoo_sim.start(seed_offset=0), odoo_sim.start(seed_offset=5)
    try:
        ids = set()
        for sim in (first, second):
            lookups = []
            real_run = sim.state.run

            def counting(method, env, args, kwargs, real_run=real_run, lookups=lookups):
                if env.model == "product.category":
                    lookups.append(kwargs.get("domain"))
                return real_run(method, env, args, kwargs)

            monkeypatch.setattr(sim.state, "run", counting)
            adapter = adapter_for(sim, protocol)
            for _ in range(3):
                assert len(list(adapter.list_inspection_points())) == 11
            ids.add(adapter.find_category())
            assert lookups == [[["name", "=", "Inspection Points"]]]
        assert ids == {
            str(first.state.inspection_category_id),
            str(second.state.inspection_category_id),
        }
        assert len(ids) == 2
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_same_second_and_late_committed_changes_are_caught_by_the_overlap(
    frozen_odoo, clock, protocol
):
    adapter = adapter_for(frozen_odoo, protocol, overlap_seconds=30)
    db = frozen_odoo.state
    cursor = max(p.write_date for p in adapter.list_inspection_points())
    silo_b = db.search_ids("product.product", [["default_code", "=", "ERP024_025_02"]])[0]
    mixing = db.search_ids("product.product", [["default_code", "=", "ERP024_025_03"]])[0]
    # When one change lands in the cursor's own second, and a long transaction commits a
    # change stamped 10 s before the cursor (Odoo stamps write_date at transaction start)
    db.update("product.product", silo_b, barcode="58-A0-CB-00-00-10-2F-22")
    clock.advance(-10)
    db.update("product.product", mixing, barcode="58-A0-CB-00-00-10-2F-33")
    clock.advance(10)
    # Then the next incremental read returns both
    changed = {p.reference: p.barcode for p in adapter.list_inspection_points(cursor)}
    assert changed["ERP024_025_02"] == "58-A0-CB-00-00-10-2F-22"
    assert changed["ERP024_025_03"] == "58-A0-CB-00-00-10-2F-33"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_point_edited_mid_read_does_not_push_another_off_a_page(frozen_odoo, clock, protocol):
    # Given a read in pages of 3 (every point shares one write_date second)
    adapter = adapter_for(frozen_odoo, protocol, page_size=3)
    reader = adapter.list_inspection_points()
    first_page = [next(reader) for _ in range(3)]
    # When a point already read is edited (it moves to the end of the order)
    clock.advance(1)
    frozen_odoo.state.update("product.product", int(first_page[0].id), barcode="AA-01")
    rest = list(reader)
    # Then no point is skipped; the edited one comes again with its new write_date
    seen = {p.id for p in first_page} | {p.id for p in rest}
    assert len(seen) == 11
    assert rest[-1].id == first_page[0].id and rest[-1].barcode == "AA-01"


def test_xmlrpc_faults_map_to_typed_errors(odoo):
    adapter = adapter_for(odoo, "xmlrpc")
    point = next(iter(adapter.list_inspection_points()))
    with pytest.raises(ErpConflict, match="already assigned") as conflict:  # fault 2
        adapter.write_point_fields(point.id, PointFields(barcode="58-A0-CB-00-00-10-2F-02"))
    assert "ERP024_025_02" in str(conflict.value)  # the whole text names the holder
    with pytest.raises(ErpNotFound):  # fault 2, MissingError
        adapter._transport.call("product.product", "write", ids=[424242], vals={"name": "x"})
    with pytest.raises(ErpConfigurationMissing) as bad_field:  # fault 1, ValueError
        adapter._transport.call("product.product", "search_read", domain=[["nope", "=", 1]])
    assert (bad_field.value.setting, bad_field.value.tried) == ("field", "nope")
    readonly = adapter_for(
        odoo,
        "xmlrpc",
        credentials={"api_key": odoo_sim.READONLY_API_KEY},
        login=odoo_sim.READONLY_LOGIN,
    )
    with pytest.raises(ErpAuthError, match="not allowed"):  # fault 4, AccessError
        readonly.write_point_fields(point.id, PointFields(barcode="AB-CD"))


def test_json2_statuses_map_to_typed_errors(odoo):
    adapter = adapter_for(odoo, "json2")
    point = next(iter(adapter.list_inspection_points()))
    readonly = adapter_for(odoo, "json2", credentials={"api_key": odoo_sim.READONLY_API_KEY})
    with pytest.raises(ErpAuthError, match="access right"):  # 403
        readonly.write_point_fields(point.id, PointFields(barcode="AB-CD"))
    with pytest.raises(ErpNotFound, match="Record does not exist"):  # 404 MissingError
        adapter._transport.call("product.product", "write", ids=[424242], vals={"name": "x"})
    with pytest.raises(ErpConfigurationMissing, match=r"helpdesk\.ticket"):  # 404 unknown model
        adapter._transport.call("helpdesk.ticket", "search", domain=[])
    calls_before = odoo.faults.calls_to("search_read")
    with pytest.raises(ErpConfigurationMissing):  # 500 naming a Python error: not retried
        adapter._transport.call("product.product", "search_read", domain=[["nope", "=", 1]])
    assert odoo.faults.calls_to("search_read") == calls_before + 1
    odoo.faults.fail_next(409)
    with pytest.raises(ErpConflict):
        adapter.write_point_fields(point.id, PointFields(barcode="AB-CD"))
    wrong_db = adapter_for(odoo, "json2", database="other")
    with pytest.raises(ErpConfigurationMissing, match="database") as missing:
        wrong_db.find_category()
    assert (missing.value.setting, missing.value.tried) == ("database", "other")


def test_xmlrpc_logins_are_not_throttled_and_a_refusal_is_never_retried(odoo):
    """Odoo 19 does not throttle XML-RPC logins (the cool-down needs an HTTP request)."""
    good = odoo.credentials["api_key"]
    for attempt in range(6):
        bad = adapter_for(odoo, "xmlrpc", credentials={"password": f"wrong-{attempt}"})
        calls = odoo.faults.calls_to("/xmlrpc/2/common")
        with pytest.raises(ErpAuthError, match="refused the login"):
            bad.find_category()
        assert odoo.faults.calls_to("/xmlrpc/2/common") == calls + 1
    assert adapter_for(odoo, "xmlrpc", credentials={"api_key": good}).health().ok


def test_a_create_is_retried_only_when_the_server_refused_before_doing_anything(odoo):
    sleeps = RecordingSleep()
    adapter = adapter_for(odoo, "json2", sleeps=sleeps)
    draft = IncidentDraft(title="Catch detected", dedupe_key="trap-0002")
    odoo.faults.fail_next(503, path_contains="project.task/create")
    assert adapter.create_incident(draft).kind == "project.task"  # 503: retried
    odoo.faults.fail_next(502, path_contains="project.task/create")
    with pytest.raises(ErpUnavailable):  # 502 may have been processed: not retried
        adapter.create_incident(draft.model_copy(update={"dedupe_key": "trap-0003"}))
    assert odoo.faults.calls_to("project.task/create") == 3


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_incidents_become_helpdesk_tickets_when_configured(protocol):
    sim = odoo_sim.start(helpdesk=True)
    try:
        adapter = adapter_for(
            sim, protocol, incident_model="helpdesk.ticket", incident_container="Pest control"
        )
        ref = adapter.create_incident(
            IncidentDraft(title="Rodent present", dedupe_key="rodent-0001", tags=["rodent"])
        )
        ticket = sim.state.raw("helpdesk.ticket", int(ref.id))
        assert ref.kind == "helpdesk.ticket" and ticket["team_id"] == 1
        assert "[sync-bridge:rodent-0001]" in ticket["description"]
        assert len(ticket["tag_ids"]) == 1
    finally:
        sim.stop()


def test_project_task_carries_project_tags_and_deadline(odoo):
    adapter = adapter_for(odoo, "xmlrpc")
    ref = adapter.create_incident(
        IncidentDraft(
            title="Rodent present x3: Flour Storage Silo A",
            description="Alerts rodent-0001..0003",
            point_id="3",
            point_reference="ERP024_025_01",
            dedupe_key="group-ERP024_025_01-2026-11-23",
            deadline=datetime(2026, 11, 24, tzinfo=UTC).date(),
            tags=["rodent", "repeat"],
        )
    )
    task = odoo.state.raw("project.task", int(ref.id))
    assert task["project_id"] == 1 and task["date_deadline"] == "2026-11-24"
    assert task["description"].startswith("<p>Alerts rodent-0001..0003</p>")
    assert "ERP024_025_01" in task["description"] and len(task["tag_ids"]) == 2
    adapter.add_incident_note(ref.id, "rodent_present again at 08:09")
    assert odoo.state.messages[-1]["res_id"] == int(ref.id)
    assert odoo.state.messages[-1]["body"] == "<p>rodent_present again at 08:09</p>"


def test_a_server_slower_than_the_timeout_is_unavailable(odoo):
    config = ErpConfig(
        kind="odoo",
        base_url=odoo.url,
        settings={"database": "odoo"},
        credentials={"api_key": odoo.credentials["api_key"]},
    )
    retry = RetryPolicy(attempts=2, base_delay=0.01, sleep=RecordingSleep())
    adapter = build_erp_adapter(config, http=httpx.Client(timeout=0.2), retry=retry)
    odoo.faults.slow(0.4)
    with pytest.raises(ErpUnavailable, match="ReadTimeout"):
        adapter.find_category()
    odoo.faults.slow(0)


def test_the_adapter_builds_from_the_secret_json(odoo):
    from syncbridge.adapters.odoo import OdooAdapter

    adapter = OdooAdapter.from_secret(odoo.url, odoo.credentials, protocol="xmlrpc")
    assert adapter.erp == "odoo-xmlrpc" and adapter.health().ok
    adapter.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_placeholder_deveui_can_be_the_barcode_of_one_point_only(odoo, protocol):
    """Odoo's per-company barcode uniqueness: pending devices must not all write
    00-00-00-00-00-00-00-00 to `barcode` (the domain keeps it out of Odoo until assigned)."""
    adapter = adapter_for(odoo, protocol)
    unmapped = [p for p in adapter.list_inspection_points() if p.barcode is None]
    placeholder = PointFields(barcode="00-00-00-00-00-00-00-00", device_status="pending")
    adapter.write_point_fields(unmapped[0].id, placeholder)
    with pytest.raises(ErpConflict, match="already assigned"):
        adapter.write_point_fields(unmapped[1].id, placeholder)
    # a stock Odoo has no status field: the status write is skipped, nothing else changes
    after = adapter.write_point_fields(unmapped[1].id, PointFields(device_status="pending"))
    assert (after.device_status, after.barcode) == (None, None)
