"""The setup page's bar counts records, not steps: records pulled of those expected while
importing, records scored while matching, records written while applying."""

from __future__ import annotations

from syncbridge.domain.setup import review as review_module
from syncbridge.domain.setup.applier import ApplyService
from syncbridge.domain.setup.matching import MatchService
from syncbridge.domain.setup.models import TypeProgress
from syncbridge.domain.setup.progress import ExpectedCounts, ProgressReporter, measured
from tests.helpers.exact_key_matcher import ExactKeyMatcher

from .conftest import EKOS_MAPPERS, TENANT, World
from .fakes import FakeSetups

CL = "customer-locations"


class CountingSetups(FakeSetups):
    """Remembers every progress write (a transition of a type to the status it is in)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, dict]] = []

    def transition(self, tenant_id, connection_id, resource_type, target, **fields):
        current = self._progress(tenant_id, connection_id, resource_type).status
        if current == target:
            self.writes.append((target, dict(fields)))
        return super().transition(tenant_id, connection_id, resource_type, target, **fields)


def test_import_percentage_is_records_pulled_of_the_home_records_and_stays_below_100():
    importing = TypeProgress(resource_type=CL, status="importing", records=150)
    assert measured(importing, expected=300) == {
        "phase": "import", "done": 150, "total": 300, "percent": 50, "estimated": True,
    }  # fmt: skip
    more_than_expected = TypeProgress(resource_type=CL, status="importing", records=310)
    assert measured(more_than_expected, expected=300)["percent"] == 99
    unknown = measured(importing, expected=0)
    assert (unknown["total"], unknown["percent"]) == (None, None)


def test_match_and_apply_percentages_come_from_their_record_counts():
    matching = TypeProgress(resource_type=CL, status="matching", match_total=200, matched=50)
    assert measured(matching)["percent"] == 25 and measured(matching)["phase"] == "match"
    applying = TypeProgress(resource_type=CL, status="applying", apply_total=3, applied_records=2)
    assert measured(applying)["percent"] == 67 and measured(applying)["done"] == 2
    not_counted_yet = TypeProgress(resource_type=CL, status="matching")
    assert measured(not_counted_yet)["percent"] is None


def test_reporter_writes_at_most_once_per_interval_and_always_the_last_count():
    written: list[int] = []
    now = [0.0]
    report = ProgressReporter(written.append, total=10, interval=1.0, clock=lambda: now[0])
    for done in range(1, 10):
        report(done)  # all within the same second: only the first is written
    assert written == [1]
    now[0] = 1.5
    report(9)
    report(10)  # the last count is written whatever the clock says
    assert written == [1, 9, 10]


def test_the_matcher_counts_scored_records_into_the_setup(world: World):
    setups = CountingSetups()
    world.setups = setups
    world.importer.handle(world.import_message(CL))
    service = MatchService(
        setups,
        world.staging,
        world.proposals,
        world.home,
        world.mappings,
        ExactKeyMatcher(),
        mappers=EKOS_MAPPERS,
    )
    service.handle(world.match_queue.sent[-1])  # type: ignore[arg-type]
    matching = [fields for status, fields in setups.writes if status == "matching"]
    assert matching[0] == {"match_total": 3, "matched": 0}  # 4 imported, 1 deleted
    assert {"matched": 1} in matching  # the first scored record is written straight away
    progress = setups.latest(TENANT).progress(CL)
    assert (progress.status, progress.matched, progress.match_total) == ("awaiting_review", 3, 3)


def test_the_applier_counts_written_records_chunk_by_chunk(world: World):
    setups = CountingSetups()
    world.setups = setups
    world.run_until_review(CL)
    world.review.accept_confident(TENANT, CL)
    for decision in ("match", "review"):
        for p in world.review.list_proposals(TENANT, CL, decision, limit=50).items:
            if p.needs_confirmation:
                world.review.edit(TENANT, CL, p.external_id, p.resolution, p.version)
    world.review.submit(TENANT, CL)
    applier = ApplyService(
        setups, world.proposals, world.home, world.mappings, world.audit, world.import_queue,
        now=lambda: "2026-11-23T00:00:00Z", chunk_size=2,
    )  # fmt: skip
    assert applier.handle(world.apply_queue.sent[-1]) == "applied"  # type: ignore[arg-type]
    applying = [fields for status, fields in setups.writes if status == "applying"]
    assert applying[0] == {"apply_total": 3, "applied_records": 0}
    assert applying[-1] == {"applied_records": 3}  # the last chunk's count, always written
    progress = setups.latest(TENANT).progress(CL)
    assert progress.status == "done" and progress.applied_records == 3
    assert progress.applied == {"linked": 2, "created": 1, "conflicts": 0}


def test_state_shows_the_import_estimate_from_the_organisations_own_records(world: World):
    review_module.EXPECTED._kept.clear()  # counts another test's world left behind
    world.importer.handle(world.import_message(CL))
    state = world.review.state(TENANT)
    first = state["types"][0]
    assert first["status"] == "matching" and first["progress"]["phase"] == "match"
    # an import still pulling: 4 records of the 3 home records expected -> at most 99 %
    world.setups.setups[(TENANT, "conn-1")].types[CL].status = "importing"
    pulling = world.review.state(TENANT)["types"][0]["progress"]
    assert pulling == {
        "phase": "import", "done": 4, "total": 3, "percent": 99, "estimated": True,
    }  # fmt: skip


def test_expected_counts_are_counted_once_per_ttl_per_tenant_and_kind():
    now = [0.0]
    counted: list[str] = []
    cache = ExpectedCounts(ttl=30, clock=lambda: now[0])

    def count(kind: str, n: int):
        return lambda: counted.append(kind) or n

    assert cache.get("t", "products", count("products", 5)) == 5
    assert cache.get("t", "products", count("products", 6)) == 5  # kept
    assert cache.get("t", "product-batches", count("product-batches", 7)) == 7
    now[0] = 31
    assert cache.get("t", "products", count("products", 6)) == 6  # counted again
    assert counted == ["products", "product-batches", "products"]
