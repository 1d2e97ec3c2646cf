"""Every review decision becomes labelled pairs, kept per tenant, and the next matcher run
gets them (and the weights the last run of the profile learned)."""

from __future__ import annotations

from syncbridge.domain.setup.learning import labels_from_edit
from syncbridge.domain.setup.matching import MatchService
from syncbridge.domain.setup.models import Proposal, Resolution, ReviewLabel
from syncbridge.domain.setup.review import ReviewService

from .conftest import EKOS_MAPPERS, OTHER_TENANT, TENANT

CL = "customer-locations"


class FakeLabels:
    def __init__(self) -> None:
        self.by_type: dict[tuple[str, str], dict[tuple[str, str], ReviewLabel]] = {}
        self.params: dict[tuple[str, str], dict[str, list[float]]] = {}

    def add(self, tenant_id, resource_type, labels) -> None:
        bucket = self.by_type.setdefault((tenant_id, resource_type), {})
        for label in labels:
            bucket[(label.external_id, label.internal_id)] = label

    def labels(self, tenant_id, resource_type):
        return list(self.by_type.get((tenant_id, resource_type), {}).values())

    def parameters(self, tenant_id, profile):
        return self.params.get((tenant_id, profile))

    def save_parameters(self, tenant_id, profile, parameters) -> None:
        self.params[(tenant_id, profile)] = parameters


class LearningMatcher:
    """Wraps a matcher: remembers the guidance it got and reports learned weights."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.guidance = []

    def match(self, internal, external, profile, guidance=None):
        self.guidance.append(guidance)
        if guidance is not None:
            guidance.learned = {"name": [0.9, 0.1]}
        return self.inner.match(internal, external, profile)


def _proposal(proposed: str | None, linked: str | None = None) -> Proposal:
    target = linked or proposed
    return Proposal(
        external_id="e-1",
        decision="review" if proposed else "create",
        proposed_internal_id=proposed,
        resolution=Resolution(action="link", internal_id=target)
        if target
        else Resolution(action="create"),
    )


def test_accept_is_a_match() -> None:
    got = labels_from_edit(_proposal("k-1"), Resolution(action="link", internal_id="k-1"))
    assert got == [ReviewLabel(external_id="e-1", internal_id="k-1", match=True)]


def test_pick_another_rejects_the_proposal_and_confirms_the_choice() -> None:
    got = labels_from_edit(_proposal("k-1"), Resolution(action="link", internal_id="k-2"))
    assert {(x.internal_id, x.match) for x in got} == {("k-1", False), ("k-2", True)}


def test_create_rejects_the_proposal_and_a_change_of_mind() -> None:
    got = labels_from_edit(_proposal("k-1", linked="k-2"), Resolution(action="create"))
    assert {(x.internal_id, x.match) for x in got} == {("k-1", False), ("k-2", False)}
    assert labels_from_edit(_proposal(None), Resolution(action="create")) == []


def _review(world, labels: FakeLabels) -> ReviewService:
    return ReviewService(world.setups, world.proposals, world.home, world.mappings,
                         world.apply_queue, labels=labels)  # fmt: skip


def test_review_decisions_are_stored_for_the_tenant_only(world) -> None:
    world.run_until_review()
    labels = FakeLabels()
    review = _review(world, labels)
    p = review.list_proposals(TENANT, CL, "review").items[0]
    review.edit(TENANT, CL, p.external_id, Resolution(action="link", internal_id="k-9"), p.version)
    stored = {(x.external_id, x.internal_id, x.match) for x in labels.labels(TENANT, CL)}
    assert (p.external_id, "k-9", True) in stored
    assert (p.external_id, p.proposed_internal_id, False) in stored
    assert labels.labels(OTHER_TENANT, CL) == []
    assert labels.labels(TENANT, "storage-locations") == []


def test_the_next_match_run_gets_the_answers_and_keeps_what_it_learned(world) -> None:
    labels = FakeLabels()
    labels.add(TENANT, CL, [ReviewLabel(external_id="c-2", internal_id="k-2", match=False)])
    labels.save_parameters(TENANT, "location", {"name": [0.5, 0.5]})
    matcher = LearningMatcher(world.matcher)
    service = MatchService(world.setups, world.staging, world.proposals, world.home,
                           world.mappings, matcher, labels=labels,
                           mappers=EKOS_MAPPERS)  # fmt: skip
    world.importer.handle(world.import_message(CL))
    assert service.handle(world.match_queue.sent[-1]) == "matched"
    guidance = next(g for g in matcher.guidance if g is not None)
    assert [(x.external_id, x.match) for x in guidance.labels] == [("c-2", False)]
    assert guidance.parameters == {"name": [0.5, 0.5]}
    assert labels.parameters(TENANT, "location") == {"name": [0.9, 0.1]}


def test_the_engine_learns_from_guidance_and_reports_its_weights() -> None:
    from syncbridge.domain.setup.matchers import EngineMatcher
    from syncbridge.domain.setup.models import MatchGuidance
    from syncbridge.matching import MatchOptions, match_records

    internal = [{"id": f"k-{n}", "name": f"Taproom {w}", "postal_code": f"9720{n}"}
                for n, w in enumerate(("Alder", "Birch", "Cedar", "Dogwood"))]  # fmt: skip
    external = [{"id": f"e-{n}", "name": r["name"], "postal_code": r["postal_code"]}
                for n, r in enumerate(internal)]  # fmt: skip
    guidance = MatchGuidance(
        labels=[ReviewLabel(external_id="e-0", internal_id="k-0", match=False)]
    )
    outcomes = EngineMatcher(match_records, MatchOptions).match(
        internal, external, "location", guidance
    )
    by_id = {o.external_id: o for o in outcomes}
    assert by_id["e-0"].internal_id != "k-0"  # the person said no
    assert by_id["e-1"].internal_id == "k-1"
    assert guidance.learned and set(guidance.learned) >= {"name", "place"}
    assert all(abs(sum(v) - 1.0) < 1e-3 for v in guidance.learned.values())
