"""Scheduled pulls apply ERP records newest-wins and move the cursor; reconcile archives
mapped records the ERP no longer lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import pytest

from syncbridge.adapters.ekos.models import Page, Product
from syncbridge.domain.sync.models import SyncCommand
from syncbridge.domain.sync.pull import run_sync_command
from tests.unit.sync.fakes import FakeCursorStore, FakeHome, FakeMappings, FakeSetupProgress


class FakeSource:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = [Product.model_validate(r) for r in records]
        self.asked: list[str | None] = []

    def iter_pages(
        self, resource: str, updated_since: str | None = None, *, cursor: str | None = None
    ) -> Iterator[Page]:
        self.asked.append(updated_since)
        chosen = [
            r
            for r in self.records
            if updated_since is None
            or r.updated_at.isoformat() >= updated_since.replace("Z", "+00:00")
        ]
        for i in range(int(cursor or 0), len(chosen), 2):
            more = i + 2 < len(chosen)
            yield Page(
                resource=resource,
                records=chosen[i : i + 2],
                next_cursor=str(i + 2) if more else None,
            )


def product(pid: str, name: str, at: str, deleted: bool = False) -> dict[str, Any]:
    return {"id": pid, "name": name, "sku": pid.upper(), "updated_at": at, "deleted": deleted}


def command(
    action: str = "incremental_sync", since: str | None = "2026-03-01T00:00:00Z"
) -> SyncCommand:
    return SyncCommand(
        action=action,
        tenant_id="tenant-a",
        connection_id="ekos",
        erp="ekos",
        resource_type="products",
        run_id="r1",
        updated_since=since,
    )


@pytest.fixture
def world() -> tuple[FakeMappings, FakeHome]:
    mappings, home = FakeMappings(), FakeHome()
    for pid in ("p-1", "p-2", "p-3"):
        home.create("tenant-a", "products", {"name": pid}, record_id=f"home-{pid}")
        mappings.put("tenant-a", "ekos", "products", pid, f"home-{pid}", source="setup")
    return mappings, home


def test_incremental_pull_applies_changes_and_advances_the_cursor(world: Any) -> None:
    mappings, home = world
    source = FakeSource(
        [
            product("p-1", "Renamed", "2026-03-01T10:00:00Z"),
            product("p-2", "Gone", "2026-03-01T11:00:00Z", deleted=True),
            product("p-9", "Brand new", "2026-03-01T09:00:00Z"),
        ]
    )
    cursors = FakeCursorStore()
    report = run_sync_command(
        command(), source, mappings, home, FakeSetupProgress({"products"}), cursors
    )
    assert report.read == 3
    assert report.outcomes == {"updated": 1, "archived": 1, "created": 1}
    assert home.get("tenant-a", "products", "home-p-1").fields["name"] == "Renamed"
    assert home.get("tenant-a", "products", "home-p-2").archived
    assert cursors.values[("tenant-a", "ekos", "products")] == "2026-03-01T11:00:00Z"
    # Running the same window again changes nothing (the overlap is harmless)
    again = run_sync_command(
        command(), source, mappings, home, FakeSetupProgress({"products"}), cursors
    )
    assert again.outcomes == {"stale": 3}


def test_pull_does_not_undo_a_newer_pushed_event(world: Any) -> None:
    mappings, home = world
    mappings.advance_version(
        "tenant-a", "ekos", "products", "p-1", "2026-03-01T12:00:00.000000Z", "push"
    )
    source = FakeSource([product("p-1", "Older pull", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command(), source, mappings, home)
    assert report.outcomes == {"stale": 1}
    assert home.get("tenant-a", "products", "home-p-1").fields["name"] == "p-1"


def test_reconcile_archives_mapped_records_the_erp_no_longer_lists(world: Any) -> None:
    mappings, home = world
    source = FakeSource([product("p-1", "Still here", "2026-03-01T10:00:00Z")])
    report = run_sync_command(command("reconcile", since=None), source, mappings, home)
    assert source.asked == [None]
    assert report.outcomes == {"updated": 1, "archived": 2}
    assert not home.get("tenant-a", "products", "home-p-1").archived
    assert home.get("tenant-a", "products", "home-p-2").archived
    assert home.get("tenant-a", "products", "home-p-3").archived


def test_message_entry_point_parses_the_queue_body(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncbridge.roots import keg

    mappings, home = world
    source = FakeSource([product("p-3", "Via message", "2026-03-01T10:00:00Z")])
    monkeypatch.setattr(keg, "erp_source", lambda _c: nullcontext(source))
    monkeypatch.setattr(keg, "event_mappings", lambda: mappings)
    monkeypatch.setattr(keg, "home_platform", lambda: home)
    monkeypatch.setattr(keg, "setup_progress", lambda: FakeSetupProgress({"products"}))
    monkeypatch.setattr(keg, "sync_cursors", FakeCursorStore)
    monkeypatch.setattr(keg, "audit_log", lambda: None)
    monkeypatch.setattr(keg, "matcher", lambda: None)
    monkeypatch.setattr(keg, "review_items", lambda: None)
    monkeypatch.setattr(keg, "sync_queue", lambda: None)
    monkeypatch.setattr(keg, "sync_runs", lambda: None)
    monkeypatch.setattr(keg, "events_queue", lambda: None)
    report = keg.run_sync(command().model_dump_json())
    assert report.outcomes == {"updated": 1}


# ------------------------------------------------------------------ details mutation testing found
def test_incremental_asks_since_the_cursor_and_reconcile_asks_for_everything(world: Any) -> None:
    mappings, home = world
    incremental = FakeSource([product("p-1", "A", "2026-03-01T10:00:00Z")])
    run_sync_command(command(), incremental, mappings, home)
    assert incremental.asked == ["2026-03-01T00:00:00Z"]
    reconcile = FakeSource([product("p-1", "A", "2026-03-01T10:00:00Z")])
    run_sync_command(command("reconcile", since="2026-03-01T00:00:00Z"), reconcile, mappings, home)
    assert reconcile.asked == [None]


def test_the_cursor_is_the_newest_change_in_utc(world: Any) -> None:
    mappings, home = world
    source = FakeSource(
        [
            product("p-1", "A", "2026-03-01T12:30:00+02:00"),
            product("p-2", "B", "2026-03-01T09:00:00Z"),
        ]
    )
    cursors = FakeCursorStore()
    report = run_sync_command(command(since=None), source, mappings, home, cursors=cursors)
    assert report.cursor == "2026-03-01T10:30:00Z"
    assert cursors.values[("tenant-a", "ekos", "products")] == "2026-03-01T10:30:00Z"


def test_a_pulled_change_is_audited_with_what_changed_and_when(world: Any) -> None:
    from datetime import UTC, datetime

    from tests.unit.sync.fakes import FakeAudit

    mappings, home = world
    audit = FakeAudit()
    received = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    source = FakeSource([product("p-1", "Renamed", "2026-03-01T10:00:00Z")])
    run_sync_command(command(), source, mappings, home, audit=audit, clock=lambda: received)
    [entry] = audit.entries.values()
    assert entry["entry_id"].startswith("EVENT#ekos#")
    expected = {
        "tenant_id": "tenant-a", "at": received.isoformat(), "actor": "ekos-sync",
        "action": "updated", "erp": "ekos", "resource_type": "products",
        "external_id": "p-1", "internal_id": "home-p-1",
        "occurred_at": "2026-03-01T10:00:00.000000Z",
    }  # fmt: skip
    assert {k: entry[k] for k in expected} == expected
    # what changed: the value before and after, not just that something did
    assert entry["before"]["name"] == "p-1" and entry["after"]["name"] == "Renamed"


def test_new_records_wait_for_the_setup_of_their_type(world: Any) -> None:
    mappings, home = world
    source = FakeSource([product("p-9", "Brand new", "2026-03-01T09:00:00Z")])
    report = run_sync_command(command(), source, mappings, home, FakeSetupProgress(set()))
    assert report.outcomes == {"awaiting_setup": 1}
    assert len(home.records) == 3  # nothing created at home yet
    reconcile = run_sync_command(
        command("reconcile"), FakeSource([]), mappings, home, FakeSetupProgress(set())
    )
    assert reconcile.outcomes == {"archived": 3}


class Runs:
    def __init__(self) -> None:
        self.chunks: list[tuple[str, int, bool, dict[str, int]]] = []

    def record(self, command: SyncCommand, report: Any, finished: bool) -> None:
        self.chunks.append((command.phase, command.chunk, finished, dict(report.drift)))


def test_reconcile_runs_in_chunks_and_reports_drift_on_both_sides(world: Any) -> None:
    from tests.helpers.exact_key_matcher import ExactKeyMatcher
    from tests.unit.sync.fakes import FakeAudit, FakeQueue, FakeReviews

    mappings, home = world
    # the ERP already holds p-1 (unchanged), p-2 (edited at home since) and a new p-5;
    # p-3 is gone from the ERP; the home platform also has a record no ERP record maps to
    for pid in ("p-1", "p-2"):
        mappings.advance_version(
            "tenant-a", "ekos", "products", pid, "2026-03-01T10:00:00.000000Z", "setup"
        )
        home.update(
            "tenant-a", "products", f"home-{pid}", {"name": pid, "sku": pid.upper(), "active": True}
        )
    home.update(
        "tenant-a", "products", "home-p-2", {"name": "Edited at home", "sku": "P-2", "active": True}
    )
    home.create("tenant-a", "products", {"name": "Only here"}, record_id="home-only")
    source = FakeSource(
        [
            product("p-1", "p-1", "2026-03-01T10:00:00Z"),
            product("p-2", "p-2", "2026-03-01T10:00:00Z"),
            product("p-5", "New in the ERP", "2026-03-01T11:00:00Z"),
        ]
    )
    queue, runs, audit = FakeQueue(), Runs(), FakeAudit()
    ports: dict[str, Any] = {
        "setup": FakeSetupProgress({"products"}),
        "audit": audit,
        "matcher": ExactKeyMatcher(),
        "reviews": FakeReviews(),
        "queue": queue,
        "runs": runs,
        "pages_per_chunk": 1,
    }
    next_command = command("reconcile", since=None)
    reports = []
    while next_command is not None:  # what the importer does with each continuation
        reports.append(run_sync_command(next_command, source, mappings, home, **ports))
        next_command = queue.messages.pop(0) if queue.messages else None
    # two ERP pages (2 + 1 records) -> two chunks, then the home phase
    assert [r.phase for r in reports] == ["erp", "erp", "home"]
    assert [c[2] for c in runs.chunks] == [False, False, True]
    drift: dict[str, int] = {}
    for r in reports:
        for k, v in r.drift.items():
            drift[k] = drift.get(k, 0) + v
    assert drift == {"home_changed": 1, "missing_in_erp": 1, "home_only": 1}
    # the home-side edit is kept and audited with both values
    assert home.get("tenant-a", "products", "home-p-2").fields["name"] == "Edited at home"
    [entry] = [e for e in audit.entries.values() if e.get("drift") == "home_changed"]
    assert entry["before"] == {"name": "p-2"} and entry["after"] == {"name": "Edited at home"}
    assert home.get("tenant-a", "products", "home-p-3").archived
    # the new ERP record shares no key with the unmapped home record: nothing it could
    # duplicate, so it is created (nobody has to decide), and the home-only record stays
    assert ports["reviews"].get("tenant-a", "ekos", "products", "p-5") is None
    created = mappings.get("tenant-a", "ekos", "products", "p-5")
    assert created not in (None, "home-only")
    assert home.get("tenant-a", "products", created).fields["name"] == "New in the ERP"
