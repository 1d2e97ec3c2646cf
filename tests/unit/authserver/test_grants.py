"""Token endpoint grants over the OAuth function: client credentials, code + PKCE, refresh."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from syncbridge.api.principal import Principal
from syncbridge.authserver.service import (
    ClientRegistration,
    IssuedClient,
    create_person,
    register_client,
)
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import Reply, api_event, basic, call

REDIRECT = "https://app.example/callback"


def token_request(fn: Any, client: IssuedClient, **form: str) -> Reply:
    headers = {"Authorization": basic(client.client_id, client.client_secret or "")}
    return call(fn, api_event("POST", "/oauth/token", form=form, headers=headers))


def introspect(fn: Any, client: IssuedClient, token: str) -> dict[str, Any]:
    headers = {"Authorization": basic(client.client_id, client.client_secret or "")}
    return call(
        fn, api_event("POST", "/oauth/introspect", form={"token": token}, headers=headers)
    ).json()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


def admin_principal(tenant: str = "tenant-a") -> Principal:
    return Principal(
        tenant_id=tenant,
        client_id="admin",
        subject="admin",
        scopes=frozenset({"admin"}),
        roles=frozenset({"admin"}),
    )


# ------------------------------------------------------------------ client credentials
def test_client_credentials_issues_a_short_lived_bearer_token(
    oauth_fn: Any, admin: IssuedClient
) -> None:
    # Given the tenant's admin client
    # When it asks for a token with one of its scopes
    reply = token_request(oauth_fn, admin, grant_type="client_credentials", scope="events:write")
    # Then it gets an opaque bearer token for exactly that scope, valid 15 minutes, no refresh
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "events:write"
    assert body["expires_in"] == 900
    assert "refresh_token" not in body
    assert reply.header("Cache-Control") == "no-store"
    # And introspection shows it active, bound to tenant A
    info = introspect(oauth_fn, admin, body["access_token"])
    assert info["active"] is True
    assert info["tenant_id"] == "tenant-a"
    assert info["client_id"] == admin.client_id


def test_client_credentials_without_scope_gets_the_clients_scopes(
    oauth_fn: Any, admin: IssuedClient
) -> None:
    reply = token_request(oauth_fn, admin, grant_type="client_credentials")
    assert reply.status == 200
    assert set(reply.json()["scope"].split()) == set(admin.scope.split())


def test_wrong_secret_is_401_invalid_client(oauth_fn: Any, admin: IssuedClient) -> None:
    # Given a correct client id but a wrong secret
    wrong = admin.model_copy(update={"client_secret": "not-the-secret"})
    # When it asks for a token
    reply = token_request(oauth_fn, wrong, grant_type="client_credentials")
    # Then 401 invalid_client with a Basic challenge, and no token
    assert reply.status == 401
    assert reply.json()["error"] == "invalid_client"
    assert (reply.header("WWW-Authenticate") or "").startswith("Basic")
    assert "access_token" not in reply.body


def test_unknown_client_is_401_invalid_client(oauth_fn: Any, admin: IssuedClient) -> None:
    ghost = admin.model_copy(update={"client_id": "sb_client.tenant-a.nobody"})
    reply = token_request(oauth_fn, ghost, grant_type="client_credentials")
    assert reply.status == 401
    assert reply.json()["error"] == "invalid_client"


@pytest.mark.parametrize("scope", ["events:write bogus:scope", "superuser"])
def test_unknown_scope_is_invalid_scope(oauth_fn: Any, admin: IssuedClient, scope: str) -> None:
    reply = token_request(oauth_fn, admin, grant_type="client_credentials", scope=scope)
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_scope"


def test_scope_beyond_the_clients_registration_is_invalid_scope(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    # Given an ERP client registered only for events:write
    ekos = register_client(
        store, admin_principal(), ClientRegistration(name="Ekos", scope="events:write")
    )
    # When it asks for admin
    reply = token_request(oauth_fn, ekos, grant_type="client_credentials", scope="admin")
    # Then invalid_scope
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_scope"


def test_unsupported_grant_type(oauth_fn: Any, admin: IssuedClient) -> None:
    reply = token_request(oauth_fn, admin, grant_type="password", username="x", password="y")
    assert reply.status == 400
    assert reply.json()["error"] == "unsupported_grant_type"


# ------------------------------------------------------------------ authorization code + PKCE
@pytest.fixture
def web_client(store: OAuthStore, admin: IssuedClient) -> IssuedClient:
    return register_client(
        store,
        admin_principal(),
        ClientRegistration(
            name="Brewery dashboard",
            grant_types=["authorization_code", "refresh_token"],
            scope="setup:read setup:write pest:read",
            redirect_uris=[REDIRECT],
        ),
    )


@pytest.fixture
def alice(store: OAuthStore) -> Any:
    return create_person(store, "tenant-a", "alice", "operator")


def sign_in(fn: Any, person: Any, next_path: str = "") -> str:
    reply = call(
        fn,
        api_event(
            "POST",
            "/oauth/login",
            form={
                "tenant": person.tenant_id,
                "username": person.username,
                "password": person.password,
                "next": next_path,
            },
        ),
    )
    assert reply.status in (200, 303), reply.body
    cookie = reply.header("Set-Cookie") or ""
    match = re.match(r"sb_session=([^;]+);", cookie)
    assert match, cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    return match.group(1)


def authorize_params(client: IssuedClient, challenge: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "scope": "setup:read setup:write",
        "state": "st-123",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params | extra


def obtain_code(fn: Any, client: IssuedClient, person: Any, challenge: str) -> str:
    params = authorize_params(client, challenge)
    # Without a session the authorize endpoint sends the person to sign in first
    first = call(fn, api_event("GET", "/oauth/authorize", query=params))
    assert first.status == 303
    login_url = urlsplit(first.header("Location") or "")
    assert login_url.path == "/oauth/login"
    next_path = parse_qs(login_url.query)["next"][0]
    session = sign_in(fn, person, next_path)
    # Signed in, the consent page lists what the client asks for, with a CSRF value
    consent = call(
        fn,
        api_event(
            "GET", "/oauth/authorize", query=params, headers={"Cookie": f"sb_session={session}"}
        ),
    )
    assert consent.status == 200, consent.body
    assert "Brewery dashboard" in consent.body and "setup:write" in consent.body
    csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", consent.body).group(1)  # type: ignore[union-attr]
    # Allowing redirects back to the client with a code and the state
    decision = call(
        fn,
        api_event(
            "POST",
            "/oauth/authorize",
            form={**params, "csrf": csrf, "decision": "allow"},
            headers={"Cookie": f"sb_session={session}"},
        ),
    )
    assert decision.status == 302, decision.body
    location = urlsplit(decision.header("Location") or "")
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


def code_exchange_form(fn: Any, client: IssuedClient, person: Any) -> dict[str, str]:
    """The token request form that redeems a fresh PKCE authorization code for `person`."""
    verifier, challenge = pkce()
    return {
        "grant_type": "authorization_code",
        "code": obtain_code(fn, client, person, challenge),
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }


def test_authorization_code_with_pkce_issues_tokens_for_the_person(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    reply = token_request(oauth_fn, web_client, **code_exchange_form(oauth_fn, web_client, alice))
    assert reply.status == 200, reply.body
    tokens = reply.json()
    assert tokens["refresh_token"]
    assert set(tokens["scope"].split()) == {"setup:read", "setup:write"}
    info = introspect(oauth_fn, web_client, tokens["access_token"])
    assert info["active"] is True and info["sub"] == "alice" and info["roles"] == "operator"


def test_authorize_without_code_challenge_is_rejected(
    oauth_fn: Any, web_client: IssuedClient
) -> None:
    # PKCE is required for every client: no challenge -> invalid_request back to the client
    reply = call(
        oauth_fn, api_event("GET", "/oauth/authorize", query=authorize_params(web_client, None))
    )
    assert reply.status == 302
    query = parse_qs(urlsplit(reply.header("Location") or "").query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["st-123"]


def test_plain_code_challenge_method_is_rejected(oauth_fn: Any, web_client: IssuedClient) -> None:
    params = authorize_params(web_client, "x" * 43) | {"code_challenge_method": "plain"}
    reply = call(oauth_fn, api_event("GET", "/oauth/authorize", query=params))
    assert reply.status == 302
    assert parse_qs(urlsplit(reply.header("Location") or "").query)["error"] == ["invalid_request"]


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    oauth_fn: Any, web_client: IssuedClient
) -> None:
    _, challenge = pkce()
    params = authorize_params(web_client, challenge, redirect_uri="https://evil.example/cb")
    reply = call(oauth_fn, api_event("GET", "/oauth/authorize", query=params))
    assert reply.status == 400
    assert reply.header("Location") is None
    assert "text/html" in (reply.header("Content-Type") or "")


def test_wrong_code_verifier_is_invalid_grant(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    _, challenge = pkce()
    code = obtain_code(oauth_fn, web_client, alice, challenge)
    other_verifier, _ = pkce()
    reply = token_request(
        oauth_fn,
        web_client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=other_verifier,
    )
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_grant"


def test_missing_code_verifier_is_rejected(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    _, challenge = pkce()
    code = obtain_code(oauth_fn, web_client, alice, challenge)
    reply = token_request(
        oauth_fn, web_client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_request"


def test_reused_code_is_rejected_and_revokes_what_it_issued(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    form = code_exchange_form(oauth_fn, web_client, alice)
    first = token_request(oauth_fn, web_client, **form)
    assert first.status == 200
    # When the same code is presented again
    second = token_request(oauth_fn, web_client, **form)
    # Then invalid_grant, and the tokens from the first use stop working
    assert second.status == 400
    assert second.json()["error"] == "invalid_grant"
    assert introspect(oauth_fn, web_client, first.json()["access_token"]) == {"active": False}


def test_denied_consent_redirects_with_access_denied(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    _, challenge = pkce()
    params = authorize_params(web_client, challenge)
    session = sign_in(oauth_fn, alice)
    consent = call(
        oauth_fn,
        api_event(
            "GET", "/oauth/authorize", query=params, headers={"Cookie": f"sb_session={session}"}
        ),
    )
    csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", consent.body).group(1)  # type: ignore[union-attr]
    reply = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/authorize",
            form={**params, "csrf": csrf, "decision": "deny"},
            headers={"Cookie": f"sb_session={session}"},
        ),
    )
    assert reply.status == 302
    assert parse_qs(urlsplit(reply.header("Location") or "").query)["error"] == ["access_denied"]


def test_consent_post_without_csrf_value_is_refused(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    _, challenge = pkce()
    session = sign_in(oauth_fn, alice)
    reply = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/authorize",
            form={**authorize_params(web_client, challenge), "decision": "allow"},
            headers={"Cookie": f"sb_session={session}"},
        ),
    )
    assert reply.status == 400
    assert reply.header("Location") is None


def test_person_of_another_tenant_must_sign_in_again(
    oauth_fn: Any, store: OAuthStore, web_client: IssuedClient
) -> None:
    # Given Bob, a person of tenant B, signed in
    bob = create_person(store, "tenant-b", "bob", "admin")
    session = sign_in(oauth_fn, bob)
    _, challenge = pkce()
    # When he opens tenant A's client's authorize link
    reply = call(
        oauth_fn,
        api_event(
            "GET",
            "/oauth/authorize",
            query=authorize_params(web_client, challenge),
            headers={"Cookie": f"sb_session={session}"},
        ),
    )
    # Then he is sent to sign in for tenant A: his session does not count there
    assert reply.status == 303
    assert parse_qs(urlsplit(reply.header("Location") or "").query)["tenant"] == ["tenant-a"]


def test_login_rejects_a_wrong_password_and_open_redirects(oauth_fn: Any, alice: Any) -> None:
    wrong = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/login",
            form={"tenant": "tenant-a", "username": "alice", "password": "nope", "next": "/x"},
        ),
    )
    assert wrong.status == 401
    assert wrong.header("Set-Cookie") is None
    offsite = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/login",
            form={
                "tenant": "tenant-a",
                "username": "alice",
                "password": alice.password,
                "next": "//evil.example/steal",
            },
        ),
    )
    # signed in, and sent to the app's home page on this site, never off-site
    assert offsite.status == 303
    location = offsite.header("Location") or ""
    assert location.endswith("/") and "evil.example" not in location


# ------------------------------------------------------------------ refresh
def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant(
    oauth_fn: Any, web_client: IssuedClient, alice: Any
) -> None:
    first = token_request(
        oauth_fn, web_client, **code_exchange_form(oauth_fn, web_client, alice)
    ).json()
    # When the refresh token is used, a new pair comes back (rotation)
    second = token_request(
        oauth_fn, web_client, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert second.status == 200, second.body
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert introspect(oauth_fn, web_client, rotated["access_token"])["active"] is True
    # And presenting the old one again is treated as theft: invalid_grant, family revoked
    replay = token_request(
        oauth_fn, web_client, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert replay.status == 400
    assert replay.json()["error"] == "invalid_grant"
    assert introspect(oauth_fn, web_client, rotated["access_token"]) == {"active": False}
    again = token_request(
        oauth_fn, web_client, grant_type="refresh_token", refresh_token=rotated["refresh_token"]
    )
    assert again.status == 400


def test_metadata_document_lists_the_endpoints(oauth_fn: Any) -> None:
    reply = call(oauth_fn, api_event("GET", "/.well-known/oauth-authorization-server"))
    assert reply.status == 200
    meta = reply.json()
    assert meta["issuer"] == "http://127.0.0.1:3000"
    assert meta["token_endpoint"] == "http://127.0.0.1:3000/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "events:write" in meta["scopes_supported"]


def test_public_client_exchanges_a_code_with_pkce_and_no_secret(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient, alice: Any
) -> None:
    # Given a public (browser/native) client: no secret, so PKCE is its only proof
    spa = register_client(
        store,
        admin_principal(),
        ClientRegistration(
            name="Brewery dashboard",
            grant_types=["authorization_code"],
            scope="setup:read setup:write",
            redirect_uris=[REDIRECT],
            token_endpoint_auth_method="none",
        ),
    )
    assert spa.client_secret is None
    form = {**code_exchange_form(oauth_fn, spa, alice), "client_id": spa.client_id}
    reply = call(oauth_fn, api_event("POST", "/oauth/token", form=form))
    assert reply.status == 200, reply.body
    assert set(reply.json()["scope"].split()) == {"setup:read", "setup:write"}
