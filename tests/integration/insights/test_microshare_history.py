"""Health history from the Microshare simulator, read by the real adapter, predicted on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncbridge.adapters.microshare import MicroshareClient
from syncbridge.adapters.microshare.models import HealthRecord
from syncbridge.domain.insights.maintenance import predict
from syncbridge.domain.insights.models import Problem
from syncbridge.roots.insights import reading_from
from syncbridge_local.simulators import microshare as microshare_sim
from syncbridge_local.simulators.odoo import seed

pytestmark = pytest.mark.integration
END = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def sim():
    server = microshare_sim.start()
    cluster = server.state.clusters[seed.TRAP_CLUSTER_REC_TYPE][microshare_sim.SEED_CLUSTER_ID]
    for i in range(3, 9):  # six more deployed devices beside the seed's two
        cluster["data"]["devices"].append(
            {
                "id": f"58-A0-CB-00-00-10-2F-{i:02d}",
                "meta": {"location": [seed.SITE, "", f"Point {i}", f"ERP024_025_{i:02d}", "", ""]},
                "status": "active",
            }
        )
    yield server
    server.stop()


def test_history_is_read_back_with_battery_radio_and_location(sim):
    summary = sim.state.add_history(END, days=30)
    assert summary["uplinks"] > 8 * 30 * 3  # ~4 a day per device, a few lost
    client = MicroshareClient.from_secret(sim.url, sim.auth_url, sim.secret_value())
    try:
        records = list(client.list_health())
    finally:
        client.close()
    assert len(records) == summary["uplinks"]
    first = records[0]
    assert first.deveui and first.battery_pct is not None and first.rssi is not None
    assert first.reference and first.reference.startswith("ERP024_025_")
    assert first.at.tzinfo is not None


def test_every_unhealthy_profile_is_found_and_the_steady_one_is_not(sim):
    summary = sim.state.add_history(END, days=30)
    client = MicroshareClient.from_secret(sim.url, sim.auth_url, sim.secret_value())
    try:
        readings = [reading_from(r) for r in client.list_health()]
    finally:
        client.close()
    found = {(f.deveui, f.problem) for f in predict(readings, END)}
    kinds = summary["devices"]
    by_kind = {kind: eui for eui, kind in kinds.items()}
    assert (by_kind["fast_drain"], Problem.BATTERY) in found
    assert (by_kind["silent"], Problem.SILENT) in found
    assert (by_kind["degrading_signal"], Problem.SIGNAL) in found
    assert not any(eui == by_kind["steady"] for eui, _ in found)


def test_documented_older_battery_shape_is_understood():
    record = HealthRecord.model_validate(
        {
            "id": "x",
            "createDate": "2020-06-17T09:48:08.980Z",
            "data": {
                "device": {
                    "id": "58-A0-CB-00-00-40-00-01",
                    "battery": {"power": 80, "voltage": 3.6},
                }
            },
        }
    )
    assert record.battery_pct == 80 and record.voltage == 3.6 and record.rssi is None
    assert record.deveui == "58-A0-CB-00-00-40-00-01"
