"""Match service: proposals per external record, batches compared through product mappings."""

from syncbridge.domain.setup.models import proposal_scope

from .conftest import CONNECTION, TENANT


def _proposals(world, rtype):
    return world.proposals.items[proposal_scope(TENANT, CONNECTION, rtype, "run-1")]


def test_proposals_group_into_match_review_and_create(world):
    world.run_until_review()
    proposals = _proposals(world, "customer-locations")
    # Deleted Ekos records (tombstones) are not proposed
    assert sorted(proposals) == ["c-1", "c-2", "c-3"]
    assert proposals["c-1"].decision == "match" and proposals["c-1"].proposed_internal_id == "k-1"
    assert (
        proposals["c-2"].decision == "review" and proposals["c-2"].resolution.internal_id == "k-2"
    )
    assert proposals["c-3"].decision == "create" and proposals["c-3"].resolution.action == "create"
    # Side by side: both sides carry the same home-shaped field names
    assert proposals["c-1"].external["address"] == "1 Main St"
    assert proposals["c-1"].internal["address"] == "1 Main Street"
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert progress.status == "awaiting_review"
    assert progress.counts == {"match": 1, "review": 1, "create": 1}


def test_a_redelivered_match_message_changes_nothing(world):
    world.run_until_review()
    before = dict(_proposals(world, "customer-locations"))
    assert world.matcher_service.handle(world.match_queue.sent[-1]) == "not_matching"
    assert _proposals(world, "customer-locations") == before
    assert len(world.matcher.calls) == 1


def test_home_records_already_mapped_are_not_offered_again(world):
    world.mappings.put(TENANT, "ekos", "customer-locations", "old-ext", "k-9", "sync")
    world.run_until_review()
    internal_ids = {r["id"] for r in world.matcher.calls[0][0]}
    assert internal_ids == {"k-1", "k-2"}


def test_batches_are_compared_with_their_mapped_home_product(world):
    # Given products p-1 -> kp-1 already mapped by the products step
    world.mappings.put(TENANT, "ekos", "products", "p-1", "kp-1", "setup")
    setup_types = ("customer-locations", "storage-locations", "products")
    world.importer.handle(world.import_message())
    for rtype in setup_types:
        world.setups.setups[(TENANT, CONNECTION)].types[rtype].status = "done"
    # When the batches are imported and matched
    world.run_until_review("product-batches")
    _internal, external, profile = world.matcher.calls[-1]
    # Then the matcher sees the home product id, and pb-1 matches kb-1
    assert profile == "batch"
    by_id = {e["id"]: e for e in external}
    assert by_id["pb-1"]["product_id"] == "kp-1"
    assert by_id["pb-1"]["name"] == "Hazy IPA Half Barrel"
    assert by_id["pb-2"]["product_id"] is None
    proposals = _proposals(world, "product-batches")
    assert proposals["pb-1"].decision == "match"
    assert proposals["pb-1"].external["erp_product_id"] == "p-1"


class _TooLarge:
    def match(self, internal, external, profile):
        from syncbridge.domain.setup.errors import MatchTooLarge

        raise MatchTooLarge("needs at least 4000 MB of memory", needed_mb=4000)


def test_a_match_too_large_for_the_matcher_says_why_and_is_not_retried(world):
    world.matcher.inner = _TooLarge()
    world.importer.handle(world.import_message())
    outcome = world.matcher_service.handle(world.match_queue.sent[-1])
    assert outcome == "too_large"
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert progress.status == "matching"
    assert "needs at least 4000 MB" in progress.error
    assert proposal_scope(TENANT, CONNECTION, "customer-locations", "run-1") not in (
        world.proposals.items
    )
