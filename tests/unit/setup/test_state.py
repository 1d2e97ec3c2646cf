"""The per-type state machine: each step once, in order."""

import itertools

import pytest

from syncbridge.domain.setup.models import RESOURCE_ORDER, next_type
from syncbridge.domain.setup.state import InvalidTransition, allowed_sources, check, is_past


def test_the_happy_path_is_a_chain_of_allowed_edges():
    path = ["pending", "importing", "matching", "awaiting_review", "applying", "done"]
    for current, target in itertools.pairwise(path):
        check(current, target)  # does not raise


@pytest.mark.parametrize(
    ("current", "target"),
    [("pending", "matching"), ("awaiting_review", "done"), ("done", "importing"),
     ("applying", "awaiting_review"), ("matching", "importing")],
)  # fmt: skip
def test_skipping_or_going_back_is_refused(current, target):
    with pytest.raises(InvalidTransition) as err:
        check(current, target)
    assert err.value.details == {"current": current, "target": target}
    assert err.value.message == f"cannot go from {current} to {target}"


def test_an_import_may_be_taken_over_but_review_only_entered_from_matching():
    # a failed import is entered again only by a person's retry
    assert allowed_sources("importing") == {"pending", "importing", "failed"}
    assert allowed_sources("failed") == {"importing"}
    assert allowed_sources("awaiting_review") == {"matching"}


def test_is_past_tells_a_stale_redelivery():
    assert is_past("awaiting_review", "matching")
    assert not is_past("matching", "matching")
    assert not is_past("pending", "importing")


def test_types_follow_the_dependency_order():
    assert RESOURCE_ORDER == (
        "customer-locations",
        "storage-locations",
        "products",
        "product-batches",
    )
    assert next_type("products") == "product-batches"
    assert next_type("product-batches") is None
