"""What the API Gateway REQUEST authorizer decides, kept apart from the Lambda handler.

The token comes from `Authorization: Bearer <token>` (machines, scripts) or the `sb_session`
cookie (browser pages). It is resolved through the OAuth store directly (no HTTP hop):
an active access token yields an Allow policy for the method ARN plus the principal as
context; anything else is "Unauthorized", which API Gateway turns into a 401.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from syncbridge.api.principal import Principal
from syncbridge.authserver.service import SESSION_COOKIE, authenticate_bearer
from syncbridge.authserver.store import OAuthStore


class Unauthorized(Exception):
    """Raised with the exact message "Unauthorized": API Gateway's signal for a 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def token_from_request(event: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if v}
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is just "no session"
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def policy(principal: Principal, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal.subject or principal.client_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}
            ],
        },
        "context": principal.to_context(),
    }


def authorize_request(store: OAuthStore, event: dict[str, Any]) -> dict[str, Any]:
    """The authorizer response for a REQUEST event; raises Unauthorized for a bad token."""
    principal = authenticate_bearer(store, token_from_request(event))
    if principal is None:
        raise Unauthorized()
    return policy(principal, event["methodArn"])
