"""An unmapped record's change goes through the matcher: link, review or create; a batch
whose product is not mapped waits (raises, so SQS retries and finally parks it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.domain.sync.events import DependencyNotMapped, apply_erp_event
from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent
from tests.helpers.exact_key_matcher import ExactKeyMatcher
from tests.unit.sync.fakes import FakeAudit, FakeHome, FakeMappings, FakeReviews, FakeSetupProgress

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TENANT = "tenant-a"


def created(rtype: str, rid: str, **data: Any) -> QueuedErpEvent:
    return QueuedErpEvent(
        tenant_id=TENANT,
        erp="ekos",
        received_at=T0,
        event=ErpChangeEvent(
            event_id=uuid.uuid4(),
            resource_type=rtype,
            action="created",
            resource_id=rid,
            occurred_at=T0,
            data=data,
        ),
    )


@pytest.fixture
def world() -> dict[str, Any]:
    home, mappings = FakeHome(), FakeMappings()
    home.create(TENANT, "products", {"name": "Hazy IPA", "sku": "HZ-1"}, record_id="home-hazy")
    home.create(TENANT, "products", {"name": "Pale Ale", "sku": "PA-9"}, record_id="home-pale")
    return {
        "mappings": mappings,
        "home": home,
        "setup": FakeSetupProgress(done={"products", "product-batches"}),
        "audit": FakeAudit(),
        "matcher": ExactKeyMatcher(),
        "reviews": FakeReviews(),
        "mappers": {"ekos": EkosRecordMapper()},  # the events carry Ekos's fields
    }


def test_created_for_a_record_we_hold_links_instead_of_duplicating(world: Any) -> None:
    event = created("products", "p-1", name="Hazy IPA", sku="HZ-1", style="IPA")
    assert apply_erp_event(event, **world) == "linked"
    assert world["mappings"].get(TENANT, "ekos", "products", "p-1") == "home-hazy"
    assert len(world["home"].iter_all(TENANT, "products")) == 2  # nothing created
    # a retried delivery is stale, and the audit entry says what changed
    assert apply_erp_event(event, **world) == "stale"
    [entry] = world["audit"].entries.values()
    assert entry["action"] == "linked" and entry["before"] == {"name": "Hazy IPA", "sku": "HZ-1"}
    assert entry["after"]["category"] == "IPA"


def test_an_uncertain_candidate_becomes_a_review_item(world: Any) -> None:
    # same name, another SKU: the exact-key matcher says review
    outcome = apply_erp_event(created("products", "p-2", name="Pale Ale", sku="PA-X"), **world)
    assert outcome == "review"
    item = world["reviews"].get(TENANT, "ekos", "products", "p-2")
    assert item.proposed_internal_id == "home-pale" and item.external["sku"] == "PA-X"
    assert world["mappings"].get(TENANT, "ekos", "products", "p-2") is None
    assert len(world["home"].iter_all(TENANT, "products")) == 2
    # the ERP deleting it later leaves nothing to decide
    gone = created("products", "p-2")
    gone.event.action = "deleted"
    assert apply_erp_event(gone, **world) == "unmapped"
    assert world["reviews"].get(TENANT, "ekos", "products", "p-2") is None


def test_a_record_with_no_plausible_twin_at_home_is_created_not_held_for_a_person(
    world: Any,
) -> None:
    # the home platform holds unmapped records, but none shares a key with this one:
    # there is nothing it could duplicate, so nobody has to look at it
    event = created("products", "p-3", name="Stout", sku="ST-3")
    assert apply_erp_event(event, **world) == "created"
    assert world["reviews"].get(TENANT, "ekos", "products", "p-3") is None
    assert len(world["home"].iter_all(TENANT, "products")) == 3
    assert world["mappings"].get(TENANT, "ekos", "products", "p-3") is not None


def test_a_record_is_created_once_when_nothing_at_home_is_unmapped(world: Any) -> None:
    world["mappings"].put(TENANT, "ekos", "products", "p-h", "home-hazy", "setup")
    world["mappings"].put(TENANT, "ekos", "products", "p-p", "home-pale", "setup")
    event = created("products", "p-3", name="Stout", sku="ST-3")
    assert apply_erp_event(event, **world) == "created"
    assert apply_erp_event(event, **world) == "stale"
    assert len(world["home"].iter_all(TENANT, "products")) == 3


def test_a_batch_of_an_unmapped_product_waits(world: Any) -> None:
    batch = created("product-batches", "b-1", lot_code="L1", product_id="p-404")
    with pytest.raises(DependencyNotMapped) as raised:
        apply_erp_event(batch, **world)
    assert raised.value.code == "dependency_not_mapped" and "p-404" in raised.value.message
    # once its product is mapped, the redelivery goes through
    world["mappings"].put(TENANT, "ekos", "products", "p-404", "home-pale", "setup")
    assert apply_erp_event(batch, **world) == "created"


def test_a_delete_that_overtakes_the_create_keeps_the_record_deleted(world: Any) -> None:
    from datetime import timedelta

    create = created("products", "p-8", name="Porter", sku="PO-8")
    delete = created("products", "p-8")
    delete.event.action = "deleted"
    delete.event.occurred_at = T0 + timedelta(minutes=5)
    assert apply_erp_event(delete, **world) == "unmapped"
    assert apply_erp_event(create, **world) == "stale"
    assert world["mappings"].get(TENANT, "ekos", "products", "p-8") is None
    assert len(world["home"].iter_all(TENANT, "products")) == 2


def test_a_batch_of_a_product_deleted_before_it_was_mapped_goes_without_the_link(
    world: Any,
) -> None:
    gone = created("products", "p-x")
    gone.event.action = "deleted"
    assert apply_erp_event(gone, **world) == "unmapped"
    batch = created("product-batches", "b-x", lot_code="LX", product_id="p-x")
    assert apply_erp_event(batch, **world) == "created"  # no unmapped batch at home
    internal = world["mappings"].get(TENANT, "ekos", "product-batches", "b-x")
    assert "product_id" not in world["home"].get(TENANT, "product-batches", internal).fields
