"""Publishing a resolver's OpenAPI document, with what the policy table knows added.

Each API (main, pest-control, our OAuth server) serves its document at a public route.
Powertools generates it from the routes; this adds the bearer security scheme, marks the
policy's public routes with `security: []`, documents the form bodies of raw routes that
parse their own body (the OAuth endpoints hand it to authlib) and the gate's error answers
(401, 403, 413, 415, 429), so independent clients such as schemathesis can test them all.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from syncbridge.api.policy import policy_for

_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        "required": ["code", "message"],
                    }
                },
            }
        }
    }
}
GATE_ANSWERS = {
    "400": "malformed body (not UTF-8, JSON too deep, ...)",
    "401": "no valid token or session",
    "403": "the role or scope is missing",
    "413": "body over 1 MB",
    "415": "content type not taken",
    "422": "invalid input",
    "429": "rate limited (Retry-After)",
}


def security() -> dict[str, Any]:
    """Bearer tokens of our OAuth server (Swagger UI's Authorize button uses it too)."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return {
        "security_schemes": {"bearerAuth": HTTPBearer(description="Sync Bridge OAuth token")},
        "security": [{"bearerAuth": []}],
    }


def document(
    app: APIGatewayRestResolver,
    *,
    title: str,
    version: str,
    description: str,
    form_bodies: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec = json.loads(
        app.get_openapi_json_schema(
            title=title, version=version, description=description, **security()
        )
    )
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            entry = policy_for(method, path)
            if entry is not None and entry.public:
                operation["security"] = []
            schema = (form_bodies or {}).get((method.upper(), path))
            if schema is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": schema}},
                }
            responses = operation.setdefault("responses", {})
            for status, text in GATE_ANSWERS.items():
                responses.setdefault(status, {"description": text, **_ERROR})
    return spec


def publish(app: APIGatewayRestResolver, path: str, **kwargs: Any) -> None:
    """Serve `document(app, ...)` at `path` (public, kept out of the document itself)."""

    @app.get(path, include_in_schema=False)
    def openapi():  # a raw Response: no return annotation, kept out of the schema
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps(document(app, **kwargs)),
        )
