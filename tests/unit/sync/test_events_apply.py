"""apply_erp_event: newest-wins per record, duplicates and reordering are harmless."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from syncbridge.domain.sync.events import apply_erp_event
from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent
from tests.unit.sync.fakes import FakeAudit, FakeHome, FakeMappings, FakeSetupProgress

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def queued(
    action: str = "updated",
    at: datetime = T0,
    rtype: str = "products",
    rid: str = "p-1",
    tenant: str = "tenant-a",
    event_id: uuid.UUID | None = None,
    **data: Any,
) -> QueuedErpEvent:
    return QueuedErpEvent(
        tenant_id=tenant,
        erp="ekos",
        received_at=at,
        event=ErpChangeEvent(
            event_id=event_id or uuid.uuid4(),
            resource_type=rtype,
            action=action,
            resource_id=rid,
            occurred_at=at,
            data={"name": "Hazy IPA", **data},
        ),
    )


@pytest.fixture
def mapped() -> tuple[FakeMappings, FakeHome]:
    mappings, home = FakeMappings(), FakeHome()
    home.create("tenant-a", "products", {"name": "Hazy"}, record_id="home-1")
    mappings.put("tenant-a", "ekos", "products", "p-1", "home-1", source="setup")
    return mappings, home


def test_update_of_a_mapped_record_changes_the_home_record(mapped: Any) -> None:
    mappings, home = mapped
    audit = FakeAudit()
    outcome = apply_erp_event(queued(name="Hazy IPA v2", sku="HZ-1"), mappings, home, audit=audit)
    assert outcome == "updated"
    assert home.get("tenant-a", "products", "home-1").fields["name"] == "Hazy IPA v2"
    assert (
        mappings.source_version("tenant-a", "ekos", "products", "p-1")
        == "2026-03-01T12:00:00.000000Z"
    )
    assert len(audit.entries) == 1


def test_a_duplicate_event_is_applied_once(mapped: Any) -> None:
    mappings, home = mapped
    event = queued(name="Once")
    assert apply_erp_event(event, mappings, home) == "updated"
    writes = home.writes
    assert apply_erp_event(event, mappings, home) == "stale"
    assert home.writes == writes


def test_an_older_event_arriving_late_does_not_overwrite_a_newer_one(mapped: Any) -> None:
    mappings, home = mapped
    newer = queued(at=T0 + timedelta(minutes=5), name="Newest name")
    older = queued(at=T0, name="Old name")
    assert apply_erp_event(newer, mappings, home) == "updated"
    assert apply_erp_event(older, mappings, home) == "stale"
    assert home.get("tenant-a", "products", "home-1").fields["name"] == "Newest name"


def test_offsets_are_compared_as_instants(mapped: Any) -> None:
    mappings, home = mapped
    # 13:30+02:00 is 11:30Z: older than 12:00Z although its wall clock reads later
    older = queued(
        at=datetime(2026, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=2))), name="Older"
    )
    assert apply_erp_event(queued(at=T0, name="Noon"), mappings, home) == "updated"
    assert apply_erp_event(older, mappings, home) == "stale"
    assert home.get("tenant-a", "products", "home-1").fields["name"] == "Noon"


def test_delete_archives_and_a_late_update_does_not_resurrect(mapped: Any) -> None:
    mappings, home = mapped
    assert (
        apply_erp_event(queued("deleted", at=T0 + timedelta(minutes=1)), mappings, home)
        == "archived"
    )
    assert home.get("tenant-a", "products", "home-1").archived
    assert apply_erp_event(queued("updated", at=T0), mappings, home) == "stale"


def test_unmapped_record_waits_for_the_setup_of_its_type() -> None:
    mappings, home = FakeMappings(), FakeHome()
    outcome = apply_erp_event(
        queued("created", rid="p-9"), mappings, home, setup=FakeSetupProgress()
    )
    assert outcome == "awaiting_setup"
    assert home.records == {}


def test_unmapped_record_is_created_once_its_type_was_set_up() -> None:
    mappings, home = FakeMappings(), FakeHome()
    event = queued("created", rid="p-9", sku="NEW-1")
    setup = FakeSetupProgress({"products"})
    assert apply_erp_event(event, mappings, home, setup=setup) == "created"
    internal = mappings.get("tenant-a", "ekos", "products", "p-9")
    assert internal and home.get("tenant-a", "products", internal).fields["sku"] == "NEW-1"
    # redelivered beyond the dedupe window: still one record
    assert apply_erp_event(event, mappings, home, setup=setup) == "stale"
    assert len(home.records) == 1


def test_delete_of_an_unmapped_record_is_a_no_op() -> None:
    assert apply_erp_event(queued("deleted", rid="p-404"), FakeMappings(), FakeHome()) == "unmapped"


def test_batch_event_points_at_the_mapped_home_product(mapped: Any) -> None:
    mappings, home = mapped
    home.create("tenant-a", "product-batches", {"lot_code": "L1"}, record_id="home-b1")
    mappings.put("tenant-a", "ekos", "product-batches", "b-1", "home-b1", source="setup")
    event = queued(
        rtype="product-batches", rid="b-1", lot_code="L1-final", product_id="p-1", quantity=12
    )
    assert apply_erp_event(event, mappings, home) == "updated"
    fields = home.get("tenant-a", "product-batches", "home-b1").fields
    assert fields["product_id"] == "home-1" and fields["lot_code"] == "L1-final"


def test_events_of_one_tenant_never_touch_another(mapped: Any) -> None:
    mappings, home = mapped
    # Tenant B has the same ERP record id but no mapping: tenant A's record is untouched
    outcome = apply_erp_event(queued(tenant="tenant-b", name="B's"), mappings, home)
    assert outcome == "created"  # no setup gate given: B gets its own record
    assert home.get("tenant-a", "products", "home-1").fields["name"] == "Hazy"
    assert mappings.get("tenant-b", "ekos", "products", "p-1") != "home-1"
