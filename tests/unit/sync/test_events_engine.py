"""The engine's own decision places an unmapped record (no policy layered on top of it):
a confident match links, its review band asks a person, its `create` creates."""

from __future__ import annotations

from typing import Any

import pytest

from syncbridge.domain.sync.events import apply_erp_event
from tests.unit.sync.fakes import FakeAudit, FakeHome, FakeMappings, FakeReviews, FakeSetupProgress
from tests.unit.sync.test_events_matching import TENANT, created

pytest.importorskip("numpy", reason="the matching engine needs numpy (requirements-dev.txt)")

HARBOR = {
    "name": "Harbor Taproom",
    "address": "12 Quay Street",
    "city": "Portland",
    "postal_code": "97201",
    "phone": "+1 503 555 0101",
}


@pytest.fixture
def world() -> dict[str, Any]:
    from syncbridge.roots.keg import matcher

    home = FakeHome()
    home.create(TENANT, "customer-locations", HARBOR, record_id="home-harbor")
    return {
        "mappings": FakeMappings(),
        "home": home,
        "setup": FakeSetupProgress(done={"customer-locations"}),
        "audit": FakeAudit(),
        "matcher": matcher(),
        "reviews": FakeReviews(),
    }


def test_a_record_the_engine_scores_as_new_is_created_though_it_shares_a_key(
    world: Any,
) -> None:
    # same postal code as an unmapped home record (a candidate), nothing else alike:
    # the engine says create (score ~0) and that is what happens, no person involved
    event = created(
        "customer-locations",
        "c-new",
        name="Summit Brewing Warehouse",
        address="900 Industrial Way",
        city="Portland",
        postal_code="97201",
        phone="+1 503 555 0199",
    )
    assert world["home"].candidates(TENANT, "customer-locations", {"postal_code": "97201"})
    assert apply_erp_event(event, **world) == "created"
    assert world["reviews"].get(TENANT, "ekos", "customer-locations", "c-new") is None
    assert len(world["home"].iter_all(TENANT, "customer-locations")) == 2


def test_a_renamed_record_the_home_platform_holds_is_linked_not_created_again(
    world: Any,
) -> None:
    # one candidate (same postal code and phone) among other home records: the engine
    # scores the pair against the others and links it
    for n in range(6):
        world["home"].create(
            TENANT,
            "customer-locations",
            {"name": f"Taproom {n}", "city": "Salem", "postal_code": f"9730{n}",
             "address": f"{n} Main Street", "phone": f"+1 503 555 02{n:02d}"},
            record_id=f"home-{n}",
        )  # fmt: skip
        world["mappings"].put(TENANT, "ekos", "customer-locations", f"c-{n}", f"home-{n}", "s")
    event = created("customer-locations", "c-harbor", **{**HARBOR, "name": "Harbor Taproom #42"})
    assert apply_erp_event(event, **world) == "linked"
    assert world["mappings"].get(TENANT, "ekos", "customer-locations", "c-harbor") == (
        "home-harbor"
    )
    assert len(world["home"].iter_all(TENANT, "customer-locations")) == 7  # none created
