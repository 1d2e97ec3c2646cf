"""In-process moto for unit/integration tests: offline credentials and fresh boto3 clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncbridge import aws


def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and no endpoint override: boto3 talks to `mock_aws`."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="module", autouse=True)
def fresh_clients() -> Iterator[None]:
    """boto3 clients built for this module's moto (not a runtime's endpoint); once per
    module, since building them is the slow part of a moto test. A conftest imports it
    to apply it to its folder."""
    aws.reset_clients()
    yield
    aws.reset_clients()
