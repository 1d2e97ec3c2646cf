"""Finding: hand-made bad input got 500s. Each case is now a typed 4xx, before any route,
throttle or queue sees it; and cursors are opaque, signed and bound to their listing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from syncbridge.api.principal import Principal
from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup import cursor as cursors
from tests.helpers.apigw import api_event
from tests.helpers.functions import FakeContext, load_function

ERP = Principal(
    tenant_id="tenant-a", client_id="ekos", roles=frozenset({"viewer"}),
    scopes=frozenset({"events:write"}),
)  # fmt: skip
EVENT = {
    "event_id": "0b6f7a1e-3c1d-4f51-9a55-0d8f1b9f4e11",
    "resource_type": "products",
    "action": "updated",
    "resource_id": "p-1",
    "occurred_at": "2026-03-01T12:00:00Z",
    "data": {"name": "Hazy"},
}


@pytest.fixture(scope="module")
def api() -> Any:
    return load_function("api")


def push(api: Any, body: str | bytes, content_type: str = "application/json") -> Any:
    event = api_event(
        "POST",
        "/api/v1/erp/ekos/events",
        headers={"Content-Type": content_type},
        authorizer=ERP.to_context(),
    )
    event["resource"] = "/api/v1/erp/{erp}/events"
    if isinstance(body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"] = body
    return api.lambda_handler(event, FakeContext())


def nested(depth: int) -> str:
    return json.dumps({**EVENT, "data": {"x": None}}).replace("null", "[" * depth + "]" * depth)


BAD_INPUT = {
    "text/plain content type": (json.dumps(EVENT), "text/plain", 415, "unsupported_media_type"),
    "non-UTF-8 body": (b'{"event_id": "\xff\xfe"}', "application/json", 400, "invalid_encoding"),
    "5,000-digit integer": (
        json.dumps({**EVENT, "data": {"n": 1}}).replace('"n": 1', '"n": ' + "9" * 5000),
        "application/json",
        422,
        "number_too_large",
    ),
    "JSON nested 1,000 deep": (nested(1000), "application/json", 400, "json_too_deep"),
    "JSON nested 100,000 deep": (nested(100_000), "application/json", 400, "json_too_deep"),
    "lone surrogate \\ud800": (
        json.dumps(EVENT).replace('"Hazy"', '"\\ud800"'),
        "application/json",
        400,
        "invalid_encoding",
    ),
    "body over 1 MB": (
        json.dumps({**EVENT, "data": {"pad": "x" * (1024 * 1024)}}),
        "application/json",
        413,
        "payload_too_large",
    ),
    "NaN": (
        json.dumps({**EVENT, "data": {"n": float("nan")}}),
        "application/json",
        400,
        "malformed_body",
    ),
    "truncated JSON": ('{"event_id": ', "application/json", 400, "malformed_body"),
    "no content type": (json.dumps(EVENT), "", 415, "unsupported_media_type"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_a_typed_4xx(api: Any, case: str) -> None:
    body, content_type, status, code = BAD_INPUT[case]
    reply = push(api, body, content_type)
    assert reply["statusCode"] == status, reply["body"][:300]
    error = json.loads(reply["body"])["error"]
    assert error["code"] == code and error["message"]


def test_a_json_media_type_with_charset_or_suffix_is_accepted_by_the_edge() -> None:
    from syncbridge.api.edge import check_request

    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        event = api_event("POST", "/x", headers={"Content-Type": content_type})
        event["body"] = json.dumps(EVENT)
        check_request(event, "json")  # no exception


def test_a_cursor_decoding_to_any_dict_is_refused() -> None:
    """Finding: a proposals cursor that base64-decoded to any dict reached DynamoDB (500)."""
    forged = base64.urlsafe_b64encode(json.dumps({"pk": "x", "sk": "y"}).encode()).decode()
    for cursor in (forged, "e30", "not a cursor", "A" * 500):
        with pytest.raises(InvalidInput):
            cursors.decode(cursor, context="tenant-a#products#match#")


def test_cursors_are_opaque_signed_and_bound_to_their_listing() -> None:
    position = {"pk": "T#tenant-a#products", "sk": "P#match#ext-42"}
    token = cursors.encode(position, context="tenant-a#products#match#", key=b"k1")
    assert token is not None
    assert "tenant-a" not in token and "ext-42" not in token
    assert "ext-42" not in base64.urlsafe_b64decode(token + "==").decode("latin-1")
    assert cursors.decode(token, context="tenant-a#products#match#", key=b"k1") == position
    for context, key in [("tenant-b#products#match#", b"k1"), ("tenant-a#products#match#", b"k2")]:
        with pytest.raises(InvalidInput):
            cursors.decode(token, context=context, key=key)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(InvalidInput):
        cursors.decode(tampered, context="tenant-a#products#match#", key=b"k1")


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    from syncbridge.api.edge import check_json, json_depth

    text = json.dumps({"note": "[" * 100 + '\\"{' * 50, "list": [[1]]})
    assert json_depth(text) == 3
    check_json(text)  # no exception: 3 levels, whatever the strings hold
