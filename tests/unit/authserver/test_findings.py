"""Regression tests for the outside test's findings on the authorization server:
scope escalation on consent, CR/LF in the sign-in `next`, no throttling of token/sign-in."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from syncbridge.api import throttle
from syncbridge.authserver.scopes import SCOPES, granted_scope
from syncbridge.authserver.service import (
    ClientRegistration,
    IssuedClient,
    create_person,
    register_client,
)
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import MemoryCounter, api_event, basic, call
from tests.unit.authserver.test_grants import (
    REDIRECT,
    admin_principal,
    authorize_params,
    pkce,
    sign_in,
    token_request,
)


@pytest.fixture
def broad_client(store: OAuthStore, admin: IssuedClient) -> IssuedClient:
    """A client registered for every scope (events:write and admin included)."""
    return register_client(
        store,
        admin_principal(),
        ClientRegistration(
            name="Broad app",
            grant_types=["authorization_code", "refresh_token"],
            scope=" ".join(SCOPES),
            redirect_uris=[REDIRECT],
        ),
    )


def test_granted_scope_is_requested_and_clients_and_roles() -> None:
    everything = " ".join(SCOPES)
    assert granted_scope("admin", everything, ["viewer"]) == frozenset()
    assert granted_scope("admin setup:read", everything, ["viewer"]) == {"setup:read"}
    assert granted_scope(None, everything, ["viewer"]) == {"setup:read", "pest:read", "scans:read"}
    assert granted_scope("setup:write", "setup:read", ["admin"]) == frozenset()
    assert "events:write" not in granted_scope(None, everything, ["admin"])  # machines only


@pytest.mark.parametrize("requested", ["admin", "events:write", "admin events:write"])
def test_viewer_consenting_to_scopes_beyond_the_role_gets_invalid_scope_not_the_clients(
    oauth_fn: Any, store: OAuthStore, broad_client: IssuedClient, requested: str
) -> None:
    """Finding: the empty intersection fell back to the client's whole scope."""
    viewer = create_person(store, "tenant-a", "vic", "viewer")
    session = sign_in(oauth_fn, viewer)
    _, challenge = pkce()
    params = authorize_params(broad_client, challenge, scope=requested)
    for method, extra in (("GET", {}), ("POST", {"decision": "allow", "csrf": "x"})):
        event = (
            api_event(method, "/oauth/authorize", query=params)
            if method == "GET"
            else api_event("POST", "/oauth/authorize", form={**params, **extra})
        )
        event["headers"]["Cookie"] = f"sb_session={session}"
        reply = call(oauth_fn, event)
        assert reply.status == 302, reply.body
        query = parse_qs(urlsplit(reply.header("Location") or "").query)
        assert query["error"] == ["invalid_scope"] and "code" not in query
        assert query["state"] == ["st-123"]


def test_a_viewers_token_never_carries_admin_or_events_write(
    oauth_fn: Any, store: OAuthStore, broad_client: IssuedClient
) -> None:
    viewer = create_person(store, "tenant-a", "val", "viewer")
    session = sign_in(oauth_fn, viewer)
    verifier, challenge = pkce()
    params = authorize_params(broad_client, challenge, scope="admin setup:read events:write")
    cookie = {"Cookie": f"sb_session={session}"}
    consent = call(oauth_fn, api_event("GET", "/oauth/authorize", query=params, headers=cookie))
    assert consent.status == 200 and "admin" not in re.findall(r"<li>([^<]+)</li>", consent.body)
    csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", consent.body).group(1)  # type: ignore[union-attr]
    form = {**params, "csrf": csrf, "decision": "allow"}
    decision = call(oauth_fn, api_event("POST", "/oauth/authorize", form=form, headers=cookie))
    code = parse_qs(urlsplit(decision.header("Location") or "").query)["code"][0]
    reply = token_request(
        oauth_fn,
        broad_client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert reply.status == 200, reply.body
    assert reply.json()["scope"] == "setup:read"


@pytest.mark.parametrize(
    "next_path",
    [
        "/setup\r\nSet-Cookie: sb_session=evil",
        "/setup\nLocation: https://evil.example",
        "/%0d%0aSet-Cookie:x=y",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/setup\x00",
    ],
)
def test_sign_in_next_with_control_characters_never_reaches_location(
    oauth_fn: Any, store: OAuthStore, next_path: str
) -> None:
    person = create_person(store, "tenant-a", "nora", "viewer")
    form = {
        "tenant": "tenant-a",
        "username": "nora",
        "password": person.password,
        "next": next_path,
    }
    reply = call(oauth_fn, api_event("POST", "/oauth/login", form=form))
    assert reply.status in (200, 303), reply.body
    location = reply.header("Location") or ""
    assert not any(c in location for c in "\r\n\x00")
    assert "evil" not in location and "%0d" not in location.lower()
    page = call(oauth_fn, api_event("GET", "/oauth/login", query={"next": next_path}))
    assert page.status == 200 and "evil.example" not in page.body and "\r" not in page.body


@pytest.fixture
def counter() -> Any:
    memory = MemoryCounter()
    throttle.use_counter(memory)
    yield memory
    throttle.use_counter(None)


def test_guessing_a_client_secret_is_throttled_with_retry_after(
    oauth_fn: Any, admin: IssuedClient, counter: MemoryCounter
) -> None:
    wrong = admin.model_copy(update={"client_secret": "guess"})
    statuses = [
        token_request(oauth_fn, wrong, grant_type="client_credentials").status for _ in range(35)
    ]
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}
    reply = token_request(oauth_fn, admin, grant_type="client_credentials")
    assert reply.status == 429 and int(reply.header("Retry-After") or 0) > 0
    assert reply.json()["error"]["code"] == "rate_limited"
    counter.advance()  # the window ends
    assert token_request(oauth_fn, admin, grant_type="client_credentials").status == 200


def test_guessing_a_password_is_throttled_per_person(
    oauth_fn: Any, store: OAuthStore, counter: MemoryCounter
) -> None:
    person = create_person(store, "tenant-a", "otto", "viewer")
    form = {"tenant": "tenant-a", "username": "otto", "password": "wrong"}
    statuses = [
        call(oauth_fn, api_event("POST", "/oauth/login", form=form)).status for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    right = {**form, "password": person.password}
    blocked = call(oauth_fn, api_event("POST", "/oauth/login", form=right))
    assert blocked.status == 429 and blocked.header("Retry-After")
    # another person is not blocked by otto's counter
    other = create_person(store, "tenant-a", "pia", "viewer")
    ok = {"tenant": "tenant-a", "username": "pia", "password": other.password}
    assert call(oauth_fn, api_event("POST", "/oauth/login", form=ok)).status == 200


def test_token_endpoint_basic_header_garbage_is_a_4xx(oauth_fn: Any, counter: Any) -> None:
    latin1 = "Basic " + base64.b64encode(b"\xff\xfe:x").decode()  # not UTF-8 inside
    for header in ("Basic !!!", "Basic " + "A" * 5000, latin1, basic("a", "b")[:9]):
        event = api_event(
            "POST", "/oauth/token", form={"grant_type": "client_credentials"},
            headers={"Authorization": header},
        )  # fmt: skip
        assert 400 <= call(oauth_fn, event).status < 500


def test_authlib_never_logs_an_issued_token_even_at_debug(
    oauth_fn: Any, admin: IssuedClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="authlib")  # someone turns authlib's debug on
    reply = token_request(oauth_fn, admin, grant_type="client_credentials")
    token = reply.json()["access_token"]
    assert "Validate token request" in caplog.text  # authlib's debug lines do arrive
    assert token not in caplog.text and "Issue token" not in caplog.text
    assert (admin.client_secret or "") not in caplog.text
