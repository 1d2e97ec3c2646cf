"""API Gateway (REST v1) proxy events, a Lambda context and a reply wrapper for tests that
call a handler or resolver directly, the way API Gateway (or the local runtime) would."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from syncbridge.api.principal import Principal
from tests.helpers.functions import FakeContext


def api_event(
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    json_body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    authorizer: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway (or the local runtime) sends it."""
    all_headers = {"Host": "127.0.0.1:3000", **(headers or {})}
    body = None
    if form is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(form)
    elif json_body is not None:
        all_headers["Content-Type"] = "application/json"
        body = json_body if isinstance(json_body, str) else json.dumps(json_body)
    context: dict[str, Any] = {"stage": "dev", "requestId": "req-1", "path": f"/dev{path}"}
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def basic(client_id: str, secret: str) -> str:
    """An HTTP Basic `Authorization` header value (client authentication at /oauth/token)."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def authorizer_context(
    tenant: str, *roles: str, subject: str = "alice", client_id: str = "web"
) -> dict[str, str]:
    """What our Lambda authorizer puts in `requestContext.authorizer` for this caller."""
    from syncbridge.authserver.scopes import scopes_for_roles

    return Principal(
        tenant_id=tenant,
        client_id=client_id,
        subject=subject,
        roles=frozenset(roles),
        scopes=scopes_for_roles(frozenset(roles)),
    ).to_context()


class Reply:
    """A proxy response, with case-insensitive (multi-value) headers."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status = int(raw["statusCode"])
        self.body = self.text = raw.get("body") or ""
        values: dict[str, list[str]] = {}
        for k, v in (raw.get("headers") or {}).items():
            values.setdefault(k.lower(), []).append(str(v))
        for k, vs in (raw.get("multiValueHeaders") or {}).items():
            for v in vs:
                if str(v) not in values.get(k.lower(), []):
                    values.setdefault(k.lower(), []).append(str(v))
        self.header_values = values
        self.headers = {k: vs[0] for k, vs in values.items() if vs}

    def header(self, name: str) -> str | None:
        values = self.header_values.get(name.lower())
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


def call(fn: Any, event: dict[str, Any]) -> Reply:
    """Invoke a function module's `lambda_handler` with a proxy event."""
    return Reply(fn.lambda_handler(event, FakeContext()))


class MemoryCounter:
    """`syncbridge.api.throttle.Counter` in a dict (the real one is DynamoDB): fixed windows
    that only end when a test calls `advance`."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}

    def hit(self, key: str, limit: int, window_seconds: int) -> int:
        self.hits[key] = self.hits.get(key, 0) + 1
        return 0 if self.hits[key] <= limit else window_seconds

    def advance(self) -> None:
        self.hits.clear()
