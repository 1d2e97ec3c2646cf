"""The authorization server and the authorizer over real HTTP, in the local runtime.

Client credentials at `/oauth/token`, the token used as a bearer on a protected route
(the local API Gateway runs our REQUEST authorizer like AWS), revocation, introspection,
registration by an admin, and the sign-in cookie the browser pages use.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from syncbridge.authserver.service import IssuedClient, bootstrap_tenant, create_person
from syncbridge.authserver.store import OAuthStore

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin(local_runtime: Any) -> IssuedClient:
    with local_runtime.env_of("OAuthFunction"):
        return bootstrap_tenant(OAuthStore(), "acme-brewing")


@pytest.fixture(scope="module")
def http(local_runtime: Any) -> Any:
    with httpx.Client(base_url=local_runtime.base_url, timeout=15) as client:
        yield client


def token(http: httpx.Client, client: IssuedClient, scope: str) -> str:
    reply = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def test_metadata_is_public_and_points_at_this_server(
    local_runtime: Any, http: httpx.Client
) -> None:
    meta = http.get("/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"] == f"{local_runtime.base_url}/oauth/token"
    assert meta["grant_types_supported"] == [
        "client_credentials",
        "authorization_code",
        "refresh_token",
    ]


def test_admin_registers_an_erp_client_whose_token_reaches_the_events_route(
    http: httpx.Client, admin: IssuedClient
) -> None:
    # Given the tenant's admin token
    admin_token = token(http, admin, "admin")
    # When it registers a client for Ekos with only events:write
    reply = http.post(
        "/oauth/clients",
        json={"name": "Ekos", "scope": "events:write"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert reply.status_code == 201, reply.text
    ekos = IssuedClient.model_validate(reply.json())
    assert ekos.tenant_id == "acme-brewing"
    # Then Ekos gets a token and the authorizer lets it through to the events route
    ekos_token = token(http, ekos, "events:write")
    pushed = http.post(
        "/api/v1/erp/ekos/events",
        json={
            "event_id": "0b6f7a1e-3c1d-4f51-9a55-0d8f1b9f4e11",
            "resource_type": "products",
            "action": "updated",
            "resource_id": "p-1",
            "occurred_at": "2026-03-01T12:00:00Z",
            "data": {"name": "Hazy"},
        },
        headers={"Authorization": f"Bearer {ekos_token}"},
    )
    assert pushed.status_code == 202, pushed.text


def test_registration_without_a_token_is_refused_by_the_authorizer(http: httpx.Client) -> None:
    reply = http.post("/oauth/clients", json={"name": "x"})
    assert reply.status_code == 401


def test_registration_with_a_non_admin_token_is_403(
    http: httpx.Client, admin: IssuedClient
) -> None:
    weak = token(http, admin, "events:write")  # admin client, but this token lacks the admin scope
    reply = http.post(
        "/oauth/clients", json={"name": "x"}, headers={"Authorization": f"Bearer {weak}"}
    )
    assert reply.status_code == 403


def test_revoked_token_is_refused_by_the_authorizer_at_once(
    http: httpx.Client, admin: IssuedClient
) -> None:
    bearer = token(http, admin, "admin")
    headers = {"Authorization": f"Bearer {bearer}"}
    assert http.post("/oauth/users", json={"username": "gina"}, headers=headers).status_code == 201
    auth = (admin.client_id, admin.client_secret or "")
    assert http.post("/oauth/revoke", data={"token": bearer}, auth=auth).status_code == 200
    assert http.post("/oauth/introspect", data={"token": bearer}, auth=auth).json() == {
        "active": False
    }
    assert http.post("/oauth/users", json={"username": "hank"}, headers=headers).status_code == 401


def test_wrong_secret_over_http_is_401(http: httpx.Client, admin: IssuedClient) -> None:
    reply = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(admin.client_id, "wrong")
    )
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"


def test_browser_sign_in_sets_a_cookie_the_authorizer_accepts(
    local_runtime: Any, http: httpx.Client
) -> None:
    with local_runtime.env_of("OAuthFunction"):
        login = create_person(OAuthStore(), "acme-brewing", "ivy", "admin")
    page = http.get("/oauth/login", params={"tenant": "acme-brewing"})
    assert page.status_code == 200 and "<form" in page.text
    with httpx.Client(base_url=local_runtime.base_url, timeout=15) as browser:
        signed_in = browser.post(
            "/oauth/login",
            data={"tenant": "acme-brewing", "username": "ivy", "password": login.password},
        )
        assert signed_in.status_code == 303  # on to the app's home page
        assert signed_in.headers["location"].endswith("/")
        assert browser.cookies.get("sb_session")
        # the session (an admin person) may invite people on a protected route
        invited = browser.post("/oauth/users", json={"username": "jack", "role": "viewer"})
        assert invited.status_code == 201, invited.text
        assert browser.post("/oauth/logout").status_code == 200
        assert browser.post("/oauth/users", json={"username": "kim"}).status_code == 401
