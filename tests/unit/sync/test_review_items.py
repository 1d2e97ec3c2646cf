"""A person decides a change event the matcher could not: link (to the proposal or a record
they pick) or create; the mapping, the record's version and the audit entry follow, and
every refusal says which field or which conflict."""

from __future__ import annotations

import pytest

from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup.applier import home_id_for
from syncbridge.domain.setup.models import Proposal, Resolution
from syncbridge.domain.sync.review import (
    AlreadyMapped,
    ReviewItemNotFound,
    list_review_items,
    resolve_review_item,
)
from tests.unit.sync.fakes import FakeAudit, FakeHome, FakeMappings, FakeReviews

TENANT, ERP, CL = "tenant-a", "ekos", "customer-locations"


class World:
    def __init__(self) -> None:
        self.reviews, self.mappings = FakeReviews(), FakeMappings()
        self.home, self.audit = FakeHome(), FakeAudit()
        self.home.create(TENANT, CL, {"name": "Old Name"}, record_id="k-1")
        self.home.create(TENANT, CL, {"name": "Other"}, record_id="k-2")
        self.reviews.put(TENANT, ERP, CL, Proposal(
            external_id="c-9", decision="review", proposed_internal_id="k-1",
            resolution=Resolution(action="link", internal_id="k-1"),
            external={"id": "c-9", "name": "Blue Door Pub", "postal_code": "97203"},
            explanation={"occurred_at": "2026-12-07T10:00:00.000000Z", "event_id": "ev-9"},
        ))  # fmt: skip

    def decide(self, action: str, internal_id: str | None = None, external_id: str = "c-9"):
        return resolve_review_item(
            TENANT, ERP, CL, external_id, Resolution(action=action, internal_id=internal_id),
            "alice", self.reviews, self.mappings, self.home, self.audit,
        )  # fmt: skip


@pytest.fixture
def world() -> World:
    return World()


def test_linking_to_the_proposal_maps_updates_advances_the_version_and_audits(world):
    assert world.decide("link") == {"external_id": "c-9", "internal_id": "k-1", "action": "linked"}
    assert world.mappings.get(TENANT, ERP, CL, "c-9") == "k-1"
    assert world.home.get(TENANT, CL, "k-1").fields["name"] == "Blue Door Pub"
    assert world.mappings.source_version(TENANT, ERP, CL, "c-9") == "2026-12-07T10:00:00.000000Z"
    assert world.reviews.get(TENANT, ERP, CL, "c-9") is None
    assert world.audit.entries["REVIEW#ekos#customer-locations#c-9"] == {
        "tenant_id": TENANT, "entry_id": "REVIEW#ekos#customer-locations#c-9", "actor": "alice",
        "source": "review", "action": "linked", "erp": ERP, "resource_type": CL,
        "external_id": "c-9", "internal_id": "k-1", "before": {"name": "Old Name"},
        "after": {"name": "Blue Door Pub", "postal_code": "97203"},
    }  # fmt: skip


def test_a_person_may_link_to_another_record_than_the_proposal(world):
    assert world.decide("link", "k-2")["internal_id"] == "k-2"
    assert world.mappings.get(TENANT, ERP, CL, "c-9") == "k-2"


def test_creating_makes_the_record_under_its_stable_id_and_audits_without_before(world):
    new_id = home_id_for(TENANT, ERP, CL, "c-9")
    assert world.decide("create") == {
        "external_id": "c-9",
        "internal_id": new_id,
        "action": "created",
    }
    assert world.home.get(TENANT, CL, new_id).fields == {
        "name": "Blue Door Pub",
        "postal_code": "97203",
    }
    entry = world.audit.entries["REVIEW#ekos#customer-locations#c-9"]
    assert (entry["action"], entry["before"], entry["internal_id"]) == ("created", None, new_id)


def test_an_item_without_an_event_time_leaves_the_version_alone(world):
    world.reviews.items[(TENANT, ERP, CL, "c-9")].explanation.clear()
    world.decide("create")
    assert world.mappings.source_version(TENANT, ERP, CL, "c-9") is None


def test_refusals_name_the_item_the_field_or_the_conflict(world):
    with pytest.raises(ReviewItemNotFound) as missing:
        world.decide("link", external_id="c-0")
    assert missing.value.details == {"external_id": "c-0"}
    world.reviews.items[(TENANT, ERP, CL, "c-9")].proposed_internal_id = None
    with pytest.raises(InvalidInput) as no_target:
        world.decide("link")
    assert no_target.value.details == {"field": "internal_id"}
    with pytest.raises(InvalidInput, match="no customer-locations record k-404"):
        world.decide("link", "k-404")
    world.home.archive(TENANT, CL, "k-2")
    with pytest.raises(InvalidInput, match="record k-2"):
        world.decide("link", "k-2")
    world.mappings.put(TENANT, ERP, CL, "c-1", "k-1", "setup")
    with pytest.raises(AlreadyMapped, match="already mapped to another"):
        world.decide("link", "k-1")
    # nothing was decided: the item waits, no audit entry
    assert world.reviews.get(TENANT, ERP, CL, "c-9") is not None and world.audit.entries == {}


def test_an_erp_record_mapped_meanwhile_is_a_conflict_for_link_and_create(world):
    world.mappings.put(TENANT, ERP, CL, "c-9", "k-7", "event")
    with pytest.raises(AlreadyMapped, match="mapped meanwhile"):
        world.decide("link", "k-2")
    with pytest.raises(AlreadyMapped, match="mapped meanwhile"):
        world.decide("create")
    assert world.reviews.get(TENANT, ERP, CL, "c-9") is not None


def test_listing_asks_the_store_for_the_tenants_page():
    class Reviews:
        def list(self, *args):
            self.args = args
            return "page"

    reviews = Reviews()
    assert list_review_items(reviews, TENANT, ERP, CL, "cur", 25) == "page"
    assert reviews.args == (TENANT, ERP, CL, "cur", 25)
