"""The Ekos client against scripted HTTP answers: Retry-After, backoff, 401 mid-read, scans."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from syncbridge.adapters.ekos import (
    CustomerLocation,
    EkosClient,
    EkosRequestRejected,
    EkosUnauthorized,
    EkosUnavailable,
    IdempotencyConflict,
    ProductBatch,
    RetryPolicy,
    ScanRejected,
    UnitScan,
)
from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.domain.setup.records import home_shape

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class Tokens:
    """A TokenProvider fake: hands out tok-1, then tok-2 after on_unauthorized()."""

    def __init__(self) -> None:
        self.n = 1
        self.unauthorized = 0

    def get_access_token(self) -> str:
        return f"tok-{self.n}"

    def on_unauthorized(self, rejected: str) -> None:
        assert rejected == f"tok-{self.n}"
        self.unauthorized += 1
        self.n += 1


def make_client(handler, sleeps: list[float], tokens: Tokens | None = None, **policy) -> EkosClient:
    retry = RetryPolicy(sleep=sleeps.append, rng=random.Random(1), **policy)
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return EkosClient("https://ekos.test", tokens or Tokens(), http=http, retry=retry)


def rec(i: int) -> dict:
    return {"id": f"cl-{i}", "updated_at": "2026-01-01T00:00:00Z", "deleted": False, "name": f"Bar {i}",
            "address": {"line1": "1 Main Street", "city": "Austin", "state": "TX", "postal_code": "78701",
                        "country": "US"}, "lat": 30.2, "lon": -97.7, "phone": "(512) 555-0100"}  # fmt: skip


# ------------------------------------------------------------------ Retry-After
def test_retry_after_seconds_is_honoured_then_the_call_succeeds():
    sleeps: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}),
                    httpx.Response(200, json={"data": [rec(1)], "next_cursor": None})])  # fmt: skip
    client = make_client(lambda req: next(answers), sleeps)
    page = client.get_page("customer-locations")
    assert sleeps == [7.0] and [r.id for r in page.records] == ["cl-1"]


def test_retry_after_http_date_is_honoured_and_capped():
    sleeps: list[float] = []
    far = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    near = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    answers = iter([httpx.Response(429, headers={"Retry-After": near}),
                    httpx.Response(503, headers={"Retry-After": far}),
                    httpx.Response(200, json={"data": [], "next_cursor": None})])  # fmt: skip
    client = make_client(lambda req: next(answers), sleeps, max_retry_after=60)
    client.get_page("products")
    assert 3.5 <= sleeps[0] <= 5.0
    assert sleeps[1] == 60  # two hours asked, capped


def test_server_errors_back_off_exponentially_with_jitter_and_give_up():
    sleeps: list[float] = []
    calls = []

    def always_502(request):
        calls.append(request)
        return httpx.Response(502)

    client = make_client(always_502, sleeps, attempts=4, base_delay=1.0, max_delay=100)
    with pytest.raises(EkosUnavailable) as failed:
        client.get_page("products")
    assert failed.value.status == 502 and len(calls) == 4 and len(sleeps) == 3
    assert "after 4 attempts" in str(failed.value)
    for attempt, slept in enumerate(sleeps, start=1):
        assert 0 <= slept <= 2 ** (attempt - 1)


def test_network_errors_are_retried():
    sleeps: list[float] = []
    state = {"n": 0}

    def flaky(request):
        state["n"] += 1
        if state["n"] == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"data": [], "next_cursor": None})

    make_client(flaky, sleeps).get_page("products")
    assert state["n"] == 2 and len(sleeps) == 1


def test_client_errors_are_not_retried():
    sleeps: list[float] = []
    client = make_client(
        lambda req: httpx.Response(422, json={"errors": [{"field": "page_size"}]}), sleeps
    )
    with pytest.raises(EkosRequestRejected) as rejected:
        client.get_page("products")
    assert rejected.value.status == 422 and sleeps == []


# ------------------------------------------------------------------ 401 mid-read
def test_token_expiring_mid_pagination_refreshes_and_retries_the_same_page():
    # Given Ekos expires tok-1 after the first page
    seen: list[tuple[str | None, str]] = []

    def ekos(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        token = request.headers["Authorization"].removeprefix("Bearer ")
        seen.append((cursor, token))
        if cursor is None:
            return httpx.Response(200, json={"data": [rec(1)], "next_cursor": "c2"})
        if token == "tok-1":
            return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if cursor == "c2":
            return httpx.Response(200, json={"data": [rec(2)], "next_cursor": "c3"})
        return httpx.Response(200, json={"data": [rec(3)], "next_cursor": None})

    tokens = Tokens()
    client = make_client(ekos, [], tokens)
    # When every page is read
    ids = [r.id for page in client.iter_pages("customer-locations") for r in page.records]
    # Then the second page was retried with the refreshed token and the same cursor
    assert ids == ["cl-1", "cl-2", "cl-3"]
    assert seen == [(None, "tok-1"), ("c2", "tok-1"), ("c2", "tok-2"), ("c3", "tok-2")]
    assert tokens.unauthorized == 1


def test_persistent_401_after_refresh_is_unauthorized():
    client = make_client(lambda req: httpx.Response(401), [], Tokens())
    with pytest.raises(EkosUnauthorized):
        client.get_page("products")


def test_updated_since_and_page_size_are_sent_as_the_contract_says():
    captured: list[httpx.URL] = []

    def ekos(request):
        captured.append(request.url)
        return httpx.Response(200, json={"data": [], "next_cursor": None})

    client = make_client(ekos, [])
    client.get_page("products", updated_since=datetime(2026, 1, 1, tzinfo=UTC), page_size=999)
    assert captured[0].params["updated_since"] == "2026-01-01T00:00:00Z"
    assert captured[0].params["page_size"] == "200"
    with pytest.raises(ValueError):
        client.get_page("kegs")


# ------------------------------------------------------------------ unit scans
SCAN = UnitScan(scan_id="s-1", unit_serial="KEG-1", event="delivered", product_batch_id="pb-1",
                location_id="cl-1", location_type="customer", scanned_at=NOW)  # fmt: skip


@pytest.mark.parametrize(("status", "replayed"), [(201, False), (200, True)])
def test_scan_created_or_replayed(status, replayed):
    def ekos(request):
        assert request.headers["Idempotency-Key"] == "key-1"
        body = json.loads(request.content)
        assert body["scanned_at"] == "2026-03-01T12:00:00Z"
        return httpx.Response(status, json={"id": "us-1", **body})

    receipt = make_client(ekos, []).post_unit_scan(SCAN, "key-1")
    assert receipt.id == "us-1" and receipt.replayed is replayed


def test_scan_conflict_and_validation_errors_are_typed():
    client = make_client(
        lambda req: httpx.Response(409, json={"error": "idempotency_key_reused"}), []
    )
    with pytest.raises(IdempotencyConflict):
        client.post_unit_scan(SCAN, "key-1")
    errors = [{"field": "product_batch_id", "message": "unknown product batch"}]
    client = make_client(lambda req: httpx.Response(422, json={"errors": errors}), [])
    with pytest.raises(ScanRejected) as rejected:
        client.post_unit_scan(SCAN, "key-2")
    assert rejected.value.errors == errors


# ------------------------------------------------------------------ models
def test_records_reach_the_setup_in_the_home_shape():
    # What production does with an Ekos record: EkosRecordSource dumps the model as JSON,
    # the Ekos mapper (through the setup's `home_shape`) maps it to the home platform's
    # (and the matcher's) fields.
    def from_erp(rtype, record, product_ids=None):
        return home_shape(EkosRecordMapper(), rtype, record, product_ids)

    loc = CustomerLocation.model_validate(
        {**rec(1), "address": {**rec(1)["address"], "line2": "Suite 4"}}
    )
    assert from_erp("customer-locations", loc.model_dump(mode="json")) == {
        "id": "cl-1", "name": "Bar 1", "customer_name": None, "address": "1 Main Street Suite 4",
        "city": "Austin", "state": "TX", "postal_code": "78701", "country": "US",
        "phone": "(512) 555-0100", "email": None, "lat": 30.2, "lon": -97.7,
    }  # fmt: skip
    batch = ProductBatch.model_validate({"id": "pb-1", "updated_at": "2026-01-01T00:00:00Z", "lot_code": "L1",
                                         "product_id": "p-1", "brewed_at": "2025-12-01T00:00:00Z",
                                         "quantity": 12, "unit": "keg", "future_field": 1})  # fmt: skip
    dumped = batch.model_dump(mode="json")
    assert dumped["updated_at"] == "2026-01-01T00:00:00Z" and dumped["future_field"] == 1
    home = from_erp("product-batches", dumped, {"p-1": "home-p-1"})
    assert (home["product_id"], home["erp_product_id"]) == ("home-p-1", "p-1")
    assert home["produced_at"] == "2025-12-01T00:00:00Z"
