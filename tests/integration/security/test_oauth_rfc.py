"""An independent OAuth client (authlib's) against our authorization server, over HTTP
through the local API Gateway: every grant and every negative case of RFC 6749, RFC 7636
(PKCE), RFC 7009 (revocation), RFC 8414 (metadata) and the RFC 9700 security BCP, plus the
findings of the outside test (scope escalation, connection hijack, viewer delete, an
events-only token, CR/LF in `next`, throttling). The last test scans every captured log
line for every secret used here.

Cases are tests named `test_<rfc>_...`; the figure reported is passed / total.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.helpers.logscan import LogScan
from tests.integration.security.conftest import OUTCOMES, record

pytestmark = pytest.mark.integration

TENANT, OTHER = "rfc-brewing", "rfc-other"
REDIRECT = "https://app.example/callback"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def base(runtime: Any) -> str:
    return runtime.base_url


@pytest.fixture(scope="module")
def meta(base: str) -> dict[str, Any]:
    return httpx.get(base + "/.well-known/oauth-authorization-server").json()


@pytest.fixture(scope="module")
def admins(runtime: Any, scan: LogScan) -> dict[str, Any]:
    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore

    with runtime.env_of("OAuthFunction"):
        issued = {t: bootstrap_tenant(OAuthStore(), t, name="rfc admin") for t in (TENANT, OTHER)}
    scan.remember(*(c.client_secret for c in issued.values()))
    return issued


def client_for(issued: Any, **kw: Any) -> OAuth2Client:
    return OAuth2Client(
        client_id=issued["client_id"] if isinstance(issued, dict) else issued.client_id,
        client_secret=(
            issued["client_secret"] if isinstance(issued, dict) else issued.client_secret
        ),
        **kw,
    )


def machine_token(
    meta: dict[str, Any], issued: Any, scan: LogScan, scope: str = "setup:read"
) -> dict[str, Any]:
    """Client credentials (basic auth) for `issued`; the token is remembered for the log scan."""
    with client_for(issued) as client:
        token = client.fetch_token(
            meta["token_endpoint"], grant_type="client_credentials", scope=scope
        )
    scan.remember(token["access_token"])
    return dict(token)


def bearer(token: dict[str, Any] | str) -> dict[str, str]:
    value = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture(scope="module")
def admin_token(admins: dict[str, Any], meta: dict[str, Any], scan: LogScan) -> str:
    return machine_token(meta, admins[TENANT], scan, scope="admin")["access_token"]


def register(base: str, admin_token: str, scan: LogScan, **body: Any) -> dict[str, Any]:
    reply = httpx.post(
        base + "/oauth/clients", json=body, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert reply.status_code == 201, reply.text
    issued = reply.json()
    scan.remember(issued.get("client_secret"))
    return issued


@pytest.fixture(scope="module")
def web(base: str, admin_token: str, scan: LogScan) -> dict[str, Any]:
    """A confidential interactive client registered for every scope (the finding's setup)."""
    return register(
        base, admin_token, scan, name="Dashboard",
        grant_types=["authorization_code", "refresh_token"],
        scope="admin events:write pest:read pest:write scans:read setup:read setup:write",
        redirect_uris=[REDIRECT],
    )  # fmt: skip


@pytest.fixture(scope="module")
def spa(base: str, admin_token: str, scan: LogScan) -> dict[str, Any]:
    """A public client (no secret): PKCE is its only proof."""
    return register(
        base, admin_token, scan, name="SPA", grant_types=["authorization_code", "refresh_token"],
        scope="setup:read setup:write", redirect_uris=[REDIRECT], token_endpoint_auth_method="none",
    )  # fmt: skip


def person(runtime: Any, scan: LogScan, username: str, role: str, tenant: str = TENANT) -> Any:
    from syncbridge.authserver.service import create_person
    from syncbridge.authserver.store import OAuthStore

    with runtime.env_of("OAuthFunction"):
        login = create_person(OAuthStore(), tenant, username, role)
    scan.remember(login.password)
    return login


class Browser:
    """A person's browser: signs in, consents, follows redirects up to the client's."""

    def __init__(self, base: str, login: Any, scan: LogScan) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.login, self.scan = login, scan

    def sign_in(self) -> None:
        reply = self.http.post(
            "/oauth/login",
            data={"tenant": self.login.tenant_id, "username": self.login.username,
                  "password": self.login.password},
        )  # fmt: skip
        assert reply.status_code == 303, reply.text  # signed in: on to the app's home page
        self.scan.remember(self.http.cookies.get("sb_session"))

    def consent(self, authorize_url: str, decision: str = "allow") -> httpx.Response:
        """GET the authorize URL (consent page), POST the decision: the client redirect."""
        page = self.http.get(authorize_url)
        if page.status_code != 200:
            return page
        csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", page.text)
        assert csrf, page.text
        params = dict(parse_qs(urlsplit(authorize_url).query, keep_blank_values=True))
        form = {k: v[0] for k, v in params.items()} | {"csrf": csrf.group(1), "decision": decision}
        return self.http.post("/oauth/authorize", data=form)

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="module")
def operator(runtime: Any, base: str, scan: LogScan) -> Iterator[Browser]:
    browser = Browser(base, person(runtime, scan, "olga", "operator"), scan)
    browser.sign_in()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def viewer(runtime: Any, base: str, scan: LogScan) -> Iterator[Browser]:
    browser = Browser(base, person(runtime, scan, "victor", "viewer"), scan)
    browser.sign_in()
    yield browser
    browser.close()


def redirect_query(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code in (302, 303), (reply.status_code, reply.text[:300])
    location = reply.headers["location"]
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_flow(
    meta: dict[str, Any], issued: dict[str, Any], browser: Browser, scan: LogScan,
    scope: str = "setup:read setup:write", **authorize_extra: str,
) -> tuple[OAuth2Client, str, str, dict[str, str]]:  # fmt: skip
    """authlib builds the authorize URL (PKCE S256 + state); the person consents.
    Returns (client, code_verifier, authorization_response URL, redirect query)."""
    auth_method = issued.get("token_endpoint_auth_method", "client_secret_basic")
    client = OAuth2Client(
        client_id=issued["client_id"], client_secret=issued.get("client_secret"),
        token_endpoint_auth_method=auth_method, redirect_uri=REDIRECT, scope=scope,
        code_challenge_method="S256",
    )  # fmt: skip
    verifier = generate_token(48)
    url, _state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, **authorize_extra
    )
    reply = browser.consent(url)
    query = redirect_query(reply)
    scan.remember(query.get("code"))
    return client, verifier, reply.headers["location"], query


def exchange(meta: dict[str, Any], client: OAuth2Client, verifier: str, response_url: str,
             scan: LogScan) -> dict[str, Any]:  # fmt: skip
    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=response_url, code_verifier=verifier
    )
    scan.remember(token.get("access_token"), token.get("refresh_token"))
    return dict(token)


def signed_in(
    meta: dict[str, Any], issued: dict[str, Any], browser: Browser, scan: LogScan, **kw: str
) -> tuple[OAuth2Client, dict[str, Any]]:
    """The whole code flow: the person consents, the client redeems the code for tokens."""
    client, verifier, response_url, _ = code_flow(meta, issued, browser, scan, **kw)
    return client, exchange(meta, client, verifier, response_url, scan)


def post_token(
    meta: dict[str, Any], data: dict[str, str], auth: tuple[str, str] | None = None
) -> httpx.Response:
    """A raw token-endpoint request, for the cases authlib would not send."""
    return httpx.post(meta["token_endpoint"], data=data, auth=auth)


def redemption(query: dict[str, str], verifier: str | None = None, **fields: str) -> dict[str, str]:
    """The token request that redeems a consented code; `fields` change or add to it."""
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT,
            "code_verifier": verifier} | fields  # fmt: skip
    return {k: v for k, v in form.items() if v is not None}


def secret_of(issued: dict[str, Any]) -> tuple[str, str]:
    return issued["client_id"], issued["client_secret"]


def oauth_error(call: Any) -> str:
    with pytest.raises(OAuthError) as info:
        call()
    return info.value.error


def _authorize(meta: dict[str, Any], issued: dict[str, Any], **params: str) -> dict[str, str]:
    base = {"response_type": "code", "client_id": issued["client_id"], "redirect_uri": REDIRECT,
            "scope": "setup:read", "state": "s-1"}  # fmt: skip
    return {k: v for k, v in (base | params).items() if v is not None}


def s256(meta: dict[str, Any], issued: dict[str, Any], **params: str) -> dict[str, str]:
    """Authorize parameters with a fresh S256 PKCE challenge (what every valid request has)."""
    challenge = create_s256_code_challenge(generate_token(48))
    return _authorize(
        meta, issued, code_challenge=challenge, code_challenge_method="S256", **params
    )


def introspect(meta: dict[str, Any], admins: dict[str, Any], token: str) -> dict[str, Any]:
    with client_for(admins[TENANT]) as client:
        return client.introspect_token(meta["introspection_endpoint"], token=token).json()


# ------------------------------------------------------------------ RFC 8414
def test_rfc8414_metadata_names_every_endpoint_and_rule(base: str, meta: dict[str, Any]) -> None:
    assert meta["issuer"] == base
    paths = {"authorization": "authorize", "token": "token", "revocation": "revoke",
             "introspection": "introspect"}  # fmt: skip
    for name, path in paths.items():
        assert meta[f"{name}_endpoint"] == f"{base}/oauth/{path}"
    assert meta["response_types_supported"] == ["code"]  # no implicit (RFC 9700 §2.1.2)
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "password" not in meta["grant_types_supported"]  # RFC 9700 §2.4
    assert set(meta["token_endpoint_auth_methods_supported"]) >= {"client_secret_basic"}


def test_rfc8414_metadata_is_json_without_authentication(base: str) -> None:
    reply = httpx.get(base + "/.well-known/oauth-authorization-server")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")


# ------------------------------------------------------------------ RFC 6749 §4.4 client credentials
def test_rfc6749_client_credentials_basic(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan, scope="events:write")
    assert token["token_type"] == "Bearer" and token["scope"] == "events:write"
    assert 0 < token["expires_in"] <= 3600 and "refresh_token" not in token  # §4.4.3


def test_rfc6749_client_credentials_post(
    meta: dict[str, Any], base: str, admin_token: str, scan: LogScan
) -> None:
    issued = register(base, admin_token, scan, name="poster", scope="events:write",
                      token_endpoint_auth_method="client_secret_post")  # fmt: skip
    with client_for(issued, token_endpoint_auth_method="client_secret_post") as client:
        token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    scan.remember(token["access_token"])
    assert token["scope"] == "events:write"
    # the method a client registered is the only one it may use
    with client_for(issued, token_endpoint_auth_method="client_secret_basic") as client:
        assert (
            oauth_error(
                lambda: client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
            )
            == "invalid_client"
        )


def test_rfc6749_token_response_is_not_cached(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    issued = admins[TENANT]
    reply = post_token(meta, {"grant_type": "client_credentials"},
                       auth=(issued.client_id, issued.client_secret))  # fmt: skip
    scan.remember(reply.json().get("access_token"))
    assert reply.status_code == 200 and reply.headers["cache-control"] == "no-store"  # §5.1


def test_rfc6749_wrong_secret_is_invalid_client_401(
    meta: dict[str, Any], admins: dict[str, Any]
) -> None:
    issued = admins[TENANT]
    reply = post_token(meta, {"grant_type": "client_credentials"},
                       auth=(issued.client_id, "wrong-secret"))  # fmt: skip
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"  # §5.2
    assert reply.headers.get("www-authenticate", "").startswith("Basic")


def test_rfc6749_unknown_client_is_invalid_client(meta: dict[str, Any]) -> None:
    reply = post_token(meta, {"grant_type": "client_credentials"},
                       auth=("sb_client.nobody.x", "secret"))  # fmt: skip
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"


def test_rfc6749_scope_beyond_registration_is_invalid_scope(
    meta: dict[str, Any], base: str, admin_token: str, scan: LogScan
) -> None:
    erp = register(base, admin_token, scan, name="erp", scope="events:write")
    with client_for(erp) as client:
        assert (
            oauth_error(
                lambda: client.fetch_token(
                    meta["token_endpoint"], grant_type="client_credentials", scope="admin"
                )
            )
            == "invalid_scope"
        )


def test_rfc6749_unknown_scope_is_invalid_scope(
    meta: dict[str, Any], admins: dict[str, Any]
) -> None:
    with client_for(admins[TENANT]) as client:
        assert (
            oauth_error(
                lambda: client.fetch_token(
                    meta["token_endpoint"], grant_type="client_credentials", scope="root"
                )
            )
            == "invalid_scope"
        )


def test_rfc6749_unsupported_grant_type(meta: dict[str, Any], admins: dict[str, Any]) -> None:
    issued = admins[TENANT]
    for grant in ("password", "urn:ietf:params:oauth:grant-type:jwt-bearer", "implicit"):
        reply = post_token(meta, {"grant_type": grant, "username": "a", "password": "b"},
                           auth=(issued.client_id, issued.client_secret))  # fmt: skip
        assert reply.status_code == 400 and reply.json()["error"] == "unsupported_grant_type", grant


def test_rfc6749_missing_grant_type_is_invalid_request(
    meta: dict[str, Any], admins: dict[str, Any]
) -> None:
    issued = admins[TENANT]
    reply = httpx.post(
        meta["token_endpoint"], data={}, auth=(issued.client_id, issued.client_secret)
    )
    assert reply.status_code == 400 and reply.json()["error"] in (
        "invalid_request",
        "unsupported_grant_type",
    )


def test_rfc6749_token_endpoint_takes_only_post(meta: dict[str, Any]) -> None:
    assert httpx.get(meta["token_endpoint"]).status_code in (404, 405)  # §3.2


def test_rfc6749_bearer_token_reaches_a_protected_route_and_nothing_else(
    base: str, meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan, scope="setup:read")
    assert httpx.get(base + "/connections", headers=bearer(token)).status_code == 200
    assert httpx.get(base + "/connections").status_code == 401
    assert (
        httpx.get(base + "/connections", headers={"Authorization": "Bearer forged"}).status_code
        == 401
    )
    assert (
        httpx.post(base + "/oauth/users", json={"username": "x"}, headers=bearer(token)).status_code
        == 403
    )


# ------------------------------------------------------------------ RFC 6749 §4.1 + RFC 7636 PKCE
def test_rfc6749_rfc7636_code_flow_with_pkce(
    meta: dict[str, Any],
    web: dict[str, Any],
    operator: Browser,
    scan: LogScan,
    admins: dict[str, Any],
) -> None:
    client, verifier, response_url, query = code_flow(meta, web, operator, scan)
    assert query["state"] and "code" in query
    token = exchange(meta, client, verifier, response_url, scan)
    assert set(token["scope"].split()) == {"setup:read", "setup:write"} and token["refresh_token"]
    info = introspect(meta, admins, token["access_token"])
    assert info["active"] and info["sub"] == "olga" and info["tenant_id"] == TENANT


def test_rfc6749_state_comes_back_unchanged(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    state = "xyz-" + generate_token(20)
    _, _, _, query = code_flow(meta, web, operator, scan, state=state)
    assert query["state"] == state  # §4.1.2


def test_rfc7636_public_client_with_pkce(
    meta: dict[str, Any], spa: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, token = signed_in(meta, spa, operator, scan)
    assert (token["access_token"] and "client_secret" not in spa) or spa["client_secret"] is None


def test_rfc7636_wrong_code_verifier_is_invalid_grant(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    client, _, response_url, _ = code_flow(meta, web, operator, scan)
    assert (
        oauth_error(
            lambda: client.fetch_token(
                meta["token_endpoint"],
                authorization_response=response_url,
                code_verifier=generate_token(48),
            )
        )
        == "invalid_grant"
    )


def test_rfc7636_missing_code_verifier_is_refused(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, _, _, query = code_flow(meta, web, operator, scan)
    reply = post_token(meta, redemption(query), auth=secret_of(web))
    assert reply.status_code == 400 and reply.json()["error"] in (
        "invalid_request",
        "invalid_grant",
    )


def test_rfc9700_pkce_is_required(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    reply = operator.http.get(meta["authorization_endpoint"], params=_authorize(meta, web))
    query = redirect_query(reply)
    assert query["error"] == "invalid_request" and query["state"] == "s-1" and "code" not in query


def test_rfc9700_plain_pkce_is_refused(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    params = _authorize(meta, web, code_challenge="a" * 43, code_challenge_method="plain")
    query = redirect_query(operator.http.get(meta["authorization_endpoint"], params=params))
    assert query["error"] == "invalid_request"


def test_rfc9700_implicit_grant_is_refused(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    params = s256(meta, web, response_type="token")
    reply = operator.http.get(meta["authorization_endpoint"], params=params)
    assert "access_token" not in reply.headers.get("location", "")
    query = redirect_query(reply)
    assert query["error"] in ("unsupported_response_type", "unauthorized_client")


def test_rfc9700_unregistered_redirect_uri_is_never_redirected_to(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    for uri in (
        "https://evil.example/cb",
        REDIRECT + "/../evil",
        REDIRECT + "x",
        "https://app.example/callback?x=1",
    ):
        params = s256(meta, web, redirect_uri=uri)
        reply = operator.http.get(meta["authorization_endpoint"], params=params)
        assert reply.status_code == 400 and "location" not in reply.headers, (
            uri
        )  # exact match, §4.1.3


def test_rfc6749_unknown_client_at_authorize_is_an_error_page(
    meta: dict[str, Any], operator: Browser
) -> None:
    params = s256(meta, {"client_id": "sb_client.nobody.x"})
    reply = operator.http.get(meta["authorization_endpoint"], params=params)
    assert reply.status_code == 400 and "location" not in reply.headers  # §4.1.2.1


def test_rfc6749_denied_consent_is_access_denied_with_state(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    client = OAuth2Client(
        client_id=web["client_id"],
        redirect_uri=REDIRECT,
        scope="setup:read",
        code_challenge_method="S256",
    )
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48)
    )
    query = redirect_query(operator.consent(url, decision="deny"))
    assert query == {"error": "access_denied", "state": state} | (
        {"error_description": query["error_description"]} if "error_description" in query else {}
    )


def test_rfc6749_consent_post_without_csrf_is_refused(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser
) -> None:
    form = s256(meta, web) | {"decision": "allow"}
    reply = operator.http.post("/oauth/authorize", data=form)
    assert reply.status_code == 400 and "location" not in reply.headers


def test_rfc6749_code_is_single_use_and_replay_revokes_its_tokens(
    meta: dict[str, Any],
    web: dict[str, Any],
    operator: Browser,
    scan: LogScan,
    admins: dict[str, Any],
) -> None:
    client, verifier, response_url, _ = code_flow(meta, web, operator, scan)
    token = exchange(meta, client, verifier, response_url, scan)
    assert (
        oauth_error(
            lambda: client.fetch_token(
                meta["token_endpoint"], authorization_response=response_url, code_verifier=verifier
            )
        )
        == "invalid_grant"
    )
    assert introspect(meta, admins, token["access_token"])["active"] is False  # §4.1.2 SHOULD


def test_rfc6749_redirect_uri_must_match_at_the_token_endpoint(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, verifier, _, query = code_flow(meta, web, operator, scan)
    other = redemption(query, verifier, redirect_uri="https://app.example/other")
    reply = post_token(meta, other, auth=secret_of(web))
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"  # §4.1.3


def test_rfc6749_code_of_one_client_is_useless_to_another(
    meta: dict[str, Any], web: dict[str, Any], spa: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, verifier, _, query = code_flow(meta, web, operator, scan)
    reply = post_token(meta, redemption(query, verifier, client_id=spa["client_id"]))
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_rfc6749_confidential_client_must_authenticate_to_redeem(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, verifier, _, query = code_flow(meta, web, operator, scan)
    reply = post_token(meta, redemption(query, verifier, client_id=web["client_id"]))
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"


def test_rfc6749_finding_viewer_asking_for_admin_gets_invalid_scope(
    meta: dict[str, Any], web: dict[str, Any], viewer: Browser
) -> None:
    """Finding: the empty intersection fell back to the client's whole scope."""
    client = OAuth2Client(
        client_id=web["client_id"],
        redirect_uri=REDIRECT,
        scope="admin",
        code_challenge_method="S256",
    )
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48)
    )
    reply = viewer.http.get(url)
    query = redirect_query(reply)
    assert query["error"] == "invalid_scope" and query["state"] == state and "code" not in query


def test_rfc6749_finding_viewer_token_cannot_push_events(
    meta: dict[str, Any], base: str, web: dict[str, Any], viewer: Browser, scan: LogScan
) -> None:
    _, token = signed_in(meta, web, viewer, scan, scope="admin events:write setup:read")
    assert token["scope"] == "setup:read"
    pushed = httpx.post(
        base + "/api/v1/erp/ekos/events", json={"event_id": "x"}, headers=bearer(token)
    )
    assert pushed.status_code == 403


# ------------------------------------------------------------------ RFC 6749 §6 + RFC 9700 §4.14 refresh
def test_rfc6749_refresh_rotates_the_refresh_token(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    client, first = signed_in(meta, web, operator, scan)
    second = client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    scan.remember(second["access_token"], second["refresh_token"])
    assert (
        second["refresh_token"] != first["refresh_token"]
        and second["access_token"] != first["access_token"]
    )


def test_rfc9700_reused_refresh_token_revokes_the_grant(
    meta: dict[str, Any],
    web: dict[str, Any],
    operator: Browser,
    scan: LogScan,
    admins: dict[str, Any],
) -> None:
    client, first = signed_in(meta, web, operator, scan)
    second = client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    scan.remember(second["access_token"], second["refresh_token"])
    assert (
        oauth_error(
            lambda: client.refresh_token(
                meta["token_endpoint"], refresh_token=first["refresh_token"]
            )
        )
        == "invalid_grant"
    )
    assert introspect(meta, admins, second["access_token"])["active"] is False
    assert (
        oauth_error(
            lambda: client.refresh_token(
                meta["token_endpoint"], refresh_token=second["refresh_token"]
            )
        )
        == "invalid_grant"
    )


def test_rfc6749_refresh_may_narrow_but_never_widen_scope(
    meta: dict[str, Any], web: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    client, token = signed_in(meta, web, operator, scan)
    narrowed = client.refresh_token(
        meta["token_endpoint"], refresh_token=token["refresh_token"], scope="setup:read"
    )
    scan.remember(narrowed["access_token"], narrowed["refresh_token"])
    assert narrowed["scope"] == "setup:read"
    assert (
        oauth_error(
            lambda: client.refresh_token(
                meta["token_endpoint"],
                refresh_token=narrowed["refresh_token"],
                scope="setup:read admin",
            )
        )
        == "invalid_scope"
    )


def test_rfc6749_refresh_token_of_another_client_is_invalid_grant(
    meta: dict[str, Any], web: dict[str, Any], spa: dict[str, Any], operator: Browser, scan: LogScan
) -> None:
    _, token = signed_in(meta, web, operator, scan)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": token["refresh_token"],
        "client_id": spa["client_id"],
    }
    reply = post_token(meta, data)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_rfc6749_client_credentials_client_cannot_use_code_grant(
    meta: dict[str, Any], base: str, admin_token: str, scan: LogScan, operator: Browser
) -> None:
    machine = register(base, admin_token, scan, name="machine", scope="setup:read")
    params = s256(meta, machine)
    reply = operator.http.get(meta["authorization_endpoint"], params=params)
    assert reply.status_code == 400 or redirect_query(reply)["error"] in (
        "unauthorized_client",
        "invalid_request",
    )


# ------------------------------------------------------------------ RFC 7009 revocation
def test_rfc7009_revoked_access_token_is_refused_at_once(
    base: str, meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan)["access_token"]
    with client_for(admins[TENANT]) as client:
        assert (
            client.revoke_token(
                meta["revocation_endpoint"], token=token, token_type_hint="access_token"
            ).status_code
            == 200
        )
    assert introspect(meta, admins, token)["active"] is False
    assert (
        httpx.get(base + "/connections", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_rfc7009_revoking_a_refresh_token_ends_the_grant(
    meta: dict[str, Any],
    web: dict[str, Any],
    operator: Browser,
    scan: LogScan,
    admins: dict[str, Any],
) -> None:
    client, token = signed_in(meta, web, operator, scan)
    assert (
        client.revoke_token(
            meta["revocation_endpoint"],
            token=token["refresh_token"],
            token_type_hint="refresh_token",
        ).status_code
        == 200
    )
    assert introspect(meta, admins, token["access_token"])["active"] is False  # §2.1 MAY -> we do
    assert (
        oauth_error(
            lambda: client.refresh_token(
                meta["token_endpoint"], refresh_token=token["refresh_token"]
            )
        )
        == "invalid_grant"
    )


def test_rfc7009_unknown_token_and_wrong_hint_answer_200(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan)["access_token"]
    with client_for(admins[TENANT]) as client:
        assert (
            client.revoke_token(
                meta["revocation_endpoint"], token="sb_at.unknown.token-value"
            ).status_code
            == 200
        )
        assert (
            client.revoke_token(
                meta["revocation_endpoint"], token=token, token_type_hint="refresh_token"
            ).status_code
            == 200
        )
    assert introspect(meta, admins, token)["active"] is False  # §2.1: the hint is only a hint


def test_rfc7009_revocation_needs_client_authentication(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan)["access_token"]
    reply = httpx.post(meta["revocation_endpoint"], data={"token": token})
    assert reply.status_code in (400, 401) and reply.json()["error"] in (
        "invalid_client",
        "invalid_request",
    )
    wrong = httpx.post(
        meta["revocation_endpoint"], data={"token": token}, auth=(admins[TENANT].client_id, "wrong")
    )
    assert wrong.status_code == 401
    assert introspect(meta, admins, token)["active"] is True


def test_rfc7009_a_client_cannot_revoke_another_tenants_token(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan)["access_token"]
    with client_for(admins[OTHER]) as client:
        client.revoke_token(meta["revocation_endpoint"], token=token)
    assert introspect(meta, admins, token)["active"] is True


def test_rfc7662_introspection_is_scoped_to_the_tenant(
    meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    token = machine_token(meta, admins[TENANT], scan)["access_token"]
    with client_for(admins[OTHER]) as client:
        assert client.introspect_token(meta["introspection_endpoint"], token=token).json() == {
            "active": False
        }
    assert httpx.post(meta["introspection_endpoint"], data={"token": token}).status_code == 401


# ------------------------------------------------------------------ the outside test's findings, over HTTP
def test_finding_login_next_with_crlf_never_reaches_location(
    runtime: Any, base: str, scan: LogScan
) -> None:
    login = person(runtime, scan, "nico", "viewer")
    for bad in ("/setup\r\nSet-Cookie: sb_session=evil", "/%0d%0aX: y", "//evil.example"):
        with httpx.Client(base_url=base) as browser:
            reply = browser.post("/oauth/login", data={"tenant": TENANT, "username": "nico",
                                 "password": login.password, "next": bad})  # fmt: skip
            assert reply.status_code in (200, 303) and "evil" not in reply.headers.get(
                "location", ""
            )
            assert "\r" not in reply.headers.get("location", "")


def test_finding_viewer_cannot_disconnect_and_events_token_reads_nothing(
    base: str, viewer: Browser, admins: dict[str, Any], meta: dict[str, Any], scan: LogScan
) -> None:
    assert viewer.http.delete("/connections/ekos").status_code == 403
    token = machine_token(meta, admins[TENANT], scan, scope="events:write")
    for path in ("/setup/state", "/connections", "/connections/ekos/start"):
        assert httpx.get(base + path, headers=bearer(token)).status_code == 403, path
    record("findings", viewer_delete="403", events_token_reads="403 x3")


def test_finding_connection_hijack_is_refused(runtime: Any, base: str, scan: LogScan) -> None:
    """An attacker's started Ekos link, followed by a victim signed in to another tenant."""
    ekos = runtime.simulators["EKOS_BASE_URL"]
    secret = runtime.client("secretsmanager").get_secret_value(
        SecretId=runtime.ref("EkosClientSecret")
    )
    import json

    data = json.loads(secret["SecretString"])
    scan.remember(data["client_secret"])
    ekos.register_client(data["client_id"], data["client_secret"], [base + "/oauth/ekos/callback"])
    ekos.auto_approve = True
    attacker = Browser(base, person(runtime, scan, "mallory", "admin", tenant=TENANT), scan)
    victim = Browser(base, person(runtime, scan, "vera", "admin", tenant=OTHER), scan)
    attacker.sign_in()
    victim.sign_in()
    try:
        start = attacker.http.get("/connections/ekos/start")
        assert start.status_code == 302 and "sb_ekos_binding" in start.headers.get("set-cookie", "")
        approved = httpx.get(start.headers["location"])  # the victim approves at Ekos
        callback = approved.headers["location"]
        assert callback.startswith(base + "/oauth/ekos/callback")
        page = victim.http.get(callback[len(base) :])
        assert page.status_code == 400 and "Ekos was not connected" in page.text
        for browser in (attacker, victim):
            assert browser.http.get("/connections").json() == {"connections": []}
        record("findings", hijack=f"{page.status_code} refused, nothing connected")
    finally:
        attacker.close()
        victim.close()


def test_finding_token_endpoint_throttled_with_retry_after(
    meta: dict[str, Any], admins: dict[str, Any]
) -> None:
    issued = admins[OTHER]
    statuses = []
    for _ in range(40):
        reply = post_token(meta, {"grant_type": "client_credentials"},
                           auth=(issued.client_id, "guessed-secret"))  # fmt: skip
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            break
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    assert int(reply.headers["retry-after"]) >= 1
    record(
        "throttling",
        token_endpoint=f"429 after {len(statuses) - 1} wrong secrets, Retry-After {reply.headers['retry-after']}s",
    )


def test_finding_sign_in_throttled_with_retry_after(runtime: Any, base: str, scan: LogScan) -> None:
    person(runtime, scan, "tina", "viewer")
    statuses = []
    for _ in range(20):
        reply = httpx.post(
            base + "/oauth/login",
            data={"tenant": TENANT, "username": "tina", "password": "wrong-password"},
        )
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            break
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    record(
        "throttling",
        sign_in=f"429 after {len(statuses) - 1} wrong passwords, Retry-After {reply.headers['retry-after']}s",
    )


def test_finding_bad_input_over_http_is_a_typed_4xx(
    base: str, meta: dict[str, Any], admins: dict[str, Any], scan: LogScan
) -> None:
    """The hand-made bad inputs of the outside test, through the gateway to the events route."""
    from tests.unit.api.test_edge import BAD_INPUT

    token = machine_token(meta, admins[TENANT], scan, scope="events:write")
    answers = {}
    for case, (body, content_type, status, code) in BAD_INPUT.items():
        headers = bearer(token)
        if content_type:
            headers["Content-Type"] = content_type
        content = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
        reply = httpx.post(base + "/api/v1/erp/ekos/events", content=content, headers=headers)
        answers[case] = reply.status_code
        assert (reply.status_code, reply.json()["error"]["code"]) == (status, code), case
    four_xx = sum(400 <= s < 500 for s in answers.values())
    record(
        "bad_input_http",
        four_xx=f"{four_xx}/{len(answers)}",
        statuses=sorted(set(answers.values())),
    )


# ------------------------------------------------------------------ figures and the log scan (last)
def test_zz_every_case_as_expected_and_no_secret_in_any_log(scan: LogScan) -> None:
    outcomes = OUTCOMES.get(__name__, {})
    cases = {k: v for k, v in outcomes.items() if k.startswith(("test_rfc", "test_finding"))}
    record("oauth_rfc_suite", expected=sum(cases.values()), total=len(cases))
    record("logs_oauth_suite", **scan.figures())
    assert scan.secrets and scan.figures()["log_lines"] > 50
    if scan.leaks():
        bad = [
            line[:260] for line in scan.text.splitlines() if any(x in line for x in scan.secrets)
        ]
        print("\n".join(bad[:40]))
    assert scan.leaks() == []
