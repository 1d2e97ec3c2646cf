"""API Gateway (REST v1) proxy events for the pest API, with an authorizer context."""

from __future__ import annotations

import json
from typing import Any

from syncbridge.api.principal import Principal


def principal(tenant: str, *roles: str, subject: str = "alice") -> dict[str, str]:
    from syncbridge.authserver.scopes import scopes_for_roles

    return Principal(
        tenant_id=tenant,
        client_id="web",
        subject=subject,
        roles=frozenset(roles),
        scopes=scopes_for_roles(frozenset(roles)),
    ).to_context()


def event(
    method: str,
    path: str,
    *,
    body: Any = None,
    query: dict[str, str] | None = None,
    authorizer: dict[str, str] | None = None,
) -> dict[str, Any]:
    headers = {"Host": "127.0.0.1:3000", "Content-Type": "application/json"}
    context: dict[str, Any] = {"stage": "dev", "requestId": "req-1", "path": f"/dev{path}"}
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "requestContext": context,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


class Reply:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status = int(raw["statusCode"])
        headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        for k, v in (raw.get("multiValueHeaders") or {}).items():
            headers.setdefault(k.lower(), v[0] if v else "")
        self.headers = headers
        self.text = raw.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.text)
