"""Review service: search, correct, bulk accept, submit; always within the caller's tenant."""

import pytest

from syncbridge.domain.errors import Conflict, InvalidInput
from syncbridge.domain.setup.errors import (
    DuplicateLinks,
    NotInReview,
    ProposalChanged,
    SetupNotFound,
    UnconfirmedProposals,
)
from syncbridge.domain.setup.models import ApplyMessage, Resolution

from .conftest import CONNECTION, OTHER_TENANT, TENANT

CL = "customer-locations"


@pytest.fixture
def in_review(world):
    world.run_until_review()
    return world


def test_state_lists_every_type_in_order_with_counts(in_review):
    state = in_review.review.state(TENANT)
    assert state["current_type"] == CL
    assert [t["resource_type"] for t in state["types"]][:2] == [CL, "storage-locations"]
    first = state["types"][0]
    assert (first["status"], first["records"], first["counts"]) == (
        "awaiting_review", 4, {"match": 1, "review": 1, "create": 1})  # fmt: skip


def test_proposals_are_listed_per_group_with_search_and_cursor(in_review):
    page = in_review.review.list_proposals(TENANT, CL, "review")
    assert [p.external_id for p in page.items] == ["c-2"]
    assert in_review.review.list_proposals(TENANT, CL, "match", query="nothing-like-it").items == []
    with pytest.raises(InvalidInput):
        in_review.review.list_proposals(TENANT, CL, "maybe")


def test_candidates_exclude_records_already_mapped(in_review):
    in_review.mappings.put(TENANT, "ekos", CL, "elsewhere", "k-9", "sync")
    assert [c["id"] for c in in_review.review.candidates(TENANT, CL, "tavern")] == []
    assert [c["id"] for c in in_review.review.candidates(TENANT, CL, "golden")] == ["k-2"]


def test_a_person_links_to_another_record_or_chooses_create(in_review):
    review = in_review.review
    p = review.list_proposals(TENANT, CL, "review").items[0]
    edited = review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="k-9"), p.version)
    assert edited.resolution.internal_id == "k-9" and edited.confirmed
    assert edited.internal["name"] == "Home Only Tavern"
    created = review.edit(TENANT, CL, "c-2", Resolution(action="create"), edited.version)
    assert created.resolution.action == "create" and created.version == p.version + 2


def test_an_edit_on_a_stale_version_is_refused(in_review):
    review = in_review.review
    review.edit(TENANT, CL, "c-2", Resolution(action="create"), 1)
    with pytest.raises(ProposalChanged):
        review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="k-2"), 1)


def test_links_only_to_existing_unmapped_records(in_review):
    review = in_review.review
    with pytest.raises(InvalidInput):
        review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="nope"), 1)
    in_review.mappings.put(TENANT, "ekos", CL, "elsewhere", "k-9", "sync")
    with pytest.raises(Conflict):
        review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="k-9"), 1)


def test_bulk_accept_confirms_only_confident_matches(in_review):
    assert in_review.review.accept_confident(TENANT, CL, threshold=0.9) == 1
    assert in_review.review.accept_confident(TENANT, CL, threshold=0.9) == 0
    review_item = in_review.review.list_proposals(TENANT, CL, "review").items[0]
    assert not review_item.confirmed


def test_submit_needs_every_proposed_link_confirmed(in_review):
    review = in_review.review
    review.accept_confident(TENANT, CL)
    with pytest.raises(UnconfirmedProposals) as err:
        review.submit(TENANT, CL)
    assert err.value.details == {"count": 1}
    assert in_review.apply_queue.sent == []


def test_submit_refuses_two_erp_records_on_one_home_record(in_review):
    review = in_review.review
    review.accept_confident(TENANT, CL)
    review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="k-1"), 1)
    with pytest.raises(DuplicateLinks) as err:
        review.submit(TENANT, CL)
    assert err.value.details["internal_ids"] == ["k-1"]


def test_submit_hands_the_type_to_the_applier_once(in_review):
    review = in_review.review
    review.accept_confident(TENANT, CL)
    review.edit(TENANT, CL, "c-2", Resolution(action="link", internal_id="k-2"), 1)
    assert review.submit(TENANT, CL) == {"status": "applying", "resource_type": CL}
    assert in_review.apply_queue.sent == [
        ApplyMessage(tenant_id=TENANT, connection_id=CONNECTION, erp="ekos", resource_type=CL,
                     run_id="run-1")
    ]  # fmt: skip
    # a retried submit re-sends (the applier is idempotent); edits are now refused
    review.submit(TENANT, CL)
    assert len(in_review.apply_queue.sent) == 2
    with pytest.raises(NotInReview):
        review.edit(TENANT, CL, "c-3", Resolution(action="create"), 1)


def test_another_tenant_sees_and_changes_nothing(in_review):
    review = in_review.review
    assert review.state(OTHER_TENANT)["status"] == "not_started"
    with pytest.raises(SetupNotFound):
        review.list_proposals(OTHER_TENANT, CL, "match")
    with pytest.raises(SetupNotFound):
        review.edit(OTHER_TENANT, CL, "c-2", Resolution(action="create"), 1)
    with pytest.raises(SetupNotFound):
        review.submit(OTHER_TENANT, CL)
    with pytest.raises(SetupNotFound):
        review.candidates(OTHER_TENANT, CL, "golden")
    assert in_review.apply_queue.sent == []
