"""Discovery and gap analysis from the snapshot: TTL, incremental refresh, stale serving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncbridge.domain.pest.errors import SourceUnavailable
from syncbridge.domain.pest.models import Point

TENANT = "golden-crust"


def test_discovery_lists_all_points_and_gap_analysis_finds_nine(world):
    inv = world.discovery.inventory(TENANT, world.config)
    assert len(inv.views) == 11
    assert inv.parse_errors == []
    assert not inv.freshness.stale
    gaps = world.discovery.unmapped(inv, world.config)
    assert len(gaps) == 9
    first = gaps[0]
    assert first.template.rec_type == "io.microshare.trap.packed"
    assert first.template.deveui == "00-00-00-00-00-00-00-00"
    assert first.template.location[3] == first.point.default_code == "ERP024_025_03"
    # the plain lower-case barcode of point 2 still counts as mapped
    mapped = {v.point.default_code for v in inv.views if v.mapped}
    assert mapped == {"ERP024_025_01", "ERP024_025_02"}


def test_unparseable_points_are_reported_not_dropped(world):
    world.erp.points["99"] = Point(
        id="99", name="Spare bait station", default_code="X1", write_date=world.clock()
    )
    inv = world.discovery.inventory(TENANT, world.config)
    assert len(inv.views) == 12
    assert [p.point_id for p in inv.parse_errors] == ["99"]
    assert "matches no pattern" in inv.parse_errors[0].reason
    assert all(g.point.id != "99" for g in world.discovery.unmapped(inv, world.config))


def test_snapshot_is_served_within_ttl_without_calling_the_systems(world):
    world.discovery.inventory(TENANT, world.config)
    calls = len(world.erp.outage.calls) + len(world.iot.outage.calls)
    world.clock.advance(seconds=30)
    for _ in range(20):
        world.discovery.inventory(TENANT, world.config)
    assert len(world.erp.outage.calls) + len(world.iot.outage.calls) == calls


def test_refresh_after_ttl_is_incremental_with_overlap(world):
    world.discovery.inventory(TENANT, world.config)
    cursor = world.store.get_meta(TENANT, "erp").cursor
    world.clock.advance(seconds=61)
    changed = world.erp.points["5"].model_copy(
        update={
            "name": "Golden Crust Manchester / Manchester Production / Oven Hall East",
            "write_date": cursor + timedelta(seconds=10),
        }
    )
    world.erp.points["5"] = changed
    inv = world.discovery.inventory(TENANT, world.config)
    assert world.erp.since_calls[-1] == cursor - timedelta(seconds=5)
    assert next(v for v in inv.views if v.point.id == "5").location.area == "Oven Hall East"


def test_deleted_points_disappear_at_reconcile(world):
    world.discovery.inventory(TENANT, world.config)
    del world.erp.points["11"]
    world.clock.advance(seconds=3601)
    inv = world.discovery.inventory(TENANT, world.config)
    assert len(inv.views) == 10


def test_iot_down_serves_last_snapshot_marked_stale(world):
    world.discovery.inventory(TENANT, world.config)
    world.iot.outage.is_down = True
    world.clock.advance(seconds=61)
    inv = world.discovery.inventory(TENANT, world.config)
    assert inv.freshness.stale
    assert inv.freshness.sources["iot"].ok is False
    assert inv.freshness.sources["erp"].ok is True
    assert inv.freshness.as_of is not None
    assert len(world.discovery.unmapped(inv, world.config)) == 9


def test_erp_down_before_any_snapshot_is_unavailable(world):
    world.erp.outage.is_down = True
    with pytest.raises(SourceUnavailable):
        world.discovery.inventory(TENANT, world.config)


def test_duplicate_default_code_is_reported(world):
    world.erp.points["12"] = world.erp.points["3"].model_copy(update={"id": "12"})
    inv = world.discovery.inventory(TENANT, world.config)
    reasons = {p.point_id: p.reason for p in inv.parse_errors}
    assert set(reasons) == {"3", "12"} and "shared" in reasons["3"]
