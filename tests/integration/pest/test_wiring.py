"""The composition root builds working ports from secrets + environment (both Odoo protocols).

The secrets live in moto's Secrets Manager, one per tenant and system as the admin API
stores them (`<TENANT_SECRETS_PREFIX>/<tenant>/<system>`), and are read by the product's
own loader (`pest_root.load_secret`), so a change to how secrets are read or named
breaks these tests as it would break a deploy.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from syncbridge import aws
from syncbridge.domain.pest.config import default_config
from syncbridge.roots import pest as pest_root
from tests.helpers.moto import offline_aws

pytestmark = pytest.mark.integration

TENANT = "golden-crust"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """`secrets(system, value, tenant=TENANT)`: a tenant's secret in moto's Secrets Manager."""
    offline_aws(monkeypatch)
    prefix = f"sync-bridge-test-{uuid.uuid4().hex[:8]}/tenants"
    monkeypatch.setenv("TENANT_SECRETS_PREFIX", prefix)
    with mock_aws():
        aws.reset_clients()
        parameters.clear_caches()  # Powertools keeps secrets (and its client) per process
        client = boto3.client("secretsmanager", region_name="us-east-1")

        def put(system: str, value: dict[str, Any], tenant: str = TENANT) -> None:
            client.create_secret(Name=f"{prefix}/{tenant}/{system}", SecretString=json.dumps(value))

        yield put
        parameters.clear_caches()
    aws.reset_clients()


@pytest.mark.parametrize("protocol", ["json2", "xmlrpc"])
def test_build_erp_from_secret_reads_the_points(sims, secrets, monkeypatch, protocol):
    odoo, _ = sims
    credentials = {k: odoo.credentials[k] for k in ("database", "login", "api_key")}
    secrets("odoo", {**credentials, "protocol": protocol})
    monkeypatch.setenv("ODOO_BASE_URL", odoo.url)
    erp = pest_root.build_erp(TENANT, default_config())
    points = erp.list_inspection_points(None)
    assert len(points) == 11 and len(erp.list_point_ids()) == 11


def test_build_iot_from_secret_lists_the_devices(sims, secrets, monkeypatch):
    _, microshare = sims
    secrets("microshare", dict(microshare.credentials))
    monkeypatch.setenv("MICROSHARE_API_URL", microshare.url)
    monkeypatch.setenv("MICROSHARE_AUTH_URL", microshare.auth_url)
    iot = pest_root.build_iot(TENANT, default_config())
    devices = iot.list_devices("io.microshare.trap.packed")
    assert sorted(d.point_ref for d in devices) == ["ERP024_025_01", "ERP024_025_02"]
    alerts = iot.list_alerts("io.microshare.event.alert.rodent", None)
    assert len(alerts) == 5 and all(a.event == "rodent_present" for a in alerts)


def test_wrong_credentials_are_source_unavailable_without_the_secret(sims, secrets, monkeypatch):
    odoo, _ = sims
    secrets("odoo", {"database": "odoo", "login": "x", "api_key": "wrong-key-123"})
    monkeypatch.setenv("ODOO_BASE_URL", odoo.url)
    erp = pest_root.build_erp(TENANT, default_config())
    with pytest.raises(pest_root.SourceUnavailable) as info:
        erp.list_point_ids()
    assert "wrong-key-123" not in str(info.value)


def test_another_tenants_secret_is_never_used(secrets):
    from syncbridge.domain.credentials import CredentialsNotConfigured

    secrets("odoo", {"database": "odoo", "login": "x", "api_key": "k-other"}, tenant="other")
    with pytest.raises(CredentialsNotConfigured) as info:
        pest_root.build_erp(TENANT, default_config())
    assert "k-other" not in str(info.value)
