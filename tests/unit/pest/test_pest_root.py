"""The composition root: per-tenant secrets, error translation of the adapter bridges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncbridge.adapters.erp import ErpConflict, ErpUnavailable, InspectionPoint
from syncbridge.adapters.microshare import MicroshareConflict, MicroshareUnavailable
from syncbridge.domain.pest.errors import Conflict, SourceUnavailable
from syncbridge.domain.pest.models import IotDevice
from syncbridge.roots import pest as pest_root


@pytest.fixture
def tenant_secrets(monkeypatch):
    """moto Secrets Manager with tenant a's own Odoo credentials (and nobody else's)."""
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    from syncbridge import aws
    from syncbridge.store.credentials import SecretsManagerCredentials
    from tests.helpers.moto import offline_aws

    offline_aws(monkeypatch)
    monkeypatch.setenv("TENANT_SECRETS_PREFIX", "sync-bridge/test/tenants")
    aws.reset_clients()
    parameters.clear_caches()
    with mock_aws():
        repo = SecretsManagerCredentials()
        repo.put("a", "odoo", {"database": "odoo", "login": "x", "api_key": "key-of-a"})
        yield repo
    parameters.clear_caches()
    aws.reset_clients()


def test_a_tenant_gets_its_own_credentials(tenant_secrets):
    assert pest_root.load_secret("odoo", "a")["api_key"] == "key-of-a"


def test_a_tenant_without_its_own_is_not_configured_never_another_s(tenant_secrets):
    from syncbridge.domain.credentials import CredentialsNotConfigured

    for tenant, system in [("b", "odoo"), ("a", "microshare"), ("new-tenant", "odoo")]:
        with pytest.raises(CredentialsNotConfigured) as info:
            pest_root.load_secret(system, tenant)
        assert info.value.http_status == 409
        assert info.value.code == "credentials_not_configured"
        assert "key-of-a" not in str(info.value.details) + info.value.message


def test_secrets_manager_down_is_unavailable(tenant_secrets, monkeypatch):
    from syncbridge.store import credentials

    def down(*_a, **_k):
        raise RuntimeError("endpoint unreachable")

    monkeypatch.setattr(credentials.SecretsManagerCredentials, "get", down)
    with pytest.raises(SourceUnavailable):
        pest_root.load_secret("microshare", "a")


class _Erp:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def list_inspection_points(self, since, include_archived=False):
        if self.error:
            raise self.error
        yield InspectionPoint(
            id="7",
            reference=None,
            name="A / B / C",
            description="x / y",
            active=False,
            write_date=datetime(2026, 1, 1, tzinfo=UTC),
        )

    def write_point_fields(self, point_id, fields):
        raise self.error


def test_erp_bridge_maps_points_and_errors():
    (point,) = pest_root.ErpBridge(_Erp()).list_inspection_points(None)
    assert point.id == "7" and point.default_code is None and point.active is False
    with pytest.raises(SourceUnavailable):
        pest_root.ErpBridge(_Erp(ErpUnavailable("down"))).list_inspection_points(None)
    with pytest.raises(Conflict):
        pest_root.ErpBridge(_Erp(ErpConflict("dup barcode"))).write_point_fields(
            "7", {"barcode": "X"}
        )


class _Client:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def list_clusters(self, rec_type):
        raise self.error


@pytest.mark.parametrize(
    "error, expected",
    [
        (MicroshareUnavailable("down"), SourceUnavailable),
        (MicroshareConflict("busy", retryable=True), SourceUnavailable),
        (MicroshareConflict("DevEUI taken"), Conflict),
    ],
)
def test_iot_bridge_maps_errors(error, expected):
    bridge = pest_root.IotBridge(_Client(error))
    with pytest.raises(expected):
        bridge.add_devices("t", [IotDevice(deveui="00-00-00-00-00-00-00-00", location=["s"])])


def test_lazy_port_builds_once_and_failures_stay_source_errors():
    calls = []

    def factory():
        calls.append(1)
        raise SourceUnavailable("erp", "secret unavailable")

    port = pest_root.LazyPort(factory)
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            port.list_point_ids()
    assert len(calls) == 2  # not cached while failing: the next call retries


def test_lazy_port_rebuilds_after_the_system_was_unavailable():
    built = []

    class Port:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def list_point_ids(self):
            if self.fail:
                raise SourceUnavailable("erp", "auth refused")
            return {"1"}

    def factory():
        built.append(1)
        return Port(fail=len(built) == 1)  # the first build has the stale credentials

    port = pest_root.LazyPort(factory)
    with pytest.raises(SourceUnavailable):
        port.list_point_ids()
    assert port.list_point_ids() == {"1"} and port.list_point_ids() == {"1"}
    assert len(built) == 2
