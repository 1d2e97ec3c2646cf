"""Pest-control integration fixtures: DynamoDB tables in moto, the Odoo/Microshare sims."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from syncbridge import aws
from tests.helpers.moto import template_resources

TABLES = {"PEST_TABLE": "PestTable", "DEVICES_TABLE": "DevicesTable", "AUDIT_TABLE": "AuditTable"}


@pytest.fixture
def dynamo(monkeypatch) -> Iterator[dict[str, object]]:
    """PEST, DEVICES and AUDIT tables in moto, as template.yaml declares them."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws.reset_clients()
        template_resources(monkeypatch, *TABLES.values())
        yield {env_var: aws.table(env_var) for env_var in TABLES}
    aws.reset_clients()


@pytest.fixture
def sims():
    """The Odoo and Microshare simulators, seeded with Golden Crust Manchester."""
    from syncbridge_local.simulators import microshare as microshare_sim
    from syncbridge_local.simulators import odoo as odoo_sim

    odoo = odoo_sim.start()
    microshare = microshare_sim.start()
    try:
        yield odoo, microshare
    finally:
        odoo.stop()
        microshare.stop()


class StepClock:
    """A monotonic clock that moves only when the code under test sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def build_context(
    tenant: str, odoo, microshare, *, clock: StepClock | None = None, timeout: float = 2.0
):
    """A PestContext on the moto tables and real adapters talking to the simulators.

    `clock`: the Microshare client's write-protocol time (snapshot age, settle wait);
    without one it waits a real 50 ms settle. `timeout`: per HTTP request (a test that holds
    requests at a barrier needs more than the default)."""
    import httpx

    from syncbridge.adapters.erp import build_erp_adapter
    from syncbridge.adapters.http import RetryPolicy
    from syncbridge.adapters.microshare import MicroshareClient
    from syncbridge.domain.pest.config import default_config
    from syncbridge.roots.pest import ErpBridge, IotBridge, PestContext
    from syncbridge.store.devices import DynamoDeviceAudit, DynamoDeviceStore
    from syncbridge.store.pest import DynamoPestStore

    retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
    creds = odoo.credentials
    erp = build_erp_adapter(
        {
            "kind": "odoo",
            "base_url": odoo.url,
            "settings": {"database": creds["database"], "login": creds["login"]},
            "credentials": {"api_key": creds["api_key"]},
        },
        http=httpx.Client(timeout=2.0),
        retry=retry,
    )
    iot = MicroshareClient.from_secret(
        microshare.url,
        microshare.auth_url,
        microshare.credentials,
        retry=retry,
        settle_seconds=0.05,
        **({"monotonic": clock, "sleep": clock.sleep} if clock else {}),
        timeout_seconds=timeout,
    )
    store = DynamoPestStore()
    return PestContext(
        tenant=tenant,
        config=store.get_config(tenant) or default_config(),
        store=store,
        devices=DynamoDeviceStore(),
        audit=DynamoDeviceAudit(),
        erp=ErpBridge(erp),
        iot=IotBridge(iot),
    )
