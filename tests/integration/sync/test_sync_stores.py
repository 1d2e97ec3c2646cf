"""The sync services on the real DynamoDB/SQS implementations (moto)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncbridge import aws
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.sync.events import apply_erp_event
from syncbridge.domain.sync.intake import accept_erp_event
from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent
from syncbridge.store.audit import DynamoAuditTrail as DynamoAuditLog
from syncbridge.store.sync import (
    ActiveConnectionDirectory,
    EventMappingRepository,
    SqsFifoQueue,
)
from tests.unit.sync.test_events_endpoint import EKOS

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def queued(
    at: datetime, action: str = "updated", name: str = "Hazy", rid: str = "p-1"
) -> QueuedErpEvent:
    return QueuedErpEvent(
        tenant_id="tenant-a",
        erp="ekos",
        received_at=at,
        event=ErpChangeEvent(
            event_id=uuid.uuid4(),
            resource_type="products",
            action=action,
            resource_id=rid,
            occurred_at=at,
            data={"name": name, "sku": "HZ"},
        ),
    )


@pytest.fixture
def mapped(sync_aws: Any) -> tuple[EventMappingRepository, DynamoHomePlatform]:
    mappings, home = EventMappingRepository(), DynamoHomePlatform()
    home.create("tenant-a", "products", {"name": "Hazy"}, record_id="home-1")
    assert mappings.put("tenant-a", "ekos", "products", "p-1", "home-1", source="setup")
    return mappings, home


def test_version_conditioned_write_only_moves_forward(mapped: Any) -> None:
    mappings, _ = mapped
    assert mappings.source_version("tenant-a", "ekos", "products", "p-1") is None
    assert mappings.advance_version(
        "tenant-a", "ekos", "products", "p-1", "2026-03-01T12:00:00.000000Z", "e1"
    )
    assert not mappings.advance_version(
        "tenant-a", "ekos", "products", "p-1", "2026-03-01T12:00:00.000000Z", "e1"
    )
    assert not mappings.advance_version(
        "tenant-a", "ekos", "products", "p-1", "2026-03-01T11:00:00.000000Z", "e0"
    )
    assert mappings.advance_version(
        "tenant-a", "ekos", "products", "p-1", "2026-03-01T12:00:00.000001Z", "e2"
    )
    # no version for a record that has no mapping (never creates a half mapping)
    assert not mappings.advance_version(
        "tenant-a", "ekos", "products", "p-404", "2026-03-01T12:00:00Z", "e3"
    )
    # the setup team's mapping fields survive
    assert mappings.get("tenant-a", "ekos", "products", "p-1") == "home-1"


def test_out_of_order_and_duplicate_events_end_in_the_newest_state(mapped: Any) -> None:
    mappings, home = mapped
    audit = DynamoAuditLog()
    newest, older = queued(T0 + timedelta(minutes=2), name="Newest"), queued(T0, name="Older")
    assert apply_erp_event(newest, mappings, home, audit=audit) == "updated"
    assert apply_erp_event(older, mappings, home, audit=audit) == "stale"
    assert apply_erp_event(newest, mappings, home, audit=audit) == "stale"
    record = home.get("tenant-a", "products", "home-1")
    assert record is not None and record.fields["name"] == "Newest"
    assert (
        apply_erp_event(queued(T0 + timedelta(minutes=3), "deleted"), mappings, home) == "archived"
    )
    assert home.get("tenant-a", "products", "home-1").archived  # type: ignore[union-attr]


def test_fifo_queue_dedupes_a_retried_push(sync_aws: Any) -> None:
    queue = SqsFifoQueue()
    event = queued(T0).event
    accept_erp_event(EKOS.tenant_id, "ekos", event, queue)
    accept_erp_event(EKOS.tenant_id, "ekos", event, queue)
    got = aws.client("sqs").receive_message(QueueUrl=sync_aws.events_queue, MaxNumberOfMessages=10)
    assert len(got.get("Messages", [])) == 1
    body = QueuedErpEvent.model_validate_json(got["Messages"][0]["Body"])
    assert body.tenant_id == "tenant-a" and body.event.event_id == event.event_id


def test_active_connections_come_from_the_connections_table(sync_aws: Any) -> None:
    from syncbridge.domain.connections.models import Connection
    from syncbridge.store.connections import DynamoConnectionRepository

    repo = DynamoConnectionRepository()
    for tenant, status in (("tenant-a", "active"), ("tenant-b", "reauthorization_required")):
        repo.save_connected(
            Connection(tenant_id=tenant, connection_id="ekos", erp="ekos", status=status),
            b"sealed",
            0,
        )
    active = list(ActiveConnectionDirectory().list_active())
    assert [(c.tenant_id, c.connection_id, c.erp) for c in active] == [("tenant-a", "ekos", "ekos")]


def test_marks_tombstones_counts_and_paging_by_external_id(sync_aws: Any) -> None:
    from syncbridge.store.sync import EventMappingRepository as Repo

    repo = Repo()
    for n in range(7):
        assert repo.put("t", "ekos", "products", f"p-{n}", f"h-{n}", "setup")
    repo.bury("t", "ekos", "products", "p-gone", "2026-03-01T00:00:00.000000Z")
    repo.bury("t", "ekos", "products", "p-gone", "2026-01-01T00:00:00.000000Z")  # older: kept
    assert repo.tombstone_version("t", "ekos", "products", "p-gone") == (
        "2026-03-01T00:00:00.000000Z"
    )
    assert repo.count("t", "ekos", "products") == 7
    assert len(repo.external_to_internal("t", "ekos", "products")) == 7  # no tombstone
    repo.mark_seen("t", "ekos", "products", "p-2", "run-1")
    repo.mark_seen("t", "ekos", "products", "p-404", "run-1")  # not mapped: ignored
    seen, after = [], None
    while True:
        rows, after = repo.page_mapped("t", "ekos", "products", after, 3)
        seen += rows
        if after is None:
            break
    assert [r[0] for r in seen] == [f"p-{n}" for n in range(7)]
    assert [r[0] for r in seen if r[2] == "run-1"] == ["p-2"]
    assert repo.get("t", "ekos", "products", "p-404") is None


def test_event_claims_grant_an_event_to_one_delivery(sync_aws: Any) -> None:
    from syncbridge.store.sync import DynamoEventClaims

    claims = DynamoEventClaims()
    assert claims.claim("tenant-a", "ekos", "e-1", 60) == "claimed"
    assert claims.claim("tenant-a", "ekos", "e-1", 60) == "busy"  # another delivery
    assert claims.claim("tenant-b", "ekos", "e-1", 60) == "claimed"  # another tenant's
    claims.finish("tenant-a", "ekos", "e-1", "updated")
    assert claims.claim("tenant-a", "ekos", "e-1", 60) == "done"
    claims.release("tenant-a", "ekos", "e-1")  # a finished claim is kept
    assert claims.claim("tenant-a", "ekos", "e-1", 60) == "done"
    # a released claim is free at once; an expired lease may be taken over
    assert claims.claim("tenant-a", "ekos", "e-2", 60) == "claimed"
    claims.release("tenant-a", "ekos", "e-2")
    assert claims.claim("tenant-a", "ekos", "e-2", -1) == "claimed"  # lease already over
    assert claims.claim("tenant-a", "ekos", "e-2", 60) == "claimed"


def test_home_candidates_are_found_by_key_not_by_reading_every_record(sync_aws: Any) -> None:
    from syncbridge.adapters.home.dynamodb import KEY_FANOUT_LIMIT

    home = DynamoHomePlatform()
    home.create("tenant-a", "products", {"name": "Hazy IPA", "sku": "HZ-1"}, record_id="h-1")
    home.create_many("tenant-a", "products", {"h-2": {"name": "Pale Ale", "sku": "PA-9"}})
    home.load("tenant-a", "products", [{"id": "h-3", "name": "Dark Stout", "sku": "DS-3"}])
    found = home.candidates("tenant-a", "products", {"name": "hazy  ipa!", "sku": "XX"})
    assert [r.id for r in found] == ["h-1"]
    assert [r.id for r in home.candidates("tenant-a", "products", {"sku": "pa-9"})] == ["h-2"]
    assert [r.id for r in home.candidates("tenant-a", "products", {"sku": "DS 3"})] == ["h-3"]
    assert home.candidates("tenant-b", "products", {"sku": "HZ-1"}) == []  # tenant's own
    # a renamed record is found under its new name, no longer under the old one
    home.update("tenant-a", "products", "h-1", {"name": "Juicy IPA"})
    assert [r.id for r in home.candidates("tenant-a", "products", {"name": "Juicy IPA"})] == ["h-1"]
    assert home.candidates("tenant-a", "products", {"name": "Hazy IPA"}) == []
    home.archive("tenant-a", "products", "h-2")
    assert home.candidates("tenant-a", "products", {"sku": "PA-9"}) == []
    # a key shared by very many records tells none apart: skipped
    home.load(
        "tenant-a",
        "products",
        [{"id": f"c-{i}", "name": "Common", "sku": f"C-{i}"} for i in range(KEY_FANOUT_LIMIT + 1)],
    )
    assert home.candidates("tenant-a", "products", {"name": "Common"}) == []
    assert [r.id for r in home.candidates("tenant-a", "products", {"sku": "C-7"})] == ["c-7"]


def test_refile_keys_makes_records_written_before_the_key_items_findable(
    sync_aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Home records with no key items (written before keys existed, or by a tool that went
    around the home platform) are invisible to a `created` event's twin search until
    `python -m syncbridge.ops.refile_keys` files them; running it twice changes nothing."""
    import json

    from syncbridge.ops.refile_keys import main as refile_main

    home = DynamoHomePlatform()
    home.load("tenant-a", "products", [{"id": "h-1", "name": "Hazy IPA", "sku": "HZ-1"}])
    home.load("tenant-a", "customer-locations", [{"id": "c-1", "name": "Taproom", "phone": "555"}])
    home.load("tenant-b", "products", [{"id": "b-1", "name": "Hazy IPA", "sku": "HZ-1"}])
    table = sync_aws.home
    for item in table.scan()["Items"]:  # the pre-key era: records without key items
        if "#HOMEKEY#" in item["pk"]:
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert home.candidates("tenant-a", "products", {"sku": "HZ-1"}) == []

    assert refile_main(["--tenant", "tenant-a", "--type", "products"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines == [{"tenant": "tenant-a", "resource_type": "products", "filed": 1}]
    assert [r.id for r in home.candidates("tenant-a", "products", {"sku": "hz 1"})] == ["h-1"]
    # only the type asked for, only the tenant named
    assert home.candidates("tenant-a", "customer-locations", {"name": "Taproom"}) == []
    assert home.candidates("tenant-b", "products", {"sku": "HZ-1"}) == []

    keys_before = sorted(i["pk"] for i in table.scan()["Items"] if "#HOMEKEY#" in i["pk"])
    assert refile_main(["--tenant", "tenant-a"]) == 0  # every type; idempotent
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {x["resource_type"]: x["filed"] for x in out} == {
        "customer-locations": 1, "storage-locations": 0, "products": 1, "product-batches": 0,
    }  # fmt: skip
    keys_after = sorted(i["pk"] for i in table.scan()["Items"] if "#HOMEKEY#" in i["pk"])
    assert set(keys_before) <= set(keys_after)
    assert len(keys_after) == len(set(keys_after))
    assert [
        r.id for r in home.candidates("tenant-a", "customer-locations", {"name": "taproom"})
    ] == ["c-1"]


def test_refile_keys_refuses_without_a_home_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from syncbridge.ops.refile_keys import main as refile_main

    monkeypatch.delenv("HOME_TABLE", raising=False)
    assert refile_main(["--tenant", "t"]) == 2
    assert "HOME_TABLE is not set" in capsys.readouterr().err
