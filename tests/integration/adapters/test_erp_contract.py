"""The ERP adapter contract: every ERP adapter passes every test here, unchanged.

Run against Odoo JSON-2, Odoo XML-RPC and the generic REST ERP, each on its simulator.
A new ERP (SAP, Dynamics, NetSuite) adds its harness to conftest.py and must pass these.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from syncbridge.adapters.erp import (
    ErpAdapter,
    ErpAuthError,
    ErpConfigurationMissing,
    ErpConflict,
    ErpNotFound,
    ErpUnavailable,
    IncidentDraft,
    PointFields,
)
from syncbridge_local.simulators.odoo import seed

pytestmark = pytest.mark.integration

SEEDED_REFERENCES = {p.reference for p in seed.POINTS}


def test_the_adapter_implements_the_port(erp):
    assert isinstance(erp.adapter, ErpAdapter)
    assert erp.adapter.erp.startswith(erp.kind.split("-")[0])


def test_lists_the_golden_crust_inspection_points_and_nothing_else(erp):
    # When
    points = list(erp.adapter.list_inspection_points())
    # Then: 11 points (page size 4 forces three pages), no other products
    assert {p.reference for p in points} == SEEDED_REFERENCES
    assert len(points) == len({p.id for p in points}) == 11
    assert erp.other_product_id not in {p.id for p in points}
    mapped = {p.reference: p.barcode for p in points if p.barcode}
    assert mapped == {p.reference: p.deveui for p in seed.MAPPED}
    silo = next(p for p in points if p.reference == "ERP024_025_01")
    assert silo.location_text == "Golden Crust Manchester - Flour Storage Silo A"
    assert silo.description is None
    assert silo.category == "Inspection Points"
    assert all(p.active and p.write_date.tzinfo is not None for p in points)
    assert all(p.barcode is None for p in points if p.reference not in mapped)


def test_incremental_read_returns_only_points_changed_since_the_cursor(erp):
    # Given every point was last changed an hour ago
    erp.backdate(3600)
    cursor = datetime.now(UTC) - timedelta(minutes=10)
    changed = erp.point_id_by_reference("ERP024_025_05")
    # When one point changes
    erp.update_point(changed, name="Golden Crust Manchester - Oven Line 2")
    points = list(erp.adapter.list_inspection_points(cursor))
    # Then only that point comes back, with its new name
    assert [p.id for p in points] == [changed]
    assert points[0].name.endswith("Oven Line 2")


def test_a_change_at_the_cursor_second_is_not_missed(erp):
    # Given a reader that remembers the newest write_date it saw
    cursor = max(p.write_date for p in erp.adapter.list_inspection_points())
    target = erp.point_id_by_reference("ERP024_025_03")
    # When a point changes right after the read (often in the same second)
    erp.update_point(target, barcode="58-A0-CB-00-00-10-2F-33")
    # Then reading from the cursor returns it
    again = {p.id: p for p in erp.adapter.list_inspection_points(cursor)}
    assert again[target].barcode == "58-A0-CB-00-00-10-2F-33"


def test_archived_points_are_hidden_unless_asked_for(erp):
    archived = erp.point_id_by_reference("ERP024_025_11")
    erp.archive_point(archived)
    visible = {p.id for p in erp.adapter.list_inspection_points()}
    everything = {p.id: p for p in erp.adapter.list_inspection_points(include_archived=True)}
    assert archived not in visible and len(visible) == 10
    assert everything[archived].active is False and len(everything) == 11


def test_point_ids_reveal_deletions_that_incremental_reads_cannot(erp):
    cursor = datetime.now(UTC) - timedelta(seconds=1)
    gone = erp.point_id_by_reference("ERP024_025_10")
    archived = erp.point_id_by_reference("ERP024_025_09")
    erp.archive_point(archived)
    before = erp.adapter.list_point_ids()
    # When a point is deleted in the ERP
    erp.delete_point(gone)
    after = erp.adapter.list_point_ids()
    # Then the incremental read says nothing about it, the id list does
    assert gone not in {p.id for p in erp.adapter.list_inspection_points(cursor)}
    assert before - after == {gone}
    assert archived in after and archived not in erp.adapter.list_point_ids(include_archived=False)


def test_writes_barcode_and_status_and_clears_the_barcode(erp):
    erp.enable_status_field()  # Odoo: the optional custom field an admin may add
    point_id = erp.point_id_by_reference("ERP024_025_04")
    written = erp.adapter.write_point_fields(
        point_id, PointFields(barcode="00-00-00-00-00-00-00-00", device_status="pending")
    )
    assert (written.barcode, written.device_status) == ("00-00-00-00-00-00-00-00", "pending")
    assert erp.adapter.get_point(point_id).barcode == "00-00-00-00-00-00-00-00"
    cleared = erp.adapter.write_point_fields(point_id, PointFields(barcode=None))
    assert cleared.barcode is None and cleared.device_status == "pending"


def test_a_duplicate_barcode_is_a_conflict(erp):
    point_id = erp.point_id_by_reference("ERP024_025_06")
    with pytest.raises(ErpConflict):
        erp.adapter.write_point_fields(point_id, PointFields(barcode="58-A0-CB-00-00-10-2F-01"))
    assert erp.adapter.get_point(point_id).barcode is None


def test_unknown_points_and_other_products_are_not_found(erp):
    with pytest.raises(ErpNotFound):
        erp.adapter.get_point("999999")
    with pytest.raises(ErpNotFound):
        erp.adapter.write_point_fields("999999", PointFields(barcode="AB"))
    with pytest.raises(ErpNotFound):  # a product outside the category is not a point
        erp.adapter.write_point_fields(erp.other_product_id, PointFields(barcode="AB"))


def test_creating_an_incident_twice_with_one_dedupe_key_opens_one(erp):
    point = erp.adapter.get_point(erp.point_id_by_reference("ERP024_025_01"))
    draft = IncidentDraft(
        title="Rodent present: Flour Storage Silo A",
        description="3 alerts in 10 minutes",
        point_id=point.id,
        point_reference=point.reference,
        dedupe_key="alert-5f1c",
        occurred_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        tags=["rodent"],
    )
    first = erp.adapter.create_incident(draft)
    second = erp.adapter.create_incident(draft)
    assert first == second and first.dedupe_key == "alert-5f1c"
    assert erp.adapter.find_incident("alert-5f1c") == first
    assert erp.adapter.find_incident("never-seen") is None
    erp.adapter.add_incident_note(first.id, "rodent_present again at 08:04")
    with pytest.raises(ErpNotFound):
        erp.adapter.add_incident_note("999999", "nobody home")


def test_finds_the_inspection_category_by_name(erp):
    category_id = erp.adapter.find_category("Inspection Points")
    assert (
        category_id == erp.adapter.get_point(erp.point_id_by_reference("ERP024_025_01")).category_id
    )
    with pytest.raises(ErpConfigurationMissing) as raised:
        erp.adapter.find_category("No Such Category")
    assert (raised.value.setting, raised.value.tried) == ("category_name", "No Such Category")


def test_a_rate_limit_is_waited_out_using_retry_after(erp):
    erp.adapter.find_category()  # warm the category cache
    erp.sim.faults.rate_limit(times=2, retry_after=3)
    points = list(erp.adapter.list_inspection_points())
    assert len(points) == 11
    assert erp.sleeps.delays[:2] == [3.0, 3.0]


def test_persistent_server_errors_become_a_retryable_unavailable(erp):
    erp.sim.faults.fail_next(503, times=50)
    with pytest.raises(ErpUnavailable) as raised:
        list(erp.adapter.list_inspection_points())
    assert raised.value.retryable
    assert len(erp.sleeps.delays) == 2  # 3 attempts


def test_a_server_that_is_down_is_unavailable_and_health_says_so(erp):
    assert erp.adapter.health().ok
    erp.sim.go_down()
    with pytest.raises(ErpUnavailable):
        list(erp.adapter.list_inspection_points())
    health = erp.adapter.health()
    assert not health.ok and "Unavailable" in health.detail
    erp.sim.come_up()
    assert erp.adapter.health().ok


def test_bad_credentials_are_an_auth_error_that_never_shows_the_secret(erp, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-key-s3cr3t-0042"
    adapter = erp.build(credentials={"api_key": SecretStr(wrong)})
    with pytest.raises(ErpAuthError) as raised:
        list(adapter.list_inspection_points())
    assert not adapter.health().ok
    shown = f"{raised.value!r} {raised.value} {raised.value.__cause__!r} {erp.config!r}"
    ours = caplog.records  # ours, httpx's and the simulators' access logs
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    for secret in (wrong, erp.secret):
        assert secret not in shown and secret not in logged
