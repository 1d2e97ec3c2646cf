"""Fixtures for the adapter integration tests: simulators on loopback and the ERP harness.

`erp` is parameterized over every ERP adapter (Odoo JSON-2, Odoo XML-RPC, the generic
REST ERP): a test written against it is a clause of the adapter contract that any future
ERP adapter must also pass. A harness gives the test a built adapter plus "the ERP user's
hands": add, change, archive or delete points behind the adapter's back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from syncbridge.adapters.erp import ErpAdapter, ErpConfig, build_erp_adapter
from syncbridge.adapters.http import RetryPolicy
from syncbridge_local.simulators import odoo as odoo_sim
from syncbridge_local.simulators.odoo import seed
from tests.integration.adapters import resterp_sim

ERP_KINDS = ("odoo-json2", "odoo-xmlrpc", "resterp")


@dataclass
class RecordingSleep:
    """A `sleep` that records instead of waiting, so retry tests stay fast."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class ErpHarness:
    kind: str
    sim: Any
    config: ErpConfig
    sleeps: RecordingSleep
    add_point: Callable[..., str]
    update_point: Callable[..., None]  # (point_id, barcode=..., name=...)
    archive_point: Callable[[str], None]
    delete_point: Callable[[str], None]
    backdate: Callable[[float], None]
    other_product_id: str
    secret: str
    enable_status_field: Callable[[], None] = lambda: None  # an ERP field for the status
    adapters: list[ErpAdapter] = field(default_factory=list)

    def build(self, **config_changes: Any) -> ErpAdapter:
        config = self.config.model_copy(update=config_changes)
        retry = RetryPolicy(attempts=3, base_delay=0.01, sleep=self.sleeps)
        http = httpx.Client(timeout=2.0)
        adapter = build_erp_adapter(config, http=http, retry=retry)
        self.adapters.append(adapter)
        return adapter

    @property
    def adapter(self) -> ErpAdapter:
        return self.adapters[0] if self.adapters else self.build()

    def point_id_by_reference(self, reference: str) -> str:
        return next(p.id for p in self.adapter.list_inspection_points() if p.reference == reference)


def _odoo_harness(kind: str) -> ErpHarness:
    sim = odoo_sim.start()
    db = sim.state
    protocol = kind.split("-")[1]
    config = ErpConfig(
        kind="odoo",
        base_url=sim.url,
        settings={"protocol": protocol, "database": "odoo", "login": "sync-bridge", "page_size": 4},
        credentials={"api_key": sim.credentials["api_key"]},
        timeout_seconds=2,
    )
    model = "product.product"
    other = db.search_ids(model, [["default_code", "=", seed.OTHER_PRODUCTS[0][1]]])[0]

    def add_point(name, reference=None, barcode=None, description=None, active=True) -> str:
        return str(db.add_point(name, reference, barcode, description, active=active))

    def update_point(point_id: str, **vals: Any) -> None:
        db.update(
            model, int(point_id), **{k: (v if v is not None else False) for k, v in vals.items()}
        )

    return ErpHarness(
        kind=kind,
        sim=sim,
        config=config,
        sleeps=RecordingSleep(),
        add_point=add_point,
        update_point=update_point,
        archive_point=lambda pid: db.update(model, int(pid), active=False),
        delete_point=lambda pid: db.delete(model, int(pid)),
        backdate=db.backdate,
        other_product_id=str(other),
        secret=sim.credentials["api_key"],
        enable_status_field=lambda: db.add_field(model, "x_device_status"),
    )


def _resterp_harness() -> ErpHarness:
    sim = resterp_sim.start()
    state: resterp_sim.RestErpState = sim.state
    config = ErpConfig(
        kind="resterp",
        base_url=sim.url,
        settings={"page_size": 4},
        credentials={"api_key": resterp_sim.API_KEY},
        timeout_seconds=2,
    )
    other = next(
        p["id"] for p in state.points.values() if p["category_id"] != resterp_sim.CATEGORY_ID
    )

    def add_point(name, reference=None, barcode=None, description=None, active=True) -> str:
        return state.add_point(name, reference, barcode, description, active=active)

    return ErpHarness(
        kind="resterp",
        sim=sim,
        config=config,
        sleeps=RecordingSleep(),
        add_point=add_point,
        update_point=lambda pid, **vals: state.update(pid, **vals),
        archive_point=lambda pid: state.update(pid, active=False),
        delete_point=state.delete,
        backdate=state.backdate,
        other_product_id=other,
        secret=resterp_sim.API_KEY,
    )


@pytest.fixture(params=ERP_KINDS)
def erp(request: pytest.FixtureRequest) -> Iterator[ErpHarness]:
    harness = _resterp_harness() if request.param == "resterp" else _odoo_harness(request.param)
    try:
        yield harness
    finally:
        for adapter in harness.adapters:
            adapter.close()
        harness.sim.stop()


@pytest.fixture
def odoo() -> Iterator[Any]:
    sim = odoo_sim.start()
    try:
        yield sim
    finally:
        sim.stop()
