"""Bad callbacks are refused with a clear page and store nothing; secrets never leak;
one tenant can never see or disconnect another's connection."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx
import pytest

from syncbridge.observability import logger as sb_logger
from tests.integration.ekos.conftest import CALLBACK, CLIENT_SECRET, TENANT_A, TENANT_B

pytestmark = pytest.mark.integration


def _assert_nothing_stored(aws_env) -> None:
    assert aws_env.connection_items() == []
    assert aws_env.import_messages() == []


def _refused(page, code: str) -> None:
    assert 400 <= page.status < 500, page.body
    assert page.headers["content-type"].startswith("text/html")
    assert "Ekos was not connected" in page.body and code in page.body


def test_wrong_state_is_refused(api, aws_env, sim):
    query = api.follow_to_ekos(api.start(TENANT_A))
    query["state"] = query["state"][:-4] + "AAAA"
    _refused(api.callback(query), "invalid_state")
    _assert_nothing_stored(aws_env)


def test_missing_state_is_refused(api, aws_env, sim):
    query = api.follow_to_ekos(api.start(TENANT_A))
    del query["state"]
    _refused(api.callback(query), "invalid_state")
    _assert_nothing_stored(aws_env)


def test_replayed_callback_is_refused_and_changes_nothing(api, aws_env, sim):
    query = api.follow_to_ekos(api.start(TENANT_A))
    assert api.callback(query).status == 200
    before = aws_env.connection_items()
    aws_env.import_messages()
    _refused(api.callback(query), "invalid_state")
    assert aws_env.connection_items() == before and aws_env.import_messages() == []


def test_reused_code_is_refused_with_the_token_endpoint_error(api, aws_env, sim):
    # Given a code already exchanged for tenant A
    first = api.follow_to_ekos(api.start(TENANT_A))
    assert api.callback(first).status == 200
    aws_env.import_messages()
    # When tenant B's fresh attempt comes back carrying that used code
    second = api.follow_to_ekos(api.start(TENANT_B))
    page = api.callback({"state": second["state"], "code": first["code"]})
    # Then Ekos's invalid_grant is shown, and nothing is stored for B
    _refused(page, "invalid_grant")
    assert [i["tenant_id"] for i in aws_env.connection_items()] == [TENANT_A]
    assert aws_env.import_messages() == []


def test_code_issued_to_a_tampered_redirect_uri_is_refused(api, aws_env, sim):
    # Given an attacker swapped the redirect_uri for another one Ekos also knows
    evil = "https://evil.example/steal"
    sim.register_client(
        "sync-bridge", sim.state.clients["sync-bridge"].client_secret, [CALLBACK, evil]
    )
    url = urlparse(api.start(TENANT_A))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    params["redirect_uri"] = evil
    answer = httpx.get(urlunparse(url._replace(query=urlencode(params))))
    assert answer.headers["location"].startswith(evil)
    stolen = {k: v[0] for k, v in parse_qs(urlparse(answer.headers["location"]).query).items()}
    # When the stolen code is replayed into our callback with the victim's state
    page = api.callback(stolen)
    # Then the exchange (with the redirect URI bound to the state) fails; nothing stored
    _refused(page, "invalid_grant")
    _assert_nothing_stored(aws_env)


def test_unregistered_redirect_uri_is_never_redirected_to(api, sim):
    url = urlparse(api.start(TENANT_A))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    params["redirect_uri"] = "https://evil.example/steal"
    answer = httpx.get(urlunparse(url._replace(query=urlencode(params))))
    assert answer.status_code == 400 and "location" not in answer.headers


def test_access_denied_is_shown_to_the_person(api, aws_env, sim):
    sim.auto_approve = "deny"
    query = api.follow_to_ekos(api.start(TENANT_A))
    assert query["error"] == "access_denied"
    page = api.callback(query)
    _refused(page, "access_denied")
    assert "declined" in page.body
    _assert_nothing_stored(aws_env)


def test_callback_for_another_signed_in_tenant_is_refused(api, aws_env, sim):
    query = api.follow_to_ekos(api.start(TENANT_A))
    _refused(api.callback(query, tenant=TENANT_B), "invalid_state")
    _assert_nothing_stored(aws_env)


def test_hijack_attackers_link_followed_by_a_victim_connects_nothing(api, aws_env, sim):
    """Finding: an attacker's started link, approved and followed by a victim signed in to
    another tenant, connected the victim's Ekos to the attacker's tenant."""
    # Given the attacker (tenant A) starts connecting and keeps the Ekos link
    attacker_link = api.start(TENANT_A)
    # When a victim signed in to tenant B approves at Ekos and follows it back
    query = api.follow_to_ekos(attacker_link)
    page = api.callback(query, tenant=TENANT_B, subject="victim@b.example", cookie=None)
    # Then it is refused, nothing is stored for anyone, and no import starts
    _refused(page, "invalid_state")
    _assert_nothing_stored(aws_env)
    # and a second person of the SAME tenant, in another browser, is refused too
    query = api.follow_to_ekos(api.start(TENANT_A))
    other = api.callback(query, tenant=TENANT_A, subject="colleague@a.example", cookie="x=y")
    _refused(other, "invalid_state")
    _assert_nothing_stored(aws_env)


def test_callback_needs_a_signed_in_principal(api, aws_env, sim):
    query = api.follow_to_ekos(api.start(TENANT_A))
    answer = api.call("GET", "/oauth/ekos/callback", query=query)
    assert answer.status == 401
    _assert_nothing_stored(aws_env)


def test_tenants_cannot_see_or_disconnect_each_other(api, aws_env, sim):
    assert api.connect(TENANT_A).status == 200
    listed = api.call("GET", "/connections", tenant=TENANT_B)
    assert listed.status == 200 and listed.json() == {"connections": []}
    refused = api.call("DELETE", "/connections/ekos", tenant=TENANT_B)
    assert refused.status == 404
    [item] = aws_env.connection_items()
    assert item["tenant_id"] == TENANT_A and item["status"] == "active"
    assert not sim.state.revoked_families


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/connections/ekos/start"),
        ("GET", "/connections"),
        ("DELETE", "/connections/ekos"),
        ("GET", "/oauth/ekos/callback"),
    ],
)
def test_tenant_routes_need_a_principal(api, method, path):
    answer = api.call(method, path)
    assert answer.status == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_tokens_and_client_secret_never_reach_logs_or_responses(api, aws_env, sim, capfd, caplog):
    # Given our logs and the HTTP/OAuth libraries' at DEBUG, everything else at INFO
    # (botocore's DEBUG dumps raw AWS responses by design; production never enables it)
    caplog.set_level(logging.INFO)
    for name in (sb_logger.name, "httpx", "httpcore", "authlib", "syncbridge"):
        caplog.set_level(logging.DEBUG, logger=name)
    previous = sb_logger.log_level
    sb_logger.setLevel("DEBUG")
    try:
        bodies = [api.connect(TENANT_A).body]
        sim.faults.add("expire_token", path_prefix="/api/v1/products", after=1)
        from tests.integration.ekos.test_connect_end_to_end import _fast_client

        with _fast_client(TENANT_A, []) as client:
            assert sum(len(p.records) for p in client.iter_pages("products", page_size=50)) > 0
        bodies.append(api.call("GET", "/connections", tenant=TENANT_A).body)
        bodies.append(api.call("DELETE", "/connections/ekos", tenant=TENANT_A).body)
        bodies.append(api.callback({"state": "x", "code": "y"}).body)
    finally:
        sb_logger.setLevel(previous)
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "ekos token refreshed" in logs  # the logs were really captured
    secrets = [*sim.state.access_tokens, *sim.state.refresh_tokens, CLIENT_SECRET]
    assert len(secrets) >= 5
    for secret in secrets:
        assert secret not in logs
        assert all(secret not in body for body in bodies)
