"""Each tenant's own credentials per external system: validated, never echoed, never shared."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from syncbridge.domain.credentials import (
    CredentialService,
    CredentialsNotConfigured,
    UnknownSystem,
    check_upstream_url,
)
from syncbridge.domain.errors import InvalidInput


class MemoryCredentials:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, tenant_id: str, system: str) -> dict[str, Any] | None:
        return self.values.get((tenant_id, system))

    def put(self, tenant_id: str, system: str, value: dict[str, Any]) -> None:
        self.values[(tenant_id, system)] = value

    def updated_at(self, tenant_id: str, system: str) -> datetime | None:
        return datetime(2026, 1, 1, tzinfo=UTC) if (tenant_id, system) in self.values else None

    def delete(self, tenant_id: str, system: str) -> bool:
        return self.values.pop((tenant_id, system), None) is not None


ODOO = {
    "base_url": "https://acme.odoo.com",
    "database": "acme",
    "login": "bot",
    "api_key": "k-123456",
}


@pytest.fixture
def service() -> CredentialService:
    return CredentialService(MemoryCredentials())


def test_a_tenant_sets_and_uses_its_own_and_no_other_tenant_sees_them(service) -> None:
    status = service.set("a", "odoo", ODOO)
    assert status.configured and "k-123456" not in status.model_dump_json()
    assert service.credentials("a", "odoo")["api_key"] == "k-123456"
    with pytest.raises(CredentialsNotConfigured) as info:
        service.credentials("b", "odoo")
    assert info.value.http_status == 409 and "k-123456" not in info.value.message
    assert {s.system: s.configured for s in service.status("b")} == {
        "microshare": False, "odoo": False, "resterp": False,
    }  # fmt: skip
    service.remove("a", "odoo")
    with pytest.raises(CredentialsNotConfigured):
        service.credentials("a", "odoo")


@pytest.mark.parametrize(
    "body",
    [
        {"database": "x", "login": "y"},  # no secret at all
        {**ODOO, "extra": "field"},
        {**ODOO, "base_url": "http://acme.odoo.com"},
        {**ODOO, "base_url": "https://169.254.169.254/latest/meta-data"},
        {**ODOO, "base_url": "https://10.0.0.5"},
        {**ODOO, "base_url": "https://localhost:9001"},
        {**ODOO, "base_url": "https://user:pw@acme.odoo.com"},
        {**ODOO, "base_url": "https://metadata.google.internal"},
    ],
)
def test_invalid_or_internal_credentials_are_422_without_echoing_the_secret(service, body) -> None:
    with pytest.raises(InvalidInput) as info:
        service.set("a", "odoo", body)
    assert "k-123456" not in str(info.value.details) + info.value.message
    assert service.status("a")[1].configured is False


def test_microshare_needs_its_three_fields(service) -> None:
    with pytest.raises(InvalidInput):
        service.set("a", "microshare", {"username": "u", "password": "p"})
    service.set("a", "microshare", {"username": "u", "password": "pw-123456", "client_id": "c"})
    assert service.credentials("a", "microshare")["password"] == "pw-123456"


def test_unknown_system_is_404(service) -> None:
    with pytest.raises(UnknownSystem):
        service.set("a", "sap", ODOO)


def test_loopback_http_only_when_running_locally() -> None:
    url = "http://127.0.0.1:8069/"
    assert check_upstream_url(url, allow_loopback=True) == "http://127.0.0.1:8069"
    with pytest.raises(ValueError):
        check_upstream_url(url, allow_loopback=False)
