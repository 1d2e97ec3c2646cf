"""Adapter between API Gateway proxy events (REST v1) and authlib's request/response types.

authlib ships integrations for Flask, Django and Starlette; a Lambda gets a proxy event
instead, so this module plays the same part: `HttpRequest.from_event` reads method, URL,
headers, query and form body (base64 or not), `OAuthRequest`/`OAuthJsonRequest` present it
to authlib, and `OAuthResponse` carries authlib's `(status, body, headers)` back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request

from syncbridge.public_url import public_base_url


class Headers(dict[str, str]):
    """Case-insensitive header map (HTTP header names are case-insensitive)."""

    def __init__(self, items: dict[str, str] | None = None) -> None:
        super().__init__({k.lower(): v for k, v in (items or {}).items()})

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items() if v}


@dataclass
class HttpRequest:
    """The parts of an HTTP request the authorization server reads."""

    method: str
    path: str
    base_url: str
    headers: Headers = field(default_factory=Headers)
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    body: str = ""

    @property
    def url(self) -> str:
        query = urlencode([(k, v) for k, vs in self.query.items() for v in vs])
        return f"{self.base_url}{self.path}" + (f"?{query}" if query else "")

    @property
    def args(self) -> dict[str, str]:
        return _first(self.query)

    @property
    def form_values(self) -> dict[str, str]:
        return _first(self.form)

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed cookie header means "no cookies", not a 500
            return {}
        return {k: morsel.value for k, morsel in jar.items()}

    def json(self) -> Any:
        return json.loads(self.body or "null")

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> HttpRequest:
        headers = Headers(
            {k: v[-1] for k, v in (event.get("multiValueHeaders") or {}).items() if v}
            | (event.get("headers") or {})
        )
        query: dict[str, list[str]] = {
            k: list(v) for k, v in (event.get("multiValueQueryStringParameters") or {}).items()
        }
        for k, v in (event.get("queryStringParameters") or {}).items():
            query.setdefault(k, [v])
        if not _basic_decodes(headers.get("authorization", "")):
            # authlib would raise (a 500) on Basic credentials that are not UTF-8 base64:
            # malformed credentials are no credentials -> invalid_client (401).
            headers.pop("authorization", None)
        body = event.get("body") or ""
        if event.get("isBase64Encoded") and body:
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        form: dict[str, list[str]] = {}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(body, keep_blank_values=True)
        return cls(
            method=(event.get("httpMethod") or "GET").upper(),
            path=event.get("path") or "/",
            base_url=public_base_url(event, headers),
            headers=headers,
            query=query,
            form=form,
            body=body,
        )


def _basic_decodes(value: str) -> bool:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return True


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return _first(self._values)

    @property
    def datalist(self) -> defaultdict[str, list]:
        return defaultdict(list, {k: list(v) for k, v in self._values.items()})


class OAuthRequest(OAuth2Request):
    """authlib's view of an HttpRequest (query and form merged, like Flask's `values`)."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self.http = request
        merged: dict[str, list[str]] = {k: list(v) for k, v in request.query.items()}
        for k, v in request.form.items():
            merged.setdefault(k, []).extend(v)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return self.http.args

    @property
    def form(self) -> dict[str, str]:
        return self.http.form_values


class _JsonPayload(JsonPayload):
    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @property
    def data(self) -> Any:
        return self._request.json()


class OAuthJsonRequest(JsonRequest):
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request.method, request.url, request.headers)
        self.payload = _JsonPayload(request)


@dataclass
class OAuthResponse:
    """An HTTP response from the authorization server, before it becomes a proxy result."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "application/json")

    def json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def from_authlib(cls, status: int, body: Any, headers: list[tuple[str, str]]) -> OAuthResponse:
        text = json.dumps(body) if isinstance(body, dict | list) else (body or "")
        return cls(status=status, body=text, headers=dict(headers or []))

    @classmethod
    def html(cls, status: int, page: str, cookies: list[str] | None = None) -> OAuthResponse:
        return cls(
            status=status,
            body=page,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Cache-Control": "no-store",
                "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                "form-action 'self' http: https:; frame-ancestors 'none'",
            },
            cookies=cookies or [],
        )

    @classmethod
    def redirect(cls, location: str, cookies: list[str] | None = None) -> OAuthResponse:
        return cls(
            status=303,
            headers={"Location": location, "Cache-Control": "no-store"},
            cookies=cookies or [],
        )

    @classmethod
    def json_body(cls, status: int, body: Any) -> OAuthResponse:
        return cls(
            status=status,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
        )
