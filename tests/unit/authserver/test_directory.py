"""The Settings page's people and clients: listed per tenant, changed by an admin, and the
change reaches the tokens at once (a removed or re-roled person's session, a revoked
client's token stop authenticating)."""

from __future__ import annotations

from typing import Any

import pytest

from syncbridge.api.principal import Principal
from syncbridge.authserver.service import (
    ClientRegistration,
    IssuedClient,
    authenticate_bearer,
    bootstrap_tenant,
    create_person,
    register_client,
    sign_in,
)
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import api_event, call
from tests.unit.authserver.test_tokens_and_tenants import bearer


def admin_of(tenant: str, subject: str = "root", client_id: str = "browser-session") -> dict:
    return Principal(
        tenant_id=tenant,
        client_id=client_id,
        subject=subject,
        scopes=frozenset({"admin"}),
        roles=frozenset({"admin"}),
    ).to_context()


def send(fn: Any, method: str, path: str, ctx: dict, body: Any = None) -> Any:
    return call(fn, api_event(method, path, json_body=body, authorizer=ctx))


@pytest.fixture
def people(store: OAuthStore) -> dict[str, str]:
    """tenant-a: root (admin), sam (operator), vic (viewer); tenant-b: eve (admin)."""
    passwords = {}
    for tenant, name, role in (
        ("tenant-a", "root", "admin"),
        ("tenant-a", "sam", "operator"),
        ("tenant-a", "vic", "viewer"),
        ("tenant-b", "eve", "admin"),
    ):
        passwords[name] = create_person(store, tenant, name, role).password
    return passwords


def test_people_are_listed_for_the_callers_tenant_only(oauth_fn: Any, people: dict) -> None:
    reply = send(oauth_fn, "GET", "/oauth/users", admin_of("tenant-a"))
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert [(p["username"], p["role"], p["you"]) for p in items] == [
        ("root", "admin", True),
        ("sam", "operator", False),
        ("vic", "viewer", False),
    ]
    assert "password" not in reply.text and "hash" not in reply.text
    other = send(oauth_fn, "GET", "/oauth/users", admin_of("tenant-b", "eve"))
    assert [p["username"] for p in other.json()["items"]] == ["eve"]


def test_changing_a_role_ends_the_sessions_issued_with_the_old_one(
    oauth_fn: Any, store: OAuthStore, people: dict
) -> None:
    session = sign_in(store, "tenant-a", "sam", people["sam"])
    assert authenticate_bearer(store, session).roles == {"operator"}
    reply = send(oauth_fn, "PUT", "/oauth/users/sam", admin_of("tenant-a"), {"role": "viewer"})
    assert reply.status == 200, reply.body
    assert reply.json()["role"] == "viewer"
    assert authenticate_bearer(store, session) is None
    again = sign_in(store, "tenant-a", "sam", people["sam"])
    assert authenticate_bearer(store, again).roles == {"viewer"}


def test_removing_a_person_ends_their_session_and_their_sign_in(
    oauth_fn: Any, store: OAuthStore, people: dict
) -> None:
    session = sign_in(store, "tenant-a", "vic", people["vic"])
    reply = send(oauth_fn, "DELETE", "/oauth/users/vic", admin_of("tenant-a"))
    assert reply.status == 204, reply.body
    assert authenticate_bearer(store, session) is None
    with pytest.raises(Exception, match="unknown tenant, user or password"):
        sign_in(store, "tenant-a", "vic", people["vic"])
    assert store.get_person("tenant-a", "vic") is None


def test_another_tenants_person_is_not_found_and_stays_untouched(
    oauth_fn: Any, store: OAuthStore, people: dict
) -> None:
    ctx = admin_of("tenant-a")
    assert send(oauth_fn, "PUT", "/oauth/users/eve", ctx, {"role": "viewer"}).status == 404
    assert send(oauth_fn, "DELETE", "/oauth/users/eve", ctx).status == 404
    eve = store.get_person("tenant-b", "eve")
    assert eve is not None and eve.role == "admin"


def test_an_admin_cannot_demote_or_remove_themselves(oauth_fn: Any, people: dict) -> None:
    ctx = admin_of("tenant-a", "root")
    demote = send(oauth_fn, "PUT", "/oauth/users/root", ctx, {"role": "viewer"})
    assert demote.status == 409 and demote.json()["error"]["code"] == "cannot_change_yourself"
    assert send(oauth_fn, "DELETE", "/oauth/users/ROOT", ctx).status == 409


def test_bad_role_and_bad_username_are_4xx(oauth_fn: Any, people: dict) -> None:
    ctx = admin_of("tenant-a")
    assert send(oauth_fn, "PUT", "/oauth/users/sam", ctx, {"role": "owner"}).status == 422
    assert send(oauth_fn, "PUT", "/oauth/users/sam", ctx, {"role": "viewer", "x": 1}).status == 422
    assert send(oauth_fn, "DELETE", "/oauth/users/a%20b", ctx).status in (400, 404, 422)


def test_clients_are_listed_per_tenant_and_a_revoked_one_stops_working(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    principal = Principal(
        tenant_id="tenant-a", client_id=admin.client_id, subject=admin.client_id,
        scopes=frozenset({"admin"}), roles=frozenset({"admin"}),
    )  # fmt: skip
    erp = register_client(store, principal, ClientRegistration(name="ERP", scope="events:write"))
    bootstrap_tenant(store, "tenant-b", name="b admin")
    token = bearer(oauth_fn, erp)
    assert authenticate_bearer(store, token) is not None

    ctx = principal.to_context()
    listed = send(oauth_fn, "GET", "/oauth/clients", ctx)
    assert listed.status == 200, listed.body
    rows = {c["name"]: c for c in listed.json()["items"]}
    assert set(rows) == {"bootstrap admin", "ERP"}
    assert rows["bootstrap admin"]["yours"] and not rows["ERP"]["revoked"]
    assert "secret" not in listed.text

    reply = send(oauth_fn, "POST", f"/oauth/clients/{erp.client_id}/revoke", ctx)
    assert reply.status == 200, reply.body
    assert reply.json()["revoked"] is True
    assert authenticate_bearer(store, token) is None
    refused = send(oauth_fn, "GET", "/oauth/clients", ctx).json()["items"]
    assert [c["revoked"] for c in refused if c["name"] == "ERP"] == [True]


def test_a_client_of_another_tenant_or_your_own_cannot_be_revoked(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    other = bootstrap_tenant(store, "tenant-b", name="b admin")
    ctx = admin_of("tenant-a", admin.client_id, admin.client_id)
    assert send(oauth_fn, "POST", f"/oauth/clients/{other.client_id}/revoke", ctx).status == 404
    stored = store.get_client("tenant-b", other.client_id)
    assert stored is not None and not stored.disabled
    own = send(oauth_fn, "POST", f"/oauth/clients/{admin.client_id}/revoke", ctx)
    assert own.status == 409
