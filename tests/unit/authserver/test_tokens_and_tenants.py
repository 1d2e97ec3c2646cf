"""Revocation, introspection, secrets at rest, tenant binding, registration and the authorizer."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from syncbridge.api.principal import Principal
from syncbridge.authserver import credentials
from syncbridge.authserver.authorizer import Unauthorized, authorize_request
from syncbridge.authserver.service import (
    ClientRegistration,
    IssuedClient,
    authenticate_bearer,
    bootstrap_tenant,
    create_person,
)
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import api_event, basic, call
from tests.helpers.functions import FakeContext, load_function
from tests.unit.authserver.test_grants import introspect, token_request


def bearer(fn: Any, client: IssuedClient, scope: str = "events:write") -> str:
    reply = token_request(fn, client, grant_type="client_credentials", scope=scope)
    assert reply.status == 200, reply.body
    return reply.json()["access_token"]


def revoke(fn: Any, client: IssuedClient, token: str) -> Any:
    headers = {"Authorization": basic(client.client_id, client.client_secret or "")}
    return call(fn, api_event("POST", "/oauth/revoke", form={"token": token}, headers=headers))


def authorizer_event(token: str | None = None, cookie: str | None = None) -> dict[str, Any]:
    headers: dict[str, str] = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    event = api_event("GET", "/setup", headers=headers)
    event |= {"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:1:api/dev/GET/setup"}
    return event


# ------------------------------------------------------------------ revocation & introspection
def test_revoked_token_introspects_inactive_and_no_longer_authorizes(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    token = bearer(oauth_fn, admin)
    assert authenticate_bearer(store, token) is not None
    reply = revoke(oauth_fn, admin, token)
    assert reply.status == 200
    assert introspect(oauth_fn, admin, token) == {"active": False}
    assert authenticate_bearer(store, token) is None


def test_revoking_an_unknown_token_is_200(oauth_fn: Any, admin: IssuedClient) -> None:
    assert revoke(oauth_fn, admin, "sb_at.tenant-a.never-issued").status == 200
    assert revoke(oauth_fn, admin, "garbage").status == 200


def test_revocation_needs_client_authentication(oauth_fn: Any, admin: IssuedClient) -> None:
    token = bearer(oauth_fn, admin)
    reply = call(oauth_fn, api_event("POST", "/oauth/revoke", form={"token": token}))
    assert reply.status in (400, 401)
    assert reply.json()["error"] == "invalid_client"
    assert introspect(oauth_fn, admin, token)["active"] is True


def test_expired_token_is_inactive_even_though_moto_keeps_the_item(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient, oauth_table: Any
) -> None:
    token = bearer(oauth_fn, admin)
    key = {"pk": f"TENANT#tenant-a#OAUTH#TOKEN#{credentials.digest(token)}", "sk": "ACCESS"}
    oauth_table.update_item(
        Key=key,
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": int(time.time()) - 1},
    )
    assert introspect(oauth_fn, admin, token) == {"active": False}
    assert authenticate_bearer(store, token) is None


def test_introspection_of_unknown_token_is_inactive(oauth_fn: Any, admin: IssuedClient) -> None:
    assert introspect(oauth_fn, admin, "sb_at.tenant-a.unknown") == {"active": False}


# ------------------------------------------------------------------ secrets at rest
def test_secrets_and_tokens_are_stored_only_as_hashes(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient, oauth_table: Any
) -> None:
    person = create_person(store, "tenant-a", "carol", "viewer")
    token = bearer(oauth_fn, admin)
    dump = json.dumps(oauth_table.scan()["Items"], default=str)
    assert admin.client_secret and admin.client_secret not in dump
    assert person.password not in dump
    assert token not in dump
    assert token.split(".")[-1] not in dump
    assert "scrypt$" in dump  # the secret's salted hash is what is kept


def test_secret_hash_is_salted_and_verifies_in_constant_time() -> None:
    one, two = credentials.hash_secret("s3cret"), credentials.hash_secret("s3cret")
    assert one != two
    assert credentials.verify_secret("s3cret", one) and credentials.verify_secret("s3cret", two)
    assert not credentials.verify_secret("s3cret!", one)
    assert not credentials.verify_secret("s3cret", "not-a-hash")


# ------------------------------------------------------------------ tenant binding
def test_a_token_of_tenant_a_never_authorizes_tenant_b(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    # Given tokens of two tenants
    b_admin = bootstrap_tenant(store, "tenant-b")
    token_a, token_b = bearer(oauth_fn, admin), bearer(oauth_fn, b_admin)
    # Then each resolves to its own tenant only
    assert authenticate_bearer(store, token_a).tenant_id == "tenant-a"  # type: ignore[union-attr]
    assert authenticate_bearer(store, token_b).tenant_id == "tenant-b"  # type: ignore[union-attr]
    # And rewriting the tenant inside a token finds nothing
    forged = token_a.replace(".tenant-a.", ".tenant-b.")
    assert authenticate_bearer(store, forged) is None
    # And tenant B's client cannot introspect or revoke tenant A's token
    assert introspect(oauth_fn, b_admin, token_a) == {"active": False}
    revoke(oauth_fn, b_admin, token_a)
    assert introspect(oauth_fn, admin, token_a)["active"] is True


def test_client_of_tenant_a_cannot_obtain_tokens_with_a_forged_tenant_in_its_id(
    oauth_fn: Any, admin: IssuedClient
) -> None:
    forged = admin.model_copy(update={"client_id": admin.client_id.replace("tenant-a", "tenant-b")})
    reply = token_request(oauth_fn, forged, grant_type="client_credentials")
    assert reply.status == 401


# ------------------------------------------------------------------ registration
def test_admin_registers_a_client_for_its_own_tenant_and_sees_the_secret_once(
    oauth_fn: Any, store: OAuthStore
) -> None:
    body = {"name": "Ekos events", "scope": "events:write", "roles": ["operator"]}
    principal = Principal(
        tenant_id="tenant-a",
        client_id="c",
        subject="c",
        scopes=frozenset({"admin"}),
        roles=frozenset({"admin"}),
    )
    reply = call(
        oauth_fn,
        api_event("POST", "/oauth/clients", json_body=body, authorizer=principal.to_context()),
    )
    assert reply.status == 201, reply.body
    issued = reply.json()
    assert issued["tenant_id"] == "tenant-a"
    assert issued["client_secret"]
    stored = store.get_client("tenant-a", issued["client_id"])
    assert stored is not None and issued["client_secret"] not in stored.model_dump_json()
    # And the new client can use its credentials
    client = IssuedClient.model_validate(issued)
    assert token_request(oauth_fn, client, grant_type="client_credentials").status == 200


@pytest.mark.parametrize(
    ("context", "status"),
    [
        (None, 401),
        (
            Principal(
                tenant_id="tenant-a",
                client_id="c",
                scopes=frozenset({"admin"}),
                roles=frozenset({"operator"}),
            ).to_context(),
            403,
        ),
        (
            Principal(
                tenant_id="tenant-a",
                client_id="c",
                scopes=frozenset({"events:write"}),
                roles=frozenset({"admin"}),
            ).to_context(),
            403,
        ),
    ],
)
def test_registration_requires_the_admin_role_and_scope(
    oauth_fn: Any, context: dict[str, str] | None, status: int
) -> None:
    reply = call(
        oauth_fn, api_event("POST", "/oauth/clients", json_body={"name": "x"}, authorizer=context)
    )
    assert reply.status == status
    assert reply.json()["error"]["code"] in ("unauthorized", "forbidden")


def test_registration_validates_the_body_and_names_the_field(oauth_fn: Any) -> None:
    admin_ctx = Principal(
        tenant_id="tenant-a", client_id="c", scopes=frozenset({"admin"}), roles=frozenset({"admin"})
    ).to_context()
    reply = call(
        oauth_fn,
        api_event(
            "POST", "/oauth/clients", json_body={"name": "x", "scope": "root"}, authorizer=admin_ctx
        ),
    )
    assert reply.status == 422
    assert reply.json()["error"]["fields"][0]["field"] == "scope"


def test_person_invite_returns_a_password_once(oauth_fn: Any, store: OAuthStore) -> None:
    admin_ctx = Principal(
        tenant_id="tenant-a",
        client_id="c",
        subject="root",
        scopes=frozenset({"admin"}),
        roles=frozenset({"admin"}),
    ).to_context()
    reply = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/users",
            json_body={"username": "Dave", "role": "viewer"},
            authorizer=admin_ctx,
        ),
    )
    assert reply.status == 201, reply.body
    login = reply.json()
    assert login["username"] == "dave" and login["password"]
    person = store.get_person("tenant-a", "dave")
    assert person is not None and person.created_by == "root"
    assert login["password"] not in person.model_dump_json()


def test_public_client_cannot_use_client_credentials() -> None:
    with pytest.raises(ValueError, match="public client"):
        ClientRegistration(name="spa", token_endpoint_auth_method="none")


# ------------------------------------------------------------------ the authorizer
def test_authorizer_allows_a_valid_bearer_with_the_principal_as_context(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    token = bearer(oauth_fn, admin, scope="events:write setup:read")
    result = authorize_request(store, authorizer_event(token))
    statement = result["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:1:api/dev/GET/setup"
    assert result["context"] == {
        "tenant_id": "tenant-a",
        "client_id": admin.client_id,
        "subject": admin.client_id,
        "scopes": "events:write setup:read",
        "roles": "admin",
    }
    assert all(isinstance(v, str) for v in result["context"].values())


def test_authorizer_accepts_the_browser_session_cookie(oauth_fn: Any, store: OAuthStore) -> None:
    person = create_person(store, "tenant-a", "erin", "viewer")
    reply = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/login",
            form={"tenant": "tenant-a", "username": "erin", "password": person.password},
        ),
    )
    cookie = (reply.header("Set-Cookie") or "").split(";")[0]
    result = authorize_request(store, authorizer_event(cookie=f"theme=dark; {cookie}"))
    assert result["context"]["subject"] == "erin"
    assert result["context"]["roles"] == "viewer"
    assert "setup:write" not in result["context"]["scopes"].split()


@pytest.mark.parametrize("token", [None, "", "sb_at.tenant-a.forged", "not-ours"])
def test_authorizer_refuses_missing_or_unknown_tokens_with_unauthorized(
    store: OAuthStore, token: str | None
) -> None:
    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        authorize_request(store, authorizer_event(token))


def test_authorizer_refuses_a_revoked_token(
    oauth_fn: Any, store: OAuthStore, admin: IssuedClient
) -> None:
    token = bearer(oauth_fn, admin)
    revoke(oauth_fn, admin, token)
    with pytest.raises(Unauthorized):
        authorize_request(store, authorizer_event(token))


def test_authorizer_lambda_handler_end_to_end(oauth_fn: Any, admin: IssuedClient) -> None:
    authorizer = load_function("authorizer")
    token = bearer(oauth_fn, admin)
    result = authorizer.lambda_handler(authorizer_event(token), FakeContext())
    assert result["context"]["tenant_id"] == "tenant-a"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(authorizer_event("sb_at.tenant-a.nope"), FakeContext())


# ------------------------------------------------------------------ logs
def test_no_secret_or_token_reaches_the_logs(
    oauth_fn: Any,
    store: OAuthStore,
    admin: IssuedClient,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    person = create_person(store, "tenant-a", "frank", "admin")
    token = bearer(oauth_fn, admin)
    introspect(oauth_fn, admin, token)
    revoke(oauth_fn, admin, token)
    call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/login",
            form={"tenant": "tenant-a", "username": "frank", "password": person.password},
        ),
    )
    token_request(
        oauth_fn,
        admin.model_copy(update={"client_secret": "wrong-secret"}),
        grant_type="client_credentials",
    )
    authorizer = load_function("authorizer")
    authorizer.lambda_handler(authorizer_event(bearer(oauth_fn, admin)), FakeContext())
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "token request" in logs  # the structured log did capture the requests
    for secret in (admin.client_secret, person.password, token, "wrong-secret"):
        assert secret and secret not in logs
    assert "sb_at." not in logs and "sb_rt." not in logs and "sb_code." not in logs
