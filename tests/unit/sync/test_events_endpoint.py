"""POST /api/v1/erp/{erp}/events through the API function (authorizer context given)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from syncbridge.api.principal import Principal
from tests.helpers.apigw import api_event, call
from tests.helpers.functions import load_function
from tests.unit.sync.conftest import drain

EKOS = Principal(
    tenant_id="tenant-a",
    client_id="ekos-client",
    subject="ekos-client",
    scopes=frozenset({"events:write"}),
    roles=frozenset(),
)


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "resource_type": "products",
        "action": "updated",
        "resource_id": "p-123",
        "occurred_at": "2026-03-01T12:00:00Z",
        "data": {"id": "p-123", "name": "Hazy IPA", "sku": "HZ-1"},
    } | overrides


@pytest.fixture
def api(events_queue: str) -> Any:
    return load_function("api")


def post(api: Any, payload: Any, principal: Principal | None = EKOS, erp: str = "ekos") -> Any:
    path = f"/api/v1/erp/{erp}/events"
    event = api_event(
        "POST", path, json_body=payload, authorizer=principal.to_context() if principal else None
    )
    event["resource"] = "/api/v1/erp/{erp}/events"
    event["pathParameters"] = {"erp": erp}
    return call(api, event)


def test_valid_event_is_queued_for_the_tokens_tenant_and_answered_202(
    api: Any, events_queue: str
) -> None:
    payload = body()
    reply = post(api, payload | {"tenant_id": "tenant-b"})  # a tenant in the body is ignored
    assert reply.status == 202, reply.body
    assert reply.json() == {
        "status": "accepted",
        "event_id": payload["event_id"],
        "duplicate_window_seconds": 300,
    }
    [message] = drain(events_queue)
    queued = json.loads(message["Body"])
    assert queued["tenant_id"] == "tenant-a"
    assert queued["erp"] == "ekos"
    assert queued["event"]["event_id"] == payload["event_id"]
    assert message["Attributes"]["MessageGroupId"] == "tenant-a#ekos#products#p-123"
    assert len(message["Attributes"]["MessageDeduplicationId"]) == 64


def test_a_retried_event_is_deduplicated_by_the_queue(api: Any, events_queue: str) -> None:
    payload = body()
    assert post(api, payload).status == 202
    assert post(api, payload).status == 202  # Ekos retried: still 202 ...
    assert len(drain(events_queue)) == 1  # ... but queued once


def test_events_of_one_record_share_a_group_and_others_do_not(api: Any, events_queue: str) -> None:
    post(api, body(resource_id="p-1"))
    post(api, body(resource_id="p-1", action="deleted"))
    post(api, body(resource_id="p-2"))
    groups = [m["Attributes"]["MessageGroupId"] for m in drain(events_queue)]
    assert sorted(groups) == [
        "tenant-a#ekos#products#p-1",
        "tenant-a#ekos#products#p-1",
        "tenant-a#ekos#products#p-2",
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"action": "renamed"}, "action"),
        ({"resource_type": "invoices"}, "resource_type"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-03-01T12:00:00"}, "occurred_at"),  # RFC 3339 needs an offset
        ({"resource_id": ""}, "resource_id"),
    ],
)
def test_invalid_event_is_422_naming_the_field(
    api: Any, events_queue: str, overrides: dict, field: str
) -> None:
    reply = post(api, body(**overrides))
    assert reply.status == 422, reply.body
    fields = [f["field"] for f in reply.json()["error"]["fields"]]
    assert any(f.endswith(field) for f in fields), fields
    assert drain(events_queue) == []


def test_missing_field_is_422_naming_it(api: Any) -> None:
    payload = body()
    del payload["occurred_at"]
    reply = post(api, payload)
    assert reply.status == 422
    assert any(f["field"].endswith("occurred_at") for f in reply.json()["error"]["fields"])


def test_malformed_json_is_400(api: Any) -> None:
    reply = post(api, "{not json")
    assert reply.status == 400
    assert reply.json()["error"]["code"] == "malformed_body"


def test_without_a_principal_it_is_401(api: Any, events_queue: str) -> None:
    reply = post(api, body(), principal=None)
    assert reply.status == 401
    assert drain(events_queue) == []


def test_without_the_events_write_scope_it_is_403(api: Any, events_queue: str) -> None:
    reader = EKOS.model_copy(update={"scopes": frozenset({"scans:read", "admin"})})
    reply = post(api, body(), principal=reader)
    assert reply.status == 403
    assert reply.json()["error"]["code"] == "forbidden"
    assert drain(events_queue) == []


def test_invalid_erp_name_is_422(api: Any) -> None:
    assert post(api, body(), erp="EKOS!").status == 422
