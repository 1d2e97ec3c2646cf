"""Fixtures for the authorization server's unit tests: an in-process moto OAuth table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.authserver.service import IssuedClient, bootstrap_tenant
from syncbridge.authserver.store import OAuthStore
from tests.helpers.functions import load_function
from tests.helpers.moto import fresh_clients, offline_aws  # noqa: F401 (fresh_clients: autouse)


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


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for unit tests (hashes are self-describing; production cost is unchanged)."""
    from syncbridge.authserver import credentials

    monkeypatch.setattr(credentials, "_SCRYPT_N", 2**10)


@pytest.fixture
def oauth_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    offline_aws(monkeypatch)
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


@pytest.fixture
def oauth_fn(oauth_table: Any) -> Any:
    """functions/oauth/app.py, freshly imported (its cached server binds to this moto table)."""
    return load_function("oauth")
