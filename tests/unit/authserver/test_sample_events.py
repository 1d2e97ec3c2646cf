"""Every sample event in events/ for the OAuth server, authorizer and events route runs
through its handler and gets the answer its name promises (never a 5xx)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.apigw import call
from tests.helpers.functions import ROOT, FakeContext, load_function
from tests.helpers.moto import template_resources

EVENTS = ROOT / "events"


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.parametrize("path", sorted(EVENTS.glob("oauth-*.json")), ids=lambda p: p.stem)
def test_oauth_samples_are_answered_without_a_server_error(oauth_fn: Any, path: Path) -> None:
    reply = call(oauth_fn, json.loads(path.read_text()))
    assert reply.status < 500, reply.body
    expected = {
        "oauth-metadata": 200,
        "oauth-login-get": 200,
        "oauth-token-wrong-secret": 401,
        "oauth-revoke": 401,
        "oauth-introspect": 401,
        "oauth-invite-user": 201,
        "oauth-register-client": 201,
        "oauth-logout": 200,
    }
    if path.stem in expected:
        assert reply.status == expected[path.stem], reply.body


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
