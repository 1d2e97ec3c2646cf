"""The Ekos simulator follows contracts/ekos-api.md: OAuth, pagination, scans, faults."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from syncbridge.domain.connections.pkce import new_code_verifier, s256_challenge
from syncbridge_local.simulators import ekos as ekos_sim

pytestmark = pytest.mark.integration

CID, SECRET, CB = "sb-test", "sim-secret", "http://127.0.0.1:9/cb"


@pytest.fixture(scope="module")
def server() -> Iterator[ekos_sim.EkosSimulator]:
    sim = ekos_sim.start(seed=3, scale=0.2, client_id=CID, client_secret=SECRET, redirect_uris=[CB])
    yield sim
    sim.stop()


@pytest.fixture
def sim(server) -> ekos_sim.EkosSimulator:
    server.reset(auto_approve=True)
    return server


def authorize(sim, verifier: str, **extra) -> httpx.Response:
    params = {"response_type": "code", "client_id": CID, "redirect_uri": CB, "state": "s1",
              "code_challenge": s256_challenge(verifier), "code_challenge_method": "S256",
              "scope": "read write", **extra}  # fmt: skip
    return httpx.get(f"{sim.url}/oauth/authorize", params=params)


def code_from(response: httpx.Response) -> str:
    return parse_qs(urlparse(response.headers["location"]).query)["code"][0]


def token(sim, auth=(CID, SECRET), **form) -> httpx.Response:
    return httpx.post(f"{sim.url}/oauth/token", data=form, auth=auth)


def exchange(sim, verifier: str | None = None) -> dict:
    verifier = verifier or new_code_verifier()
    code = code_from(authorize(sim, verifier))
    answer = token(
        sim, grant_type="authorization_code", code=code, redirect_uri=CB, code_verifier=verifier
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def get(sim, path: str, access: str, **params) -> httpx.Response:
    return httpx.get(
        f"{sim.url}{path}", params=params, headers={"Authorization": f"Bearer {access}"}
    )


# ------------------------------------------------------------------ OAuth
def test_consent_page_has_approve_and_deny_that_redirect(sim):
    sim.auto_approve = False
    verifier = new_code_verifier()
    page = authorize(sim, verifier)
    assert page.status_code == 200 and 'id="approve"' in page.text and 'id="deny"' in page.text
    hidden = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page.text))
    approved = httpx.post(f"{sim.url}/oauth/authorize", data={**hidden, "decision": "approve"})
    assert approved.status_code == 302 and code_from(approved)
    denied = httpx.post(f"{sim.url}/oauth/authorize", data={**hidden, "decision": "deny"})
    assert parse_qs(urlparse(denied.headers["location"]).query) == {"error": ["access_denied"],
        "error_description": ["The user denied access"], "state": ["s1"]}  # fmt: skip


def test_token_response_shape(sim):
    tokens = exchange(sim)
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600


def test_authorize_requires_s256_pkce(sim):
    answer = authorize(sim, new_code_verifier(), code_challenge_method="plain")
    assert parse_qs(urlparse(answer.headers["location"]).query)["error"] == ["invalid_request"]


@pytest.mark.parametrize(
    ("change", "expected_status"),
    [({"code_verifier": "wrong" * 10}, 400), ({"redirect_uri": CB + "/x"}, 400)],
)
def test_code_exchange_checks_verifier_and_exact_redirect_uri(sim, change, expected_status):
    verifier = new_code_verifier()
    code = code_from(authorize(sim, verifier))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CB,
        "code_verifier": verifier,
    }
    answer = token(sim, **{**form, **change})
    assert answer.status_code == expected_status and answer.json()["error"] == "invalid_grant"


def test_codes_are_single_use_and_reuse_revokes_what_they_issued(sim):
    verifier = new_code_verifier()
    code = code_from(authorize(sim, verifier))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CB,
        "code_verifier": verifier,
    }
    first = token(sim, **form).json()
    assert token(sim, **form).json()["error"] == "invalid_grant"
    assert get(sim, "/api/v1/products", first["access_token"]).status_code == 401


def test_codes_live_sixty_seconds(sim):
    verifier = new_code_verifier()
    code = code_from(authorize(sim, verifier))
    sim.state.clock = lambda: time.time() + 61
    answer = token(
        sim, grant_type="authorization_code", code=code, redirect_uri=CB, code_verifier=verifier
    )
    assert answer.json()["error"] == "invalid_grant"


def test_client_must_authenticate_with_basic(sim):
    assert (
        token(sim, auth=(CID, "nope"), grant_type="refresh_token", refresh_token="x").status_code
        == 401
    )
    answer = httpx.post(f"{sim.url}/oauth/token", data={"grant_type": "refresh_token", "client_id": CID,
                                                        "client_secret": SECRET, "refresh_token": "x"})  # fmt: skip
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_refresh_rotates_and_reuse_revokes_the_family(sim):
    first = exchange(sim)
    second = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert get(sim, "/api/v1/products", second["access_token"]).status_code == 200
    reused = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json() == {"error": "invalid_grant",
                                                           "error_description": "refresh token already used"}  # fmt: skip
    assert get(sim, "/api/v1/products", second["access_token"]).status_code == 401
    assert (
        token(sim, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code
        == 400
    )
    assert sim.state.revoked_families


def test_revoke_answers_200_even_for_unknown_tokens(sim):
    tokens = exchange(sim)
    assert (
        httpx.post(
            f"{sim.url}/oauth/revoke", data={"token": "unknown"}, auth=(CID, SECRET)
        ).status_code
        == 200
    )
    assert httpx.post(f"{sim.url}/oauth/revoke", data={"token": tokens["refresh_token"]},
                      auth=(CID, SECRET)).status_code == 200  # fmt: skip
    assert get(sim, "/api/v1/products", tokens["access_token"]).status_code == 401


# ------------------------------------------------------------------ resources
def test_pagination_order_cursor_and_page_size_limit(sim):
    access = exchange(sim)["access_token"]
    assert get(sim, "/api/v1/products", access, page_size=201).status_code == 422
    rows, cursor = [], None
    while True:
        params = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
        body = get(sim, "/api/v1/product-batches", access, **params).json()
        assert len(body["data"]) <= 7
        rows += body["data"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(rows) == len(sim.dataset.ekos["product-batches"])
    assert rows == sorted(rows, key=lambda r: (r["updated_at"], r["id"]))
    assert any(r["deleted"] for r in rows)  # tombstones are listed


def test_updated_since_is_inclusive_and_sees_changes_and_tombstones(sim):
    access = exchange(sim)["access_token"]
    rows = sim.dataset.ekos["customer-locations"]
    pivot = rows[len(rows) // 2]["updated_at"]
    body = get(sim, "/api/v1/customer-locations", access, updated_since=pivot, page_size=200).json()
    assert body["data"][0]["updated_at"] == pivot
    assert all(r["updated_at"] >= pivot for r in body["data"])
    changed = sim.state.update("customer-locations", rows[0]["id"], deleted=True)
    latest = get(
        sim, "/api/v1/customer-locations", access, updated_since=changed["updated_at"]
    ).json()
    assert {"id": rows[0]["id"], "deleted": True}.items() <= latest["data"][-1].items()


def test_expired_token_gets_bearer_invalid_token(sim):
    access = exchange(sim)["access_token"]
    sim.faults.add("expire_token", path_prefix="/api/v1/products")
    answer = get(sim, "/api/v1/products", access)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_short_access_token_lifetime_option(server):
    sim = ekos_sim.start(scale=0.05, client_id=CID, client_secret=SECRET, redirect_uris=[CB],
                         auto_approve=True, access_token_ttl=1)  # fmt: skip
    now = [time.time()]
    sim.state.clock = lambda: now[0]  # the simulator's clock, stepped by the test
    try:
        tokens = exchange(sim)
        assert tokens["expires_in"] == 1
        now[0] += 0.5
        assert get(sim, "/api/v1/products", tokens["access_token"]).status_code == 200
        now[0] += 0.5  # the lifetime is up
        assert get(sim, "/api/v1/products", tokens["access_token"]).status_code == 401
    finally:
        sim.stop()


# ------------------------------------------------------------------ faults
def test_rate_limit_with_http_date_and_server_errors_with_retry_after(sim):
    access = exchange(sim)["access_token"]
    sim.faults.add("rate_limit", path_prefix="/api/v1/products", times=2, retry_after="date")
    sim.faults.add("server_error", path_prefix="/api/v1/storage", status=503, retry_after=4)
    sim.faults.add("server_error", path_prefix="/api/v1/storage", status=500)
    for _ in range(2):
        limited = get(sim, "/api/v1/products", access)
        assert limited.status_code == 429 and parsedate_to_datetime(limited.headers["Retry-After"])
    assert get(sim, "/api/v1/products", access).status_code == 200
    unavailable = get(sim, "/api/v1/storage-locations", access)
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "4"
    # one answering fault per request: the 500 waited for the next one
    assert get(sim, "/api/v1/storage-locations", access).status_code == 500
    assert get(sim, "/api/v1/storage-locations", access).status_code == 200


def test_slow_pages(sim):
    access = exchange(sim)["access_token"]
    sim.faults.add("slow", path_prefix="/api/v1/products", delay=0.3)
    started = time.monotonic()
    assert get(sim, "/api/v1/products", access).status_code == 200
    assert time.monotonic() - started >= 0.3


# ------------------------------------------------------------------ unit scans
def test_unit_scan_idempotency_semantics(sim):
    access = exchange(sim)["access_token"]
    batch = next(b for b in sim.dataset.ekos["product-batches"] if not b["deleted"])
    location = next(c for c in sim.dataset.ekos["customer-locations"] if not c["deleted"])
    scan = {"scan_id": "s-1", "unit_serial": "KEG-0001", "event": "delivered",
            "product_batch_id": batch["id"], "location_id": location["id"],
            "location_type": "customer", "scanned_at": "2026-03-01T12:00:00Z"}  # fmt: skip

    def post(body, key="key-1"):
        return httpx.post(f"{sim.url}/api/v1/unit-scans", json=body,
                          headers={"Authorization": f"Bearer {access}", "Idempotency-Key": key})  # fmt: skip

    created = post(scan)
    assert created.status_code == 201
    replay = post(scan)
    assert replay.status_code == 200 and replay.json() == created.json()
    assert post({**scan, "event": "returned"}).status_code == 409
    invalid = post({**scan, "product_batch_id": "pb-nope", "event": "lost"}, key="key-2")
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"product_batch_id", "event"}
    assert len(sim.state.received_scans()) == 1
