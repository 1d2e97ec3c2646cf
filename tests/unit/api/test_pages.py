"""The app's pages are public shells (a signed-out visitor gets a page that sends them to
sign-in, never a JSON 401), their links follow the stage prefix, and `GET /me` tells the
pages who is signed in and which actions to offer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from syncbridge.api.permissions import PAGE_ACTIONS, allowed_routes
from syncbridge.api.principal import Principal
from tests.helpers.apigw import api_event, authorizer_context, call
from tests.helpers.functions import load_function

PAGES = ["/", "/setup", "/app/connections", "/app/pest", "/app/settings"]


@pytest.fixture(scope="module")
def api() -> Any:
    return load_function("api")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_html_for_a_signed_out_visitor(api: Any, path: str) -> None:
    reply = call(api, api_event("GET", path))
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("text/html")
    assert "frame-ancestors 'none'" in reply.header("Content-Security-Policy")
    assert reply.header("Cache-Control") == "no-store"
    html = reply.text
    assert f'data-page="{path}"' in html
    # the header's sign-in link returns to this page, and every link carries the stage
    assert f'href="/dev/oauth/login?next={path}"' in html
    assert 'href="/dev/app/pest"' in html and 'href="/dev/setup"' in html
    assert "$root" not in html and not re.search(r"\$[a-z_]+\b(?!\()", _markup(html))


def _markup(html: str) -> str:
    """The HTML without its inline scripts (JS may use `$` on its own)."""
    return re.sub(r"<script>.*?</script>", "", html, flags=re.S)


def test_pages_have_no_stage_prefix_on_a_custom_domain(api: Any) -> None:
    event = api_event("GET", "/app/pest")
    event["requestContext"]["path"] = "/app/pest"  # custom domain / local: no stage in the URL
    html = call(api, event).text
    assert 'href="/app/settings"' in html and 'data-root=""' in html


def test_me_needs_a_session(api: Any) -> None:
    reply = call(api, api_event("GET", "/me"))
    assert reply.status == 401
    assert reply.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("role", "offered", "not_offered"),
    [
        (
            "viewer",
            set(),
            {"PUT /setup/{resource_type}/proposals/{external_id}", "POST /oauth/users"},
        ),
        (
            "operator",
            {"POST /setup/{resource_type}/submit", "POST /api/v1/erp/devices/{device_id}/status"},
            {"PUT /api/v1/erp/config", "POST /oauth/users"},
        ),
        ("admin", set(PAGE_ACTIONS), set()),
    ],
)
def test_me_names_the_person_and_the_actions_their_role_allows(
    api: Any, role: str, offered: set[str], not_offered: set[str]
) -> None:
    event = api_event("GET", "/me", authorizer=authorizer_context("acme", role, subject="alice"))
    body = call(api, event).json()
    assert (body["tenant_id"], body["subject"], body["role"]) == ("acme", "alice", role)
    allowed = set(body["allowed_routes"])
    assert offered <= allowed and not (not_offered & allowed)
    if role == "viewer":
        assert allowed == set()


def test_a_role_without_the_scope_is_not_offered_the_action() -> None:
    operator_without_scope = Principal(
        tenant_id="acme",
        client_id="c",
        roles=frozenset({"operator"}),
        scopes=frozenset({"pest:read"}),
    )
    assert allowed_routes(operator_without_scope) == []


def test_every_offered_route_exists_in_the_template() -> None:
    from pathlib import Path

    template = (Path(__file__).resolve().parents[3] / "template.yaml").read_text()
    declared = set(re.findall(r"Path: (\S+)\s+Method: (\w+)", template))
    for route in PAGE_ACTIONS:
        method, path = route.split(" ", 1)
        assert (path, method) in declared, route


def test_the_sample_events_of_the_app_routes_are_answered(api: Any) -> None:
    import json
    from pathlib import Path

    events = Path(__file__).resolve().parents[3] / "events"
    home = call(api, json.loads((events / "api-home-page.json").read_text()))
    assert home.status == 200 and "Sync Bridge" in home.text
    me = call(api, json.loads((events / "api-me.json").read_text()))
    assert me.status == 200 and me.json()["tenant_id"] == "brewery-a"


def test_a_typed_sign_out_link_shows_a_button_and_signs_no_one_out() -> None:
    reply = call(load_function("oauth"), api_event("GET", "/oauth/logout"))
    assert reply.status == 200 and reply.header("Set-Cookie") is None
    assert "method='post'" in reply.text and "Sign out" in reply.text


def test_every_control_a_page_marks_with_a_route_can_be_offered() -> None:
    """A `data-route` (HTML) or `SB.may(...)` (scripts) naming a route that `GET /me` never
    lists would hide that control from everyone, admins included."""
    from pathlib import Path

    static = Path(__file__).resolve().parents[3] / "shared" / "syncbridge" / "api" / "static"
    named: set[str] = set()
    for page in static.glob("*.*"):
        text = page.read_text(encoding="utf-8")
        named |= set(re.findall(r'data-route="((?:GET|POST|PUT|DELETE) /[^"]*)"', text))
        named |= set(re.findall(r'SB\.may\("((?:GET|POST|PUT|DELETE) [^"]+)"\)', text))
        named |= set(re.findall(r'"data-route": "((?:GET|POST|PUT|DELETE) [^"]+)"', text))
    assert len(named) >= 20
    assert named - set(PAGE_ACTIONS) == set()
