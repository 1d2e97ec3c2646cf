"""The staying-in-sync API through the local runtime: status, review decisions, audit
reads/exports/retention, dead letters (admin, per tenant) and refused scans."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import httpx
import pytest

from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.authserver.service import create_person, sign_in
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.sync.events import apply_erp_event
from syncbridge.roots import keg
from syncbridge.store.setup import DynamoSetupRepository
from syncbridge.store.sync import EventMappingRepository, SyncReviewItems
from tests.helpers.exact_key_matcher import ExactKeyMatcher
from tests.integration.sync.test_runtime_flows import connect_to_ekos

pytestmark = pytest.mark.integration
TENANT = "status-brewery"


def session(rt: Any, tenant: str, name: str, role: str) -> httpx.Client:
    with rt.env_of("ApiFunction"):
        store = OAuthStore()
        login = create_person(store, tenant, name, role)
        token = sign_in(store, tenant, name, login.password)
    return httpx.Client(base_url=rt.base_url, cookies={"sb_session": token}, timeout=60)


def created(rid: str, **data: Any) -> dict[str, Any]:
    return {
        "tenant_id": TENANT,
        "erp": "ekos",
        "received_at": "2026-03-01T12:00:00+00:00",
        "event": {
            "event_id": str(uuid.uuid4()),
            "resource_type": data.pop("rtype", "products"),
            "action": "created",
            "resource_id": rid,
            "occurred_at": "2026-03-01T12:00:00+00:00",
            "data": data,
        },
    }


@pytest.fixture(scope="module")
def world(local_runtime: Any) -> dict[str, Any]:
    rt = local_runtime
    connect_to_ekos(rt, TENANT)
    rt.wait_idle(timeout=120)
    with rt.env_of("ApplierFunction"):
        assert DynamoSetupRepository().complete(TENANT, "ekos")
        home = DynamoHomePlatform()
        home.create(TENANT, "products", {"name": "Pale Ale", "sku": "PA-9"}, record_id="home-pale")
        # an ERP product whose SKU differs from ours: the exact-key matcher asks a person
        outcome = apply_erp_event(
            created("p-pale", name="Pale Ale", sku="PA-X"),
            keg.event_mappings(),
            keg.home_platform(),
            setup=keg.setup_progress(),
            audit=keg.audit_log(),
            matcher=ExactKeyMatcher(),
            reviews=keg.review_items(),
        )
        assert outcome == "review"
    return {
        "admin": session(rt, TENANT, "ada", "admin"),
        "operator": session(rt, TENANT, "otto", "operator"),
        "viewer": session(rt, TENANT, "vic", "viewer"),
        "stranger": session(rt, "other-brewery", "eve", "admin"),
    }


def test_status_shows_the_connection_its_schedules_and_what_waits(world: Any) -> None:
    got = world["viewer"].get("/sync/status")
    assert got.status_code == 200, got.text
    [conn] = got.json()["connections"]
    assert conn["state"] == "active" and conn["erp"] == "ekos"
    assert {s["action"] for s in conn["schedules"]} == {"incremental_sync", "reconcile"}
    assert conn["next_run"]
    products = next(t for t in conn["types"] if t["resource_type"] == "products")
    assert products["awaiting_review"] == 1
    assert world["stranger"].get("/sync/status").json() == {"connections": []}
    assert httpx.get(world["viewer"].base_url.join("/sync/status")).status_code == 401
    page = world["viewer"].get("/sync")
    assert page.status_code == 200 and "Sync status" in page.text


def test_a_person_decides_a_review_item_and_the_audit_says_so(world: Any) -> None:
    items = world["viewer"].get("/sync/review/products").json()["items"]
    assert [i["external_id"] for i in items] == ["p-pale"]
    decide = {"action": "link", "internal_id": "home-pale"}
    assert world["viewer"].put("/sync/review/products/p-pale", json=decide).status_code == 403
    bad = world["operator"].put("/sync/review/products/p-pale", json={"action": "merge"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    done = world["operator"].put("/sync/review/products/p-pale", json=decide)
    assert done.status_code == 200, done.text
    assert done.json() == {"external_id": "p-pale", "internal_id": "home-pale", "action": "linked"}
    again = world["operator"].put("/sync/review/products/p-pale", json=decide)
    assert again.status_code == 404 and again.json()["error"]["code"] == "review_item_not_found"
    entries = (
        world["viewer"]
        .get("/audit", params={"resource_type": "products", "external_id": "p-pale"})
        .json()["items"]
    )
    assert [e["action"] for e in entries] == ["linked", "review"]  # newest first
    assert entries[0]["actor"] == "person:otto"
    assert entries[0]["before"] == {"name": "Pale Ale", "sku": "PA-9"}
    assert entries[0]["after"]["sku"] == "PA-X"
    exported = world["viewer"].get(
        "/audit/export", params={"format": "csv", "actor": "person:otto"}
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv")
    assert [r["external_id"] for r in rows] == ["p-pale"]
    lines = world["viewer"].get("/audit/export", params={"format": "jsonl"}).text.splitlines()
    assert len(lines) >= 2 and all(json.loads(line)["audit_id"] for line in lines)
    assert world["stranger"].get("/audit").json()["items"] == []
    assert world["viewer"].get("/audit", params={"since": "yesterday"}).status_code == 422


def test_retention_is_per_tenant_and_admin_only(world: Any) -> None:
    assert world["viewer"].get("/audit/retention").json() == {"retention_days": 400}
    body = {"retention_days": 90}
    assert world["operator"].put("/audit/retention", json=body).status_code == 403
    assert world["admin"].put("/audit/retention", json={"retention_days": 5}).status_code == 422
    assert world["admin"].put("/audit/retention", json=body).json() == body
    assert world["viewer"].get("/audit/retention").json() == body
    assert world["stranger"].get("/audit/retention").json() == {"retention_days": 400}


def test_dead_letters_are_listed_with_their_reason_and_moved_back(
    local_runtime: Any, world: Any
) -> None:
    rt = local_runtime
    # a batch of a product not mapped yet: retried, then parked with the reason
    batch = created("b-77", rtype="product-batches", lot_code="L77", product_id="p-77")
    rt.send_message("EventsQueue", batch, group_id=f"{TENANT}#b-77")
    rt.wait_idle(timeout=60)
    assert world["operator"].get("/admin/dead-letters").status_code == 403
    letters = world["admin"].get("/admin/dead-letters").json()["items"]
    [letter] = [d for d in letters if d["message_type"] == "erp_event:product-batches"]
    assert letter["reason"] == "dependency_not_mapped" and "p-77" in letter["detail"]
    assert letter["attempts"] == 5 and letter["first_failure_at"] <= letter["last_failure_at"]
    assert world["stranger"].get("/admin/dead-letters").json()["items"] == []
    errors = world["viewer"].get("/sync/status").json()["connections"][0]["recent_errors"]
    assert any(e["action"] == "dead_lettered" and e["external_id"] == "b-77" for e in errors)
    # once the product is mapped, moving the letter back applies it
    with rt.env_of("ApplierFunction"):
        DynamoHomePlatform().create(TENANT, "products", {"name": "Stout"}, record_id="home-77")
        assert EventMappingRepository().put(TENANT, "ekos", "products", "p-77", "home-77", "t")
    assert world["admin"].post("/admin/dead-letters/move", json={}).status_code == 422
    moved = world["admin"].post(
        "/admin/dead-letters/move", json={"reason": "dependency_not_mapped"}
    )
    assert moved.status_code == 202 and moved.json()["moved"] == 1
    rt.wait_idle(timeout=60)
    with rt.env_of("ApplierFunction"):
        assert EventMappingRepository().get(TENANT, "ekos", "product-batches", "b-77")
    assert world["admin"].get("/admin/dead-letters").json()["items"] == []


def test_a_refused_scan_is_shown_and_can_be_retried(local_runtime: Any, world: Any) -> None:
    rt = local_runtime
    with rt.env_of("OutboundFunction"):
        mappings = EventMappingRepository()
        assert mappings.put(TENANT, "ekos", "product-batches", "no-such", "home-ghost", "t")
        assert mappings.put(TENANT, "ekos", "customer-locations", "no-cust", "home-c", "t")
    rt.send_message(
        "OutboundQueue",
        {
            "tenant_id": TENANT,
            "scan_id": "scan-ghost",
            "unit_serial": "KEG-9",
            "event": "delivered",
            "product_batch_id": "home-ghost",
            "location_id": "home-c",
            "location_type": "customer",
            "scanned_at": "2026-03-01T12:00:00Z",
        },
    )
    rt.wait_idle(timeout=60)
    [scan] = world["viewer"].get("/sync/scans/failed").json()["items"]
    assert scan["scan_id"] == "scan-ghost" and scan["status"] == 422 and scan["errors"]
    assert world["viewer"].post("/sync/scans/scan-ghost/retry").status_code == 403
    retried = world["operator"].post("/sync/scans/scan-ghost/retry")
    assert retried.status_code == 202 and retried.json()["attempt"] == 1
    rt.wait_idle(timeout=60)
    [scan] = world["viewer"].get("/sync/scans/failed").json()["items"]
    assert scan["attempt"] == 1  # refused again (the mapping is still wrong), still shown
    missing = world["operator"].post("/sync/scans/nope/retry")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "scan_not_failed"
    with rt.env_of("ApplierFunction"):
        assert SyncReviewItems().count(TENANT, "ekos", "products") == 0
