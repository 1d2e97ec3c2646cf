"""The shared resolver's error contract and the health route, on hand-built proxy events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from syncbridge.api.policy import POLICIES, RoutePolicy
from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import health
from syncbridge.domain.errors import NotFound
from tests.helpers.apigw import api_event


def event(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    return api_event(method, path, json_body=body, headers={"Content-Type": "application/json"})


class Thing(BaseModel):
    name: str
    size: int


@pytest.fixture
def app():
    public_json = RoutePolicy(public=True, body="json")
    app = make_resolver(
        policies={
            **POLICIES,
            ("POST", "/things"): public_json,
            ("GET", "/things/missing"): public_json,
            ("GET", "/things/broken"): public_json,
        }
    )

    @app.post("/things")
    def create(thing: Thing) -> dict:
        return {"name": thing.name}

    @app.get("/things/missing")
    def missing() -> dict:
        raise NotFound("no such thing", thing_id="t-9")

    @app.get("/things/broken")
    def broken() -> dict:
        raise KeyError("internal detail")

    app.include_router(health.router)
    return app


def call(app, *args: Any) -> tuple[int, dict[str, Any]]:
    response = app.resolve(event(*args), None)
    return response["statusCode"], json.loads(response["body"])


def test_unknown_route_is_404_in_the_error_envelope(app) -> None:
    status, body = call(app, "GET", "/nope")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_invalid_field_is_422_and_named(app) -> None:
    status, body = call(app, "POST", "/things", json.dumps({"name": "x", "size": "big"}))
    assert status == 422
    assert body["error"]["fields"] == [{"field": "size", "location": "body", "type": "int_parsing"}]
    assert "big" not in json.dumps(body)  # values are not echoed back


def test_malformed_json_is_400(app) -> None:
    status, body = call(app, "POST", "/things", "{")
    assert status == 400 and body["error"]["code"] == "malformed_body"


def test_domain_error_maps_to_its_status(app) -> None:
    status, body = call(app, "GET", "/things/missing")
    assert status == 404
    assert body["error"] == {"code": "not_found", "message": "no such thing", "thing_id": "t-9"}


def test_unexpected_error_is_500_without_details(app) -> None:
    status, body = call(app, "GET", "/things/broken")
    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert "internal detail" not in json.dumps(body)


def test_health_reports_each_table(app, monkeypatch) -> None:
    monkeypatch.setenv("STAGE", "dev")
    for var in health.CHECKED_TABLES:
        monkeypatch.setenv(var, var.lower())
    monkeypatch.setattr(
        health,
        "table_status",
        lambda name: "ok" if name != "audit_table" else "ResourceNotFoundException",
    )
    status, body = call(app, "GET", "/health")
    assert status == 503
    assert body["status"] == "degraded"
    assert body["tables"]["AUDIT_TABLE"] == "ResourceNotFoundException"
    assert body["tables"]["MAPPINGS_TABLE"] == "ok"
