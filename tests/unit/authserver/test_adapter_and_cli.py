"""The proxy-event adapter (URLs, bodies, cookies) and the bootstrap command line."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from syncbridge.authserver.__main__ import main
from syncbridge.authserver.lambda_http import HttpRequest
from syncbridge.authserver.service import authenticate_bearer
from syncbridge.authserver.store import OAuthStore
from tests.helpers.apigw import api_event, basic, call


def test_base_url_on_aws_includes_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    event = api_event(
        "GET", "/oauth/authorize", headers={"Host": "abc.execute-api.eu-west-1.amazonaws.com"}
    )
    assert (
        HttpRequest.from_event(event).base_url
        == "https://abc.execute-api.eu-west-1.amazonaws.com/dev"
    )


def test_configured_public_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.example.com/")
    assert HttpRequest.from_event(api_event("GET", "/x")).base_url == "https://api.example.com"


def test_base64_form_body_and_case_insensitive_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    event = api_event(
        "POST",
        "/oauth/token",
        form={"grant_type": "client_credentials", "scope": "a b"},
        headers={"cookie": "sb_session=abc; other=1"},
    )
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    request = HttpRequest.from_event(event)
    assert request.form_values == {"grant_type": "client_credentials", "scope": "a b"}
    assert request.headers.get("CONTENT-TYPE") == "application/x-www-form-urlencoded"
    assert request.cookies == {"sb_session": "abc", "other": "1"}
    assert request.url == "http://127.0.0.1:3000/oauth/token"


def test_malformed_cookie_header_means_no_cookies() -> None:
    request = HttpRequest.from_event(api_event("GET", "/x", headers={"Cookie": 'a="unterminated'}))
    assert request.cookies.get("sb_session") is None


def test_cli_bootstrap_prints_working_admin_credentials_once(
    oauth_fn: Any, store: OAuthStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bootstrap", "--tenant", "cli-brewery"]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert issued["tenant_id"] == "cli-brewery" and issued["roles"] == ["admin"]
    reply = call(
        oauth_fn,
        api_event(
            "POST",
            "/oauth/token",
            form={"grant_type": "client_credentials"},
            headers={"Authorization": basic(issued["client_id"], issued["client_secret"])},
        ),
    )
    assert reply.status == 200
    assert authenticate_bearer(store, reply.json()["access_token"]).tenant_id == "cli-brewery"  # type: ignore[union-attr]


def test_cli_add_user_and_bad_tenant(store: OAuthStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["add-user", "--tenant", "cli-brewery", "--username", "Lee", "--role", "operator"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["username"] == "lee"
    assert store.get_person("cli-brewery", "lee") is not None
    assert main(["bootstrap", "--tenant", "bad tenant!"]) == 2
    assert "invalid_input" in capsys.readouterr().err


def test_cli_add_user_with_a_bad_tenant_is_a_clear_error(
    store: OAuthStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add-user", "--tenant", "no/slashes", "--username", "x1"]) == 2
    assert "tenant id must be" in capsys.readouterr().err
