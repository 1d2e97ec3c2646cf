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
from tests.helpers.moto import (  # noqa: F401 (fresh_clients: autouse)
    fresh_clients,
    offline_aws,
    template_resources,
)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for unit tests (hashes are self-describing; production cost is unchanged)."""
    from syncbridge.authserver import credentials

    monkeypatch.setattr(credentials, "_SCRYPT_N", 2**10)


@pytest.fixture
def oauth_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The template's OAuthTable in moto (OAUTH_TABLE names it)."""
    offline_aws(monkeypatch)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with mock_aws():
        template_resources(monkeypatch, "OAuthTable")
        yield aws.table("OAUTH_TABLE")


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
