"""Pull and reconcile details the journey tests leave implicit: changes queued in their
record's group instead of written, the one-go report adding up its chunks, chunk sizes
and continuations, and the drift entries the audit trail keeps."""

from __future__ import annotations

from typing import Any

import pytest

from syncbridge.domain.sync.intake import deduplication_id, group_id
from syncbridge.domain.sync.pull import parse_sync_command, run_sync_command
from tests.unit.sync.fakes import (
    FakeAudit,
    FakeCursorStore,
    FakeFifoQueue,
    FakeHome,
    FakeMappings,
    FakeQueue,
    FakeSetupProgress,
)
from tests.unit.sync.test_pull import FakeSource, command, product

TENANT = "tenant-a"
DONE = FakeSetupProgress({"products"})


@pytest.fixture
def world() -> tuple[FakeMappings, FakeHome]:
    mappings, home = FakeMappings(), FakeHome()
    for pid in ("p-1", "p-2", "p-3"):
        home.create(TENANT, "products", {"name": pid}, record_id=f"home-{pid}")
        mappings.put(TENANT, "ekos", "products", pid, f"home-{pid}", source="setup")
    return mappings, home


def _three_changes() -> FakeSource:
    return FakeSource(
        [
            product("p-1", "Renamed", "2026-03-01T10:00:00Z"),
            product("p-2", "Gone", "2026-03-01T11:00:00Z", deleted=True),
            product("p-9", "Brand new", "2026-03-01T09:00:00Z"),
        ]
    )


def test_with_an_events_queue_every_page_is_queued_in_its_records_group(world: Any) -> None:
    mappings, home = world
    events = FakeFifoQueue()
    writes = home.writes
    report = run_sync_command(command(), _three_changes(), mappings, home, DONE, events=events)
    # two pages, run in one go: the second page is queued too, the home platform untouched
    assert report.read == 3 and home.writes == writes
    assert report.outcomes == {"queued_updated": 2, "queued_deleted": 1}
    assert len(events.messages) == 3
    for group, dedupe, message in events.messages:
        event = message.event
        assert message.source == "pull" and message.tenant_id == TENANT and message.erp == "ekos"
        assert group == group_id(TENANT, "ekos", "products", event.resource_id)
        assert dedupe == deduplication_id(TENANT, "ekos", str(event.event_id))
    assert len({g for g, _, _ in events.messages}) == 3
    # the same window pulled again makes the same messages: the queue drops them
    run_sync_command(command(), _three_changes(), mappings, home, DONE, events=events)
    assert len(events.messages) == 3


def test_a_queued_reconcile_reports_what_it_queued_for_archiving(world: Any) -> None:
    mappings, home = world
    events = FakeFifoQueue()
    source = FakeSource([product("p-1", "Still here", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command("reconcile", since=None), source, mappings, home, DONE,
                              events=events)  # fmt: skip
    assert report.outcomes == {"queued_updated": 1, "queued_deleted": 2}
    assert report.drift == {"missing_in_erp": 2}
    assert {m.source for _, _, m in events.messages} == {"reconcile"}


def test_a_one_go_run_adds_up_every_chunk(world: Any) -> None:
    mappings, home = world
    cursors = FakeCursorStore()
    report = run_sync_command(command(), _three_changes(), mappings, home, DONE, cursors)
    assert report.read == 3
    assert report.outcomes == {"updated": 1, "archived": 1, "created": 1}
    assert report.cursor == "2026-03-01T11:00:00Z"  # the newest, though the last page is older
    assert not report.continued


def test_a_one_go_reconcile_adds_up_the_drift_of_both_phases(world: Any) -> None:
    mappings, home = world
    audit = FakeAudit()
    mappings.advance_version(TENANT, "ekos", "products", "p-1", "2026-03-01T10:00:00.000000Z",
                             "setup")  # fmt: skip
    home.update(TENANT, "products", "home-p-1", {"name": "Edited at home", "sku": "P-1"})
    home.create(TENANT, "products", {"name": "Only here"}, record_id="home-only")
    source = FakeSource([product("p-1", "p-1", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command("reconcile", since=None), source, mappings, home, DONE,
                              audit=audit)  # fmt: skip
    assert report.drift == {"home_changed": 1, "missing_in_erp": 2, "home_only": 1}
    missing = audit.entries["DRIFT#r1#products#p-2"]
    assert missing == {
        "tenant_id": TENANT, "entry_id": "DRIFT#r1#products#p-2", "at": missing["at"],
        "actor": "ekos-sync", "source": "reconcile", "action": "drift",
        "drift": "missing_in_erp", "erp": "ekos", "resource_type": "products",
        "external_id": "p-2", "internal_id": "home-p-2", "before": None, "after": None,
        "run_id": "r1",
    }  # fmt: skip
    assert missing["at"].startswith("20")


def test_a_mapped_record_archived_at_home_is_reported_not_brought_back(world: Any) -> None:
    mappings, home = world
    audit = FakeAudit()
    mappings.advance_version(TENANT, "ekos", "products", "p-1", "2026-03-01T10:00:00.000000Z",
                             "setup")  # fmt: skip
    home.archive(TENANT, "products", "home-p-1")
    source = FakeSource([product("p-1", "p-1", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command("reconcile", since=None), source, mappings, home, DONE,
                              audit=audit)  # fmt: skip
    assert report.drift.get("home_archived") == 1
    entry = audit.entries["DRIFT#r1#products#p-1"]
    assert (entry["drift"], entry["external_id"], entry["internal_id"]) == (
        "home_archived", "p-1", "home-p-1"
    )  # fmt: skip
    assert entry["before"]["name"] == "p-1" and entry["after"] is None
    assert home.get(TENANT, "products", "home-p-1").archived


def test_an_incremental_pull_reports_no_drift(world: Any) -> None:
    mappings, home = world
    mappings.advance_version(TENANT, "ekos", "products", "p-1", "2026-03-01T10:00:00.000000Z",
                             "setup")  # fmt: skip
    home.update(TENANT, "products", "home-p-1", {"name": "Edited at home", "sku": "P-1"})
    source = FakeSource([product("p-1", "p-1", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command(), source, mappings, home, DONE, audit=FakeAudit())
    assert report.outcomes == {"stale": 1} and report.drift == {}


def test_a_chunk_reads_as_many_pages_as_allowed_then_continues(world: Any) -> None:
    mappings, home = world
    records = [product(f"p-{n}", f"n{n}", f"2026-03-01T1{n}:00:00Z") for n in range(1, 6)]
    queue = FakeQueue()
    first = run_sync_command(command(), FakeSource(records), mappings, home, DONE,
                             queue=queue, pages_per_chunk=2)  # fmt: skip
    assert first.read == 4 and first.continued
    (following,) = queue.messages
    assert (following.cursor, following.chunk, following.run_id) == ("4", 1, "r1")
    last = run_sync_command(following, FakeSource(records), mappings, home, DONE, queue=queue)
    assert last.read == 1 and not last.continued and len(queue.messages) == 1


def test_the_home_phase_continues_after_the_last_mapping_it_did(world: Any) -> None:
    mappings, home = world
    for n in range(250):
        mappings.put(TENANT, "ekos", "products", f"q-{n:03d}", f"home-q-{n:03d}", source="setup")
    queue = FakeQueue()
    home_phase = command("reconcile", since=None).model_copy(update={"phase": "home"})
    first = run_sync_command(home_phase, FakeSource([]), mappings, home, DONE, queue=queue,
                             pages_per_chunk=1)  # fmt: skip
    assert sum(first.outcomes.values()) == 200 and first.continued
    (following,) = queue.messages
    assert following.phase == "home" and following.chunk == 1 and following.after
    second = run_sync_command(following, FakeSource([]), mappings, home, DONE, queue=queue,
                              pages_per_chunk=1)  # fmt: skip
    assert sum(second.outcomes.values()) == 253 - 200 and not second.continued


def test_a_mapping_made_when_the_run_started_is_not_taken_for_missing(world: Any) -> None:
    mappings, home = world

    def page_mapped(tenant_id, erp, resource_type, after, limit):
        return [("p-1", "home-p-1", "", "2026-03-01T08:00:00Z")], None

    mappings.page_mapped = page_mapped
    home_phase = command("reconcile", since=None).model_copy(
        update={"phase": "home", "started_at": "2026-03-01T08:00:00Z"}
    )
    report = run_sync_command(home_phase, FakeSource([]), mappings, home, DONE)
    assert report.outcomes == {} and not home.get(TENANT, "products", "home-p-1").archived


def test_a_command_arrives_as_json_text_or_as_a_parsed_body() -> None:
    body = command().model_dump(mode="json")
    assert parse_sync_command(body) == command()
    assert parse_sync_command(command().model_dump_json()) == command()
