"""The guided setup through the local runtime: OAuth callback -> importer (429, expired
token) -> matcher -> review API -> applier; redelivered messages change nothing; one tenant
never reaches another's proposals."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.domain.setup.models import proposal_scope, staging_key
from syncbridge.store.mappings import DynamoMappingRepository
from syncbridge.store.proposals import DynamoProposalRepository
from syncbridge.store.setup import DynamoSetupRepository
from syncbridge.store.staging import DynamoStagingRepository

from . import harness

pytestmark = pytest.mark.integration

CL = "customer-locations"
EKOS_PATH = "/api/v1/customer-locations"


def _counts(rt, tenant_id: str) -> dict[str, int]:
    """How many staged records, proposals, home records and mappings the tenant has."""
    with rt.env_of("ApiFunction"):
        setup = DynamoSetupRepository().get(tenant_id, "ekos")
        return {
            "staged": DynamoStagingRepository().count(staging_key(tenant_id, "ekos", CL, setup.run_id)),
            "proposals": sum(1 for _ in DynamoProposalRepository().iter_all(
                proposal_scope(tenant_id, "ekos", CL, setup.run_id))),
            "home": sum(1 for _ in DynamoHomePlatform().iter_all(tenant_id, CL)),
            "mappings": len(DynamoMappingRepository().external_to_internal(tenant_id, "ekos", CL)),
        }  # fmt: skip


def _message(rt, tenant_id: str, action: str, resource_type: str = CL) -> dict[str, str]:
    with rt.env_of("ApiFunction"):
        setup = DynamoSetupRepository().get(tenant_id, "ekos")
    return {"action": action, "tenant_id": tenant_id, "connection_id": "ekos", "erp": "ekos",
            "resource_type": resource_type, "run_id": setup.run_id}  # fmt: skip


def _confirm_everything(http, resource_type: str = CL) -> None:
    assert http.post(f"/setup/{resource_type}/accept-confident", json={}).status_code == 200
    for decision in ("match", "review"):
        page = http.get(f"/setup/{resource_type}/proposals", params={"decision": decision,
                                                                   "limit": 200}).json()  # fmt: skip
        for p in page["items"]:
            if p["resolution"]["action"] == "link" and not p["confirmed"]:
                body = {"action": "link", "internal_id": p["resolution"]["internal_id"],
                        "version": p["version"]}  # fmt: skip
                r = http.put(f"/setup/{resource_type}/proposals/{p['external_id']}", json=body)
                assert r.status_code == 200, r.text


def test_a_full_import_survives_a_429_and_a_token_expiring_mid_read(rt, tenant):
    tenant_id, http = tenant
    sim = harness.ekos(rt)
    # Given Ekos throttles the second page once and expires the token before the third
    throttle = sim.faults.add("rate_limit", path_prefix=EKOS_PATH, after=1, times=1, retry_after=1)
    expiry = sim.faults.add("expire_token", path_prefix=EKOS_PATH, after=3, times=1)
    # When the person connects (the callback enqueues the import)
    page = harness.connect(rt, http)
    assert "Connected to Ekos" in page.text
    progress = harness.wait_status(http, CL, "awaiting_review", timeout=60)
    # Then every page was read despite the faults, and every record staged once
    ekos_records = sim.dataset.ekos[CL]
    assert throttle.fired == 1 and expiry.fired == 1
    assert progress["records"] == len(ekos_records)
    assert progress["pages"] == -(-len(ekos_records) // 5)
    live = [r for r in ekos_records if not r["deleted"]]
    assert sum(progress["counts"].values()) == len(live)
    assert _counts(rt, tenant_id)["staged"] == len(ekos_records)
    # And the proposals carry a score, an explanation and both sides' fields
    matches = http.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"]
    assert matches, "the dataset has near-duplicates: some must match"
    first = matches[0]
    assert first["score"] >= 0.5 and first["explanation"]
    assert (
        first["external"]["name"] and first["internal"]["id"] == first["resolution"]["internal_id"]
    )


def test_redelivered_messages_never_import_match_or_create_twice(rt, tenant):
    tenant_id, http = tenant
    sim = harness.ekos(rt)
    reads = sim.faults.add("slow", path_prefix=EKOS_PATH, times=None, delay=0)
    harness.connect(rt, http)
    harness.wait_status(http, CL, "awaiting_review", timeout=60)
    before, reads_before = _counts(rt, tenant_id), reads.seen
    # When the import and match messages are delivered again
    rt.send_message("ImportQueue", _message(rt, tenant_id, "import"))
    rt.send_message("MatchQueue", _message(rt, tenant_id, "match"))
    rt.wait_idle(timeout=60)
    # Then Ekos is not read again and nothing is staged or proposed twice
    assert reads.seen == reads_before
    assert _counts(rt, tenant_id) == before
    # When the type is submitted and applied, then the apply message is delivered again
    _confirm_everything(http)
    assert http.post(f"/setup/{CL}/submit").status_code == 202
    harness.wait_status(http, CL, "done", timeout=60)
    rt.wait_idle(timeout=60)
    applied = _counts(rt, tenant_id)
    creates = http.get("/setup/state").json()["types"][0]["applied"]["created"]
    assert applied["home"] == before["home"] + creates
    assert applied["mappings"] == before["proposals"]
    rt.send_message("ApplyQueue", _message(rt, tenant_id, "apply"))
    rt.wait_idle(timeout=60)
    # Then no home record is created twice and no mapping changes
    assert _counts(rt, tenant_id) == applied
    # And the next type was offered exactly once (its import ran, not twice)
    state = http.get("/setup/state").json()
    assert state["current_type"] == "storage-locations"
    storage = harness.wait_status(http, "storage-locations", "awaiting_review", timeout=60)
    assert storage["records"] == len(sim.dataset.ekos["storage-locations"])


def test_a_person_of_another_tenant_can_neither_read_nor_change_the_proposals(rt, tenant):
    tenant_id, http = tenant
    harness.connect(rt, http)
    harness.wait_status(http, CL, "awaiting_review", timeout=60)
    victim = http.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"][0]
    # Given a person of another tenant, with no setup of their own
    other = harness.session(rt, harness.sign_in(rt, f"{tenant_id}-other", "mallory"))
    # Then they see no setup and reach none of tenant A's proposals, whatever the URL says
    assert other.get("/setup/state").json()["status"] == "not_started"
    listing = other.get(f"/setup/{CL}/proposals", params={"decision": "match"})
    assert listing.status_code == 404 and listing.json()["error"]["code"] == "setup_not_found"
    edit = other.put(f"/setup/{CL}/proposals/{victim['external_id']}",
                     json={"action": "create", "version": victim["version"]})  # fmt: skip
    assert edit.status_code == 404
    assert other.post(f"/setup/{CL}/submit").status_code == 404
    assert other.post(f"/setup/{CL}/accept-confident", json={}).status_code == 404
    assert other.get(f"/setup/{CL}/candidates", params={"q": "a"}).status_code == 404
    # And tenant A's proposal is untouched
    again = http.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"][0]
    assert again == victim
    # When the other tenant connects too and edits the same Ekos record id in its own setup
    harness.seed_home(rt, f"{tenant_id}-other")
    harness.connect(rt, other)
    harness.wait_status(other, CL, "awaiting_review", timeout=60)
    theirs = other.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"]
    same = next(p for p in theirs if p["external_id"] == victim["external_id"])
    changed = other.put(f"/setup/{CL}/proposals/{same['external_id']}",
                        json={"action": "create", "version": same["version"]})  # fmt: skip
    assert changed.status_code == 200
    _confirm_everything(other)
    assert other.post(f"/setup/{CL}/submit").status_code == 202
    harness.wait_status(other, CL, "done", timeout=60)
    # Then only its own proposal and mappings changed: tenant A still has no mappings
    assert (
        http.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"][0]
        == victim
    )
    assert _counts(rt, tenant_id)["mappings"] == 0
    assert _counts(rt, f"{tenant_id}-other")["mappings"] == len(theirs) + sum(
        1 for d in ("review", "create")
        for _ in other.get(f"/setup/{CL}/proposals", params={"decision": d, "limit": 200}).json()["items"]
    )  # fmt: skip
    # A viewer of tenant A may look but not change; no session at all is refused
    viewer = harness.session(rt, harness.sign_in(rt, tenant_id, "victor", role="viewer"))
    assert viewer.get(f"/setup/{CL}/proposals").status_code == 200
    forbidden = viewer.post(f"/setup/{CL}/submit")
    assert forbidden.status_code == 403
    anonymous = harness.session(rt, "")
    assert anonymous.get("/setup/state").status_code in (401, 403)
    for client in (other, viewer, anonymous):
        client.close()


def test_bad_input_gets_a_clear_4xx(rt, tenant):
    _tenant_id, http = tenant
    harness.connect(rt, http)
    harness.wait_status(http, CL, "awaiting_review", timeout=60)
    assert http.get("/setup/pets/proposals").status_code == 422
    assert http.get(f"/setup/{CL}/proposals", params={"decision": "maybe"}).status_code == 422
    bad_cursor = http.get(f"/setup/{CL}/proposals", params={"cursor": "%%%"})
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.text
    # finding: a cursor decoding to any dict reached DynamoDB (500); cursors are now sealed
    forged = base64.urlsafe_b64encode(json.dumps({"pk": "x", "sk": "y"}).encode()).decode()
    assert http.get(f"/setup/{CL}/proposals", params={"cursor": forged}).status_code == 422
    first = http.get(f"/setup/{CL}/proposals", params={"decision": "match", "limit": 1}).json()
    assert first["next_cursor"] and "T#" not in first["next_cursor"]  # opaque
    following = {"decision": "match", "limit": 1, "cursor": first["next_cursor"]}
    assert http.get(f"/setup/{CL}/proposals", params=following).status_code == 200
    other_listing = {"decision": "create", "cursor": first["next_cursor"]}
    assert http.get(f"/setup/{CL}/proposals", params=other_listing).status_code == 422
    item = http.get(f"/setup/{CL}/proposals", params={"decision": "match"}).json()["items"][0]
    url = f"/setup/{CL}/proposals/{item['external_id']}"
    assert (
        http.put(url, content="{not json", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert (
        http.put(url, json={"action": "link", "internal_id": "nope", "version": 1}).status_code
        == 422
    )
    stale = http.put(url, json={"action": "create", "version": item["version"] + 5})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "proposal_changed"
    early = http.post("/setup/products/submit")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_in_review"
    unconfirmed = http.post(f"/setup/{CL}/submit")
    body = json.loads(unconfirmed.text)
    assert unconfirmed.status_code == 409 and body["error"]["code"] == "unconfirmed_proposals"


EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.mark.parametrize(
    ("name", "status"),
    [("page", 200), ("state", 200), ("proposals", 404), ("candidates", 404),
     ("edit-link", 404), ("edit-create", 404), ("accept-confident", 404), ("submit", 404),
     ("unknown-type", 422)],
)  # fmt: skip
def test_the_sample_api_events_drive_the_api_function(rt, name, status):
    # Given the sample events' tenant has no setup in this stack
    event = json.loads((EVENTS / f"api-setup-{name}.json").read_text())
    result = rt.invoke("ApiFunction", event)
    assert result["statusCode"] == status, result["body"]


@pytest.mark.parametrize(
    ("name", "fails"),
    [("importer-import", True), ("importer-invalid", True), ("matcher-match", False),
     ("applier-apply", False)],
)  # fmt: skip
def test_the_sample_queue_events_drive_their_functions(rt, name, fails):
    # The sample tenant has no Ekos connection (import fails, SQS retries it) and no setup
    # (match/apply find nothing to do and succeed).
    event = json.loads((EVENTS / f"{name}.json").read_text())
    function = {"importer": "ImporterFunction", "matcher": "MatcherFunction",
                "applier": "ApplierFunction"}[name.split("-")[0]]  # fmt: skip
    if fails:
        # every record of the batch failed: Powertools raises, so SQS retries the batch
        with pytest.raises(BatchProcessingError):
            rt.invoke(function, event)
    else:
        assert rt.invoke(function, event) == {"batchItemFailures": []}
