"""Fixtures for the authorization server's unit tests: an in-process moto OAuth table."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.authserver.service import IssuedClient, bootstrap_tenant
from syncbridge.authserver.store import OAuthStore

ROOT = Path(__file__).resolve().parents[3]


def create_oauth_table(name: str = "oauth-test") -> Any:
    return aws.resource("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@pytest.fixture(scope="module", autouse=True)
def fresh_clients() -> Iterator[None]:
    """boto3 clients built for this module's moto (not a runtime's endpoint); once per
    module, since building them is the slow part of a moto test."""
    aws.reset_clients()
    yield
    aws.reset_clients()


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for unit tests (hashes are self-describing; production cost is unchanged)."""
    from syncbridge.authserver import credentials

    monkeypatch.setattr(credentials, "_SCRYPT_N", 2**10)


@pytest.fixture
def oauth_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("OAUTH_TABLE", "oauth-test")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with mock_aws():
        yield create_oauth_table()


@pytest.fixture
def store(oauth_table: Any) -> OAuthStore:
    return OAuthStore(oauth_table)


@pytest.fixture
def admin(store: OAuthStore) -> IssuedClient:
    """Tenant A's bootstrap admin client."""
    return bootstrap_tenant(store, "tenant-a")


def load_function(name: str) -> Any:
    """Import functions/<name>/app.py under a unique module name (as Lambda would)."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"fn_{name}_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


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


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30000


class Reply:
    """A proxy response, with case-insensitive multi-value headers."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status = int(raw["statusCode"])
        self.body = raw.get("body") or ""
        headers: dict[str, list[str]] = {}
        for k, v in (raw.get("headers") or {}).items():
            headers.setdefault(k.lower(), []).append(str(v))
        for k, vs in (raw.get("multiValueHeaders") or {}).items():
            for v in vs:
                if str(v) not in headers.get(k.lower(), []):
                    headers.setdefault(k.lower(), []).append(str(v))
        self.headers = headers

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture
def oauth_fn(oauth_table: Any) -> Any:
    """functions/oauth/app.py, freshly imported (its cached server binds to this moto table)."""
    return load_function("oauth")


def call(fn: Any, event: dict[str, Any]) -> Reply:
    return Reply(fn.lambda_handler(event, FakeContext()))
