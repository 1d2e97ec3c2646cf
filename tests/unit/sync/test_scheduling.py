"""Schedule ticks become one sync command per active connection and resource type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from syncbridge import aws
from syncbridge.domain.sync.models import RESOURCE_TYPES, ScheduleTick
from syncbridge.domain.sync.ports import ConnectionRef
from syncbridge.domain.sync.scheduling import plan_sync
from syncbridge.store.sync import SyncCursorRepository
from tests.helpers.functions import ROOT, FakeContext, load_function
from tests.helpers.moto import template_resources
from tests.unit.sync.conftest import drain
from tests.unit.sync.fakes import FakeConnections, FakeCursors, FakeQueue

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONNS = FakeConnections(
    [
        ConnectionRef(tenant_id="tenant-a", connection_id="ekos", erp="ekos"),
        ConnectionRef(tenant_id="tenant-b", connection_id="ekos", erp="ekos"),
    ]
)


def test_incremental_tick_uses_the_stored_cursor_or_a_lookback_window() -> None:
    queue = FakeQueue()
    cursors = FakeCursors({("tenant-a", "ekos", "products"): "2026-03-01T11:50:00Z"})
    commands = plan_sync(ScheduleTick(action="incremental_sync"), CONNS, queue, cursors, now=NOW)
    assert len(commands) == 2 * len(RESOURCE_TYPES) == len(queue.messages)
    by_key = {(c.tenant_id, c.resource_type): c for c in commands}
    assert by_key["tenant-a", "products"].updated_since == "2026-03-01T11:50:00Z"
    assert by_key["tenant-b", "products"].updated_since == "2026-03-01T11:40:00Z"
    assert {c.run_id for c in commands} == {"incremental_sync-20260301T1200Z"}


def test_reconcile_tick_reads_everything() -> None:
    queue = FakeQueue()
    commands = plan_sync(ScheduleTick(action="reconcile"), CONNS, queue, FakeCursors(), now=NOW)
    assert {c.action for c in commands} == {"reconcile"}
    assert all(c.updated_since is None for c in commands)


def test_no_active_connection_means_no_command() -> None:
    queue = FakeQueue()
    assert plan_sync(ScheduleTick(action="reconcile"), FakeConnections([]), queue, now=NOW) == []
    assert queue.messages == []


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        ScheduleTick.model_validate({"action": "drop_tables"})


def test_handler_enqueues_for_active_connections_only(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one active and one disconnected connection, and a cursor for the active one
    stack = template_resources(monkeypatch, "ConnectionsTable", "ImportQueue")
    table = aws.table("CONNECTIONS_TABLE")
    for tenant, status in (("tenant-a", "active"), ("tenant-b", "disconnected")):
        table.put_item(
            Item={
                "pk": f"TENANT#{tenant}#CONNECTIONS",
                "sk": "CONNECTION#ekos",
                "tenant_id": tenant,
                "connection_id": "ekos",
                "erp": "ekos",
                "status": status,
            }
        )
    url = stack.ref("ImportQueue")
    cursors = SyncCursorRepository(table)
    assert cursors.advance("tenant-a", "ekos", "products", "2026-03-01T11:55:00Z")
    assert not cursors.advance(
        "tenant-a", "ekos", "products", "2026-03-01T10:00:00Z"
    )  # never backwards
    # When the incremental tick fires
    result = load_function("scheduler").lambda_handler(
        {"action": "incremental_sync"}, FakeContext()
    )
    # Then one command per resource type of tenant A, and none for tenant B
    assert result == {"action": "incremental_sync", "enqueued": len(RESOURCE_TYPES)}
    bodies = [json.loads(m["Body"]) for m in drain(url)]
    assert {b["tenant_id"] for b in bodies} == {"tenant-a"}
    assert {b["resource_type"] for b in bodies} == set(RESOURCE_TYPES)
    products = next(b for b in bodies if b["resource_type"] == "products")
    assert products["updated_since"] == "2026-03-01T11:55:00Z"


@pytest.mark.parametrize("name", ["scheduler-incremental-sync", "scheduler-reconcile"])
def test_sample_events_are_valid_ticks(name: str) -> None:
    tick = ScheduleTick.model_validate(json.loads((ROOT / "events" / f"{name}.json").read_text()))
    assert tick.action in ("incremental_sync", "reconcile")
