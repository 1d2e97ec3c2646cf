"""Every sample event in events/ for the OAuth server, authorizer and events route runs
through its handler and gets the answer its name promises.

The OAuth samples name a client, a person, a session, tokens and a code of tenant
`acme-brewing` (the secrets are in the samples themselves, e.g. the Basic header). Each
case first stores exactly the records its sample relies on, so a sample that should
succeed is checked for success (a 401 on `oauth-token-client-credentials` fails), and a
sample that should be refused is refused for its own reason (the wrong secret, not an
unknown client).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from syncbridge.authserver import credentials
from syncbridge.authserver.models import Client, CodeRecord, Person, TokenRecord, now
from syncbridge.authserver.scopes import format_scope, scopes_for_roles
from syncbridge.authserver.service import (
    SESSION_CLIENT_ID,
    authenticate_bearer,
    csrf_token,
)
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import Reply, call
from tests.helpers.functions import ROOT, FakeContext, load_function
from tests.helpers.moto import template_resources

EVENTS = ROOT / "events"
TENANT = "acme-brewing"
REDIRECT = "https://dashboard.example/callback"


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def form(event: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(event["body"]).items()}


def sample_client_secret() -> tuple[str, str]:
    """The client id and secret the samples authenticate with (their Basic header)."""
    header = sample("oauth-token-client-credentials")["headers"]["Authorization"]
    client_id, _, secret = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    return client_id, secret


class SampleWorld:
    """Stores the records of tenant acme-brewing that the sample events refer to."""

    def __init__(self, store: OAuthStore) -> None:
        self.store = store
        self.client_id, self.client_secret = sample_client_secret()
        self.session = sample("oauth-logout")["headers"]["Cookie"].split("=", 1)[1]
        self.access = form(sample("oauth-introspect"))["token"]
        self.refresh = form(sample("oauth-token-refresh"))["refresh_token"]
        self.code = form(sample("oauth-token-authorization-code"))["code"]
        self.login = form(sample("oauth-login-post"))

    def client(self) -> None:
        self.store.add_client(
            Client(
                client_id=self.client_id,
                tenant_id=TENANT,
                name="Acme dashboard",
                secret_hash=credentials.hash_secret(self.client_secret),
                grant_types=["client_credentials", "authorization_code", "refresh_token"],
                scope="events:write setup:read setup:write",
                roles=["operator"],
                redirect_uris=[REDIRECT],
            )
        )

    def person(self) -> None:
        self.store.add_person(
            Person(
                tenant_id=TENANT,
                username=self.login["username"],
                role="operator",
                password_hash=credentials.hash_secret(self.login["password"]),
            )
        )

    def _token(self, value: str, kind: str, **fields: Any) -> None:
        issued = now()
        self.store.put_token(
            TokenRecord.model_validate(
                {
                    "digest": credentials.digest(value),
                    "kind": kind,
                    "tenant_id": TENANT,
                    "client_id": self.client_id,
                    "subject": self.client_id,
                    "scope": "setup:read setup:write",
                    "roles": ["operator"],
                    "issued_at": issued,
                    "expires_at": issued + 900,
                    "family_id": uuid.uuid4().hex,
                }
                | fields
            )
        )

    def session_token(self) -> None:
        self._token(
            self.session,
            "access_token",
            client_id=SESSION_CLIENT_ID,
            subject="alice",
            scope=format_scope(scopes_for_roles(frozenset({"operator"}))),
            session=True,
        )

    def access_token(self) -> None:
        self._token(self.access, "access_token")

    def refresh_token(self) -> None:
        self._token(self.refresh, "refresh_token", expires_at=now() + 3600)

    def authorization_code(self) -> None:
        event = sample("oauth-authorize-get")["queryStringParameters"]
        self.store.put_code(
            CodeRecord(
                digest=credentials.digest(self.code),
                tenant_id=TENANT,
                client_id=self.client_id,
                redirect_uri=REDIRECT,
                scope="setup:read setup:write",
                subject="alice",
                roles=["operator"],
                code_challenge=event["code_challenge"],
                code_challenge_method="S256",
                expires_at=now() + 60,
                family_id=uuid.uuid4().hex,
            )
        )


@pytest.fixture
def world(oauth_table: Any) -> SampleWorld:
    return SampleWorld(OAuthStore(oauth_table))


# ------------------------------------------------------------------ what each sample promises
def _metadata(reply: Reply, world: SampleWorld) -> None:
    body = reply.json()
    assert body["issuer"] == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev"
    assert body["token_endpoint"] == body["issuer"] + "/oauth/token"
    assert body["code_challenge_methods_supported"] == ["S256"]


def _login_form(reply: Reply, world: SampleWorld) -> None:
    assert "<form" in reply.text and "/oauth/login" in reply.text
    assert 'name="password"' in reply.text or "name='password'" in reply.text


def _signed_in(reply: Reply, world: SampleWorld) -> None:
    assert urlsplit(reply.header("Location") or "").path.endswith("/setup")
    cookie = reply.header("Set-Cookie") or ""
    assert cookie.startswith("sb_session=") and "HttpOnly" in cookie
    principal = authenticate_bearer(world.store, cookie.split(";")[0].split("=", 1)[1])
    assert principal is not None
    assert (principal.tenant_id, principal.subject) == (TENANT, world.login["username"])


def _signed_out(reply: Reply, world: SampleWorld) -> None:
    assert "Max-Age=0" in (reply.header("Set-Cookie") or "")
    assert authenticate_bearer(world.store, world.session) is None


def _to_sign_in(reply: Reply, world: SampleWorld) -> None:
    location = urlsplit(reply.header("Location") or "")
    assert location.path.endswith("/oauth/login")
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["tenant"] == TENANT
    resumed = {k: v[0] for k, v in parse_qs(urlsplit(query["next"]).query).items()}
    assert resumed == sample("oauth-authorize-get")["queryStringParameters"]


def _tokens(scope: str, refresh: bool) -> Callable[[Reply, SampleWorld], None]:
    def check(reply: Reply, world: SampleWorld) -> None:
        body = reply.json()
        assert body["token_type"] == "Bearer" and body["scope"] == scope
        assert ("refresh_token" in body) is refresh
        principal = authenticate_bearer(world.store, body["access_token"])
        assert principal is not None and principal.tenant_id == TENANT
        assert principal.client_id == world.client_id

    return check


def _rotated(reply: Reply, world: SampleWorld) -> None:
    _tokens("setup:read setup:write", refresh=True)(reply, world)
    assert reply.json()["refresh_token"] != world.refresh
    old = world.store.get_token(TENANT, credentials.digest(world.refresh), "refresh_token")
    assert old is not None and old.revoked


def _invalid_client(reply: Reply, world: SampleWorld) -> None:
    assert reply.json()["error"] == "invalid_client"
    # The client exists: it is the secret that was refused, not an unknown client id.
    assert world.store.get_client(TENANT, world.client_id) is not None


def _revoked(reply: Reply, world: SampleWorld) -> None:
    assert authenticate_bearer(world.store, world.access) is None


def _introspected(reply: Reply, world: SampleWorld) -> None:
    body = reply.json()
    assert body["active"] is True
    assert (body["tenant_id"], body["client_id"]) == (TENANT, world.client_id)


def _invited(reply: Reply, world: SampleWorld) -> None:
    body = reply.json()
    assert (body["tenant_id"], body["username"], body["role"]) == (TENANT, "alice", "operator")
    person = world.store.get_person(TENANT, "alice")
    assert person is not None and credentials.verify_secret(body["password"], person.password_hash)


def _registered(reply: Reply, world: SampleWorld) -> None:
    body = reply.json()
    client = world.store.get_client(TENANT, body["client_id"])
    assert client is not None and client.scope == "events:write"
    assert client.check_client_secret(body["client_secret"])


# sample -> (records it needs, status, what else its answer must show)
EXPECTED: dict[str, tuple[tuple[str, ...], int, Callable[[Reply, SampleWorld], None]]] = {
    "oauth-metadata": ((), 200, _metadata),
    "oauth-login-get": ((), 200, _login_form),
    "oauth-login-post": (("person",), 303, _signed_in),
    "oauth-logout": (("session_token",), 200, _signed_out),
    "oauth-authorize-get": (("client",), 303, _to_sign_in),
    "oauth-token-authorization-code": (
        ("client", "person", "authorization_code"),
        200,
        _tokens("setup:read setup:write", refresh=True),
    ),
    "oauth-token-client-credentials": (("client",), 200, _tokens("events:write", refresh=False)),
    "oauth-token-refresh": (("client", "refresh_token"), 200, _rotated),
    "oauth-token-wrong-secret": (("client",), 401, _invalid_client),
    "oauth-revoke": (("client", "access_token"), 200, _revoked),
    "oauth-introspect": (("client", "access_token"), 200, _introspected),
    "oauth-invite-user": ((), 201, _invited),
    "oauth-register-client": ((), 201, _registered),
}


def test_every_oauth_sample_has_an_expected_answer() -> None:
    # oauth-authorize-post carries a placeholder CSRF value: its own tests are below.
    assert {p.stem for p in EVENTS.glob("oauth-*.json")} == {*EXPECTED, "oauth-authorize-post"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_oauth_sample_gets_the_answer_its_name_promises(
    oauth_fn: Any, world: SampleWorld, name: str
) -> None:
    needs, status, check = EXPECTED[name]
    for record in needs:
        getattr(world, record)()
    reply = call(oauth_fn, sample(name))
    assert reply.status == status, reply.body
    check(reply, world)


def test_authorize_sample_for_a_signed_in_person_shows_the_consent_form(
    oauth_fn: Any, world: SampleWorld
) -> None:
    world.client()
    world.person()
    world.session_token()
    event = sample("oauth-authorize-get")
    event["headers"]["Cookie"] = f"sb_session={world.session}"
    event["multiValueHeaders"]["Cookie"] = [event["headers"]["Cookie"]]
    reply = call(oauth_fn, event)
    assert reply.status == 200, reply.body
    assert "Acme dashboard" in reply.text
    assert csrf_token(world.session) in reply.text
    assert "setup:write" in reply.text


def test_consent_sample_with_the_sessions_csrf_value_redirects_with_a_code(
    oauth_fn: Any, world: SampleWorld
) -> None:
    world.client()
    world.person()
    world.session_token()
    event = sample("oauth-authorize-post")
    event["body"] = urlencode(form(event) | {"csrf": csrf_token(world.session)})
    reply = call(oauth_fn, event)
    assert reply.status == 302, reply.body
    location = urlsplit(reply.header("Location") or "")
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"] == "af0ifjsldkj"
    assert credentials.tenant_of(query["code"]) == TENANT


def test_consent_sample_as_shipped_is_refused_for_its_stale_csrf_value(
    oauth_fn: Any, world: SampleWorld
) -> None:
    world.client()
    world.person()
    world.session_token()
    reply = call(oauth_fn, sample("oauth-authorize-post"))
    assert reply.status == 400, reply.body
    assert reply.header("Location") is None


@pytest.mark.parametrize(
    ("name", "status"),
    [("api-events-push", 202), ("api-events-invalid", 422), ("api-events-no-scope", 403)],
)
def test_events_route_samples(
    oauth_table: Any, monkeypatch: pytest.MonkeyPatch, name: str, status: int
) -> None:
    template_resources(monkeypatch, "EventsQueue")
    assert call(load_function("api"), sample(name)).status == status


@pytest.mark.parametrize(
    "name", ["authorizer-bearer", "authorizer-session-cookie", "authorizer-missing-token"]
)
def test_authorizer_samples_with_unknown_tokens_are_unauthorized(
    oauth_table: Any, name: str
) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        load_function("authorizer").lambda_handler(sample(name), FakeContext())
