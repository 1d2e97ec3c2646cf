"""Every route of every resolver has exactly one policy entry, the template agrees with it,
and the one gate refuses every protected route without its principal, role or scope."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from syncbridge.api.policy import POLICIES, ROLE_ORDER, RoutePolicy, allowed
from syncbridge.api.principal import Principal
from syncbridge.api.routes.pest_app import build_app
from syncbridge.authserver.scopes import SCOPES
from tests.helpers.apigw import api_event
from tests.helpers.functions import load_function

ROOT = Path(__file__).resolve().parents[3]


def resolvers() -> dict[str, Any]:
    return {
        "ApiFunction": load_function("api").app,
        "OAuthFunction": load_function("oauth").app,
        "PestApiFunction": build_app(),
    }


RESOLVERS = resolvers()


def routes_of(app: Any) -> set[tuple[str, str]]:
    return {(r.method, r.openapi_path) for r in app._static_routes + app._dynamic_routes}


def template_routes() -> dict[tuple[str, str], tuple[str, bool]]:
    """(METHOD, path) -> (function, public) for every `Type: Api` event of template.yaml."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    found = {}
    for name, resource in template["Resources"].items():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") != "Api":
                continue
            props = event["Properties"]
            auth = (props.get("Auth") or {}).get("Authorizer")
            found[(props["Method"].upper(), props["Path"])] = (name, auth == "NONE")
    return found


def test_every_route_of_every_resolver_has_a_policy_and_no_entry_is_stale() -> None:
    all_routes: set[tuple[str, str]] = set()
    for name, app in RESOLVERS.items():
        routes = routes_of(app)
        missing = sorted(routes - POLICIES.keys())
        assert not missing, f"{name} has routes without a policy: {missing}"
        all_routes |= routes
    assert not sorted(POLICIES.keys() - all_routes), "policy entries without a route"


def test_the_template_declares_every_route_and_its_authorizer_matches_the_policy() -> None:
    declared = template_routes()
    for name, app in RESOLVERS.items():
        for key in routes_of(app):
            assert key in declared, f"{key} of {name} is not an Api event in template.yaml"
            function, public = declared[key]
            assert function == name, (key, function)
            assert public == POLICIES[key].public, f"{key}: Authorizer NONE <=> public"
    assert set(declared) == set(POLICIES)


def test_every_entry_names_a_known_role_and_scope() -> None:
    for key, entry in POLICIES.items():
        assert entry.role is None or entry.role in ROLE_ORDER, key
        assert entry.scope is None or entry.scope in SCOPES, key
        assert entry.public or entry.scope is not None, f"{key}: a protected route needs a scope"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _resolver_of(key: tuple[str, str]) -> Any:
    return next(app for app in RESOLVERS.values() if key in routes_of(app))


def _call(key: tuple[str, str], principal: Principal | None) -> tuple[int, dict[str, Any]]:
    method, path = key
    event = api_event(
        method,
        _concrete(path),
        json_body="{}" if method in ("POST", "PUT") else None,
        authorizer=principal.to_context() if principal else None,
    )
    event["resource"] = path
    reply = _resolver_of(key).resolve(event, None)
    return reply["statusCode"], json.loads(reply["body"] or "{}")


PROTECTED = sorted(k for k, v in POLICIES.items() if not v.public)


@pytest.mark.parametrize("key", PROTECTED, ids=lambda k: f"{k[0]} {k[1]}")
def test_the_gate_refuses_without_principal_role_or_scope(key: tuple[str, str]) -> None:
    entry: RoutePolicy = POLICIES[key]
    every_scope = frozenset(SCOPES)
    status, body = _call(key, None)
    assert (status, body["error"]["code"]) == (401, "unauthorized")

    admin_without_scope = Principal(
        tenant_id="t", client_id="c", roles=frozenset({"admin"}), scopes=every_scope - {entry.scope}
    )
    status, body = _call(key, admin_without_scope)
    assert status == 403 and body["error"]["required_scope"] == entry.scope

    if entry.role is not None and entry.role != "viewer":
        below = ROLE_ORDER[ROLE_ORDER.index(entry.role) - 1]
        weak = Principal(tenant_id="t", client_id="c", roles=frozenset({below}), scopes=every_scope)
        status, body = _call(key, weak)
        assert status == 403 and body["error"]["required_role"] == entry.role
        assert not allowed(weak, *key)


def test_findings_viewer_delete_and_events_only_token_are_refused() -> None:
    viewer = Principal(
        tenant_id="t", client_id="web", roles=frozenset({"viewer"}),
        scopes=frozenset({"setup:read", "pest:read", "scans:read"}),
    )  # fmt: skip
    assert _call(("DELETE", "/connections/ekos"), viewer)[0] == 403
    events_only = Principal(
        tenant_id="t",
        client_id="erp",
        roles=frozenset({"admin"}),
        scopes=frozenset({"events:write"}),
    )
    for key in [
        ("GET", "/setup/state"),
        ("GET", "/connections"),
        ("GET", "/connections/ekos/start"),
    ]:
        assert _call(key, events_only)[0] == 403, key


def test_a_route_without_policy_is_refused() -> None:
    from syncbridge.api.resolver import make_resolver

    app = make_resolver(policies={})

    @app.get("/unlisted")
    def unlisted() -> dict:
        return {"secret": "data"}

    reply = app.resolve(api_event("GET", "/unlisted"), None)
    assert reply["statusCode"] == 403 and json.loads(reply["body"])["error"]["code"] == "no_policy"
