"""What the review page shows as a person decides: live counts, undo, names not ids, and
the organisation's own records loaded before the first import."""

import pytest

from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup.errors import NotInReview, ProposalChanged, SetupNotFound
from syncbridge.domain.setup.home_import import import_home_records, parse_rows
from syncbridge.domain.setup.models import Resolution

from .conftest import OTHER_TENANT, TENANT

CL = "customer-locations"


@pytest.fixture
def in_review(world):
    world.run_until_review()
    return world


def test_summary_counts_decisions_per_group_and_what_the_import_left_out(in_review):
    review = in_review.review
    before = review.summary(TENANT, CL)
    assert before["groups"] == {
        "match": {"total": 1, "decided": 0},
        "review": {"total": 1, "decided": 0},
        "create": {"total": 1, "decided": 1},  # a create needs no yes
    }
    assert (before["proposals"], before["decided"]) == (3, 1)
    assert before["imported"] == 4 and before["left_out"] == 1  # the deleted record
    review.accept_confident(TENANT, CL)
    after = review.summary(TENANT, CL)
    assert after["groups"]["match"]["decided"] == 1 and after["decided"] == 2


def test_restore_undoes_create_new_back_to_the_matchers_proposal(in_review):
    review = in_review.review
    proposal = review.list_proposals(TENANT, CL, "review").items[0]
    created = review.edit(
        TENANT, CL, proposal.external_id, Resolution(action="create"), proposal.version
    )
    assert created.resolution.action == "create"
    restored = review.restore(TENANT, CL, proposal.external_id, created.version)
    assert restored.resolution.action == "link"
    assert restored.resolution.internal_id == proposal.proposed_internal_id
    assert restored.confirmed is False
    assert restored.internal["id"] == proposal.proposed_internal_id
    assert review.summary(TENANT, CL)["groups"]["review"]["decided"] == 0


def test_restore_undoes_a_picked_record_and_is_version_checked(in_review):
    review = in_review.review
    proposal = review.list_proposals(TENANT, CL, "review").items[0]
    picked = review.edit(
        TENANT, CL, proposal.external_id, Resolution(action="link", internal_id="k-9"),
        proposal.version,
    )  # fmt: skip
    with pytest.raises(ProposalChanged):
        review.restore(TENANT, CL, proposal.external_id, proposal.version)
    restored = review.restore(TENANT, CL, proposal.external_id, picked.version)
    assert restored.internal["name"] != "Home Only Tavern"
    assert restored.resolution.internal_id == proposal.proposed_internal_id


def test_restore_of_a_record_without_proposal_stays_create(in_review):
    review = in_review.review
    proposal = review.list_proposals(TENANT, CL, "create").items[0]
    linked = review.edit(
        TENANT, CL, proposal.external_id, Resolution(action="link", internal_id="k-9"),
        proposal.version,
    )  # fmt: skip
    restored = review.restore(TENANT, CL, proposal.external_id, linked.version)
    assert restored.resolution.action == "create" and restored.internal is None


def test_restore_only_while_in_review_and_only_for_the_callers_tenant(in_review):
    with pytest.raises(NotInReview):
        in_review.review.restore(TENANT, "products", "p-1", 1)
    with pytest.raises(SetupNotFound):
        in_review.review.restore(OTHER_TENANT, CL, "c-2", 1)


def test_batches_name_their_product(world):
    for rtype in (CL, "storage-locations", "products"):
        world.run_until_review(rtype)
        world.confirm_all_and_submit(rtype)
    world.run_until_review("product-batches")
    items = [
        p
        for decision in ("match", "review", "create")
        for p in world.review.list_proposals(TENANT, "product-batches", decision).items
    ]
    named = [p for p in items if p.external.get("product_id")]
    assert named, items
    for p in named:
        product = world.home.get(TENANT, "products", p.external["product_id"])
        assert p.external["product_name"] == product.fields["name"]


def test_home_records_from_csv_and_jsonl():
    csv_rows = parse_rows("id,name,lat,website\nh1, Blue Door ,39.7,bluedoor.example\n", "csv", CL)
    assert csv_rows == {"h1": {"name": "Blue Door", "lat": 39.7, "website": "bluedoor.example"}}
    jsonl = '{"id": "p1", "name": "Hazy", "active": "yes"}\n\n{"id": "p2", "name": "Pils"}\n'
    assert parse_rows(jsonl, "jsonl", "products") == {
        "p1": {"name": "Hazy", "active": True},
        "p2": {"name": "Pils"},
    }


@pytest.mark.parametrize(
    ("text", "fmt", "needle"),
    [
        ("id,name,lat\nh1,X,north\n", "csv", "line 2: lat must be a number"),
        ("id,name\n,X\n", "csv", "line 2: every record needs an id"),
        ("id,name\nh1,X\nh1,Y\n", "csv", "line 3: id h1 appears twice"),
        ("id,Bad Column\nh1,X\n", "csv", "lower_snake_case"),
        ("", "csv", "empty"),
        ('{"id": "a"}\nnot json\n', "jsonl", "line 2: not valid JSON"),
        ('["a"]\n', "jsonl", "line 1: a record must be an object"),
        ("\n\n", "jsonl", "no records"),
    ],
)
def test_home_records_refused_with_the_line(text, fmt, needle):
    with pytest.raises(InvalidInput) as refused:
        parse_rows(text, fmt, CL)
    assert needle in refused.value.message


def test_loading_home_records_twice_creates_them_once(world):
    text = "id,name\nnew-1,Brand New Pub\nk-1,Rusty Anchor\n"
    first = import_home_records(world.home, TENANT, CL, text, "csv")
    assert (first.received, first.created, first.already_there) == (2, 1, 1)
    again = import_home_records(world.home, TENANT, CL, text, "csv")
    assert (again.created, again.already_there) == (0, 2)
    assert world.home.get(TENANT, CL, "new-1").fields["name"] == "Brand New Pub"
    assert world.home.get(OTHER_TENANT, CL, "new-1") is None
