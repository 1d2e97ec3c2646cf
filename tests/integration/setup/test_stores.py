"""The DynamoDB stores of the setup against moto: conditional writes, pagination, search."""

from __future__ import annotations

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.setup import cursor as cursors
from syncbridge.domain.setup.errors import ProposalChanged
from syncbridge.domain.setup.models import Proposal, Resolution, Setup
from syncbridge.store.audit import DynamoAuditTrail as DynamoAuditLog
from syncbridge.store.mappings import DynamoMappingRepository
from syncbridge.store.proposals import DynamoProposalRepository
from syncbridge.store.setup import DynamoSetupRepository
from syncbridge.store.staging import DynamoStagingRepository
from tests.helpers.moto import offline_aws, template_resources

pytestmark = pytest.mark.integration

TABLES = (
    "SetupTable",
    "StagingTable",
    "ProposalsTable",
    "MappingsTable",
    "HomeTable",
    "AuditTable",
)


@pytest.fixture
def tables(monkeypatch):
    """The setup stores' tables in moto, as template.yaml declares them."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    offline_aws(monkeypatch)
    with mock_aws():
        aws.reset_clients()
        template_resources(monkeypatch, *TABLES)
        yield
    aws.reset_clients()


def _setup(run: str = "run-1") -> Setup:
    return Setup(tenant_id="t1", connection_id="ekos", erp="ekos", run_id=run,
                 started_at="2026-11-23T10:00:00Z")  # fmt: skip


def test_setup_state_moves_only_along_allowed_edges(tables):
    repo = DynamoSetupRepository()
    assert repo.start(_setup()).run_id == "run-1"
    # a second start of another run does not replace a running setup
    assert repo.start(_setup("run-2")).run_id == "run-1"
    assert repo.begin_import("t1", "ekos", "products", "run-1", now=100, lease_seconds=60)
    assert not repo.begin_import("t1", "ekos", "products", "run-1", now=120, lease_seconds=60)
    assert repo.begin_import("t1", "ekos", "products", "run-1", now=200, lease_seconds=60)
    repo.add_progress("t1", "ekos", "products", pages=2, records=300)
    assert not repo.transition("t1", "ekos", "products", "awaiting_review")
    assert repo.transition("t1", "ekos", "products", "matching", lease_until=0)
    assert repo.transition("t1", "ekos", "products", "awaiting_review", counts={"match": 3})
    setup = repo.latest("t1")
    progress = setup.progress("products")
    assert (progress.status, progress.pages, progress.records, progress.counts) == (
        "awaiting_review", 2, 300, {"match": 3})  # fmt: skip
    assert setup.progress("customer-locations").status == "pending"
    assert repo.complete("t1", "ekos") and not repo.complete("t1", "ekos")
    assert repo.latest("t1").status == "complete"
    assert repo.latest("t2") is None


def test_staging_overwrites_by_id_and_pages_through(tables):
    staging = DynamoStagingRepository()
    rows = [{"id": f"r-{i}", "lat": 45.5 + i / 1000} for i in range(60)]
    assert staging.put_records("K", rows) == 60
    staging.put_records("K", rows[:10])  # a redelivered page
    assert staging.count("K") == 60
    assert {r["id"] for r in staging.iter_records("K")} == {f"r-{i}" for i in range(60)}
    assert next(iter(staging.iter_records("K")))["lat"] > 45.5 - 1e-9


def _proposal(i: int, decision: str = "match") -> Proposal:
    return Proposal(
        external_id=f"e-{i:03d}", decision=decision, score=0.95,  # type: ignore[arg-type]
        external={"name": f"Bar {i}"},
        resolution=Resolution(action="link", internal_id=f"k-{i}"),
    )  # fmt: skip


def test_proposals_paginate_per_group_and_search(tables):
    repo = DynamoProposalRepository()
    repo.put_many("S", [_proposal(i) for i in range(30)] + [_proposal(99, "create")])
    first = repo.list("S", "match", limit=20)
    second = repo.list("S", "match", cursor=first.next_cursor, limit=20)
    assert len(first.items) == 20 and len(second.items) == 10 and second.next_cursor is None
    assert [p.external_id for p in repo.list("S", "create").items] == ["e-099"]
    assert [p.external_id for p in repo.list("S", "match", query="bar 7").items] == ["e-007"]
    assert repo.get("S", "e-099").decision == "create"
    with pytest.raises(Exception, match="cursor"):
        repo.list("S", "match", cursor="garbage!")
    assert cursors.decode(cursors.encode({"a": 1})) == {"a": 1}


def test_proposal_updates_are_conditional_on_the_version(tables):
    repo = DynamoProposalRepository()
    repo.put_many("S", [_proposal(1)])
    stored = repo.update("S", _proposal(1).model_copy(update={"confirmed": True}), 1)
    assert stored.version == 2 and repo.get("S", "e-001").confirmed
    with pytest.raises(ProposalChanged):
        repo.update("S", _proposal(1), 1)


def test_mappings_never_repoint_and_find_by_internal_id(tables):
    repo = DynamoMappingRepository()
    assert repo.put("t1", "ekos", "products", "p-1", "k-1", "setup")
    assert repo.put("t1", "ekos", "products", "p-1", "k-1", "setup")  # replay: same value
    assert not repo.put("t1", "ekos", "products", "p-1", "k-2", "setup")
    assert repo.get("t1", "ekos", "products", "p-1") == "k-1"
    assert repo.external_for("t1", "ekos", "products", "k-1") == "p-1"
    assert repo.external_to_internal("t2", "ekos", "products") == {}


def test_home_records_are_created_once_and_versioned(tables):
    home = DynamoHomePlatform()
    a = home.create("t1", "products", {"name": "Hazy IPA", "sku": "HI-1"}, record_id="h-1")
    again = home.create("t1", "products", {"name": "Other"}, record_id="h-1")
    assert again.fields == a.fields
    updated = home.update("t1", "products", "h-1", {"brand": "Cascade"}, expected_version=1)
    assert updated.version == 2 and updated.fields["brand"] == "Cascade"
    with pytest.raises(Exception, match="changed"):
        home.update("t1", "products", "h-1", {"brand": "X"}, expected_version=1)
    assert [r.id for r in home.search("t1", "products", "hazy")] == ["h-1"]
    home.create("t1", "products", {"name": "Pilsner"}, record_id="h-2")
    home.create("t2", "products", {"name": "Other tenant"}, record_id="h-3")
    assert home.count("t1", "products") == 2
    home.archive("t1", "products", "h-1")
    assert [r.id for r in home.iter_all("t1", "products")] == ["h-2"]
    assert home.count("t1", "products") == 1  # archived ones and other tenants not counted
    assert home.count("t1", "customer-locations") == 0
    assert home.get("t2", "products", "h-1") is None


def test_a_replayed_audit_entry_is_appended_never_overwritten(tables):
    audit = DynamoAuditLog()
    entries = [{"entry_id": "SETUP#r#products#p-1", "action": "link"}]
    audit.record("t1", entries)
    audit.record("t1", entries)
    items = aws.table("AUDIT_TABLE").scan()["Items"]
    assert len(items) == 2 and all(i["expires_at"] > 0 for i in items)
    assert {i["entry_id"] for i in items} == {"SETUP#r#products#p-1"}


def test_bulk_writes_create_only_what_is_missing(tables):
    home, mappings, proposals = (
        DynamoHomePlatform(),
        DynamoMappingRepository(),
        DynamoProposalRepository(),
    )
    home.create("t1", "products", {"name": "Edited by a person"}, record_id="h-1")
    created = home.create_many("t1", "products", {"h-1": {"name": "x"}, "h-2": {"name": "New"}})
    assert created == {"h-2"}
    assert home.get("t1", "products", "h-1").fields["name"] == "Edited by a person"
    mappings.put("t1", "ekos", "products", "p-9", "h-9", "sync")
    conflicts = mappings.put_many(
        "t1", "ekos", "products", {"p-1": "h-1", "p-2": "h-2", "p-9": "h-1"}, "setup"
    )
    assert conflicts == {"p-9"}
    assert mappings.external_to_internal("t1", "ekos", "products") == {
        "p-1": "h-1", "p-2": "h-2", "p-9": "h-9"}  # fmt: skip
    assert mappings.external_for("t1", "ekos", "products", "h-2") == "p-2"
    proposals.put_many("S", [_proposal(1), _proposal(2)])
    assert proposals.replace_many("S", [_proposal(1).model_copy(update={"confirmed": True})]) == 1
    assert proposals.get("S", "e-001").version == 2 and proposals.get("S", "e-001").confirmed
    assert not proposals.get("S", "e-002").confirmed


def _in_review(i: int, priority: float | None) -> Proposal:
    explanation = {} if priority is None else {"review_priority": priority, "name": 0.8}
    return _proposal(i, "review").model_copy(update={"explanation": explanation})


def test_the_review_group_lists_most_informative_first_and_pages_stably(tables):
    # active learning: the answer worth most (priority = uncertainty) comes first; pages of
    # 3 walk the same order without repeats or gaps, ties broken by external id
    repo = DynamoProposalRepository()
    priorities = [0.2, 0.99, 0.5, None, 0.99, 0.05, 0.7, 0.5]
    repo.put_many("S", [_in_review(i, p) for i, p in enumerate(priorities)])
    repo.put_many("S", [_proposal(50), _proposal(40)])  # other groups stay by id
    seen, cursor = [], None
    while True:
        page = repo.list("S", "review", cursor=cursor, limit=3)
        assert 0 < len(page.items) <= 3
        seen += [p.external_id for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["e-001", "e-004", "e-006", "e-002", "e-007", "e-000", "e-005", "e-003"]
    assert [p.explanation.get("review_priority") for p in repo.list("S", "review").items][:2] == [
        0.99, 0.99]  # fmt: skip
    assert [p.external_id for p in repo.list("S", "match").items] == ["e-040", "e-050"]
    # search keeps the order; a cursor of another listing is refused
    found = repo.list("S", "review", query="bar", limit=2)
    assert [p.external_id for p in found.items] == ["e-001", "e-004"]
    with pytest.raises(Exception, match="cursor"):
        repo.list("S", "review", query="other", cursor=found.next_cursor)
    with pytest.raises(Exception, match="cursor"):
        repo.list("S", "match", cursor=found.next_cursor)
