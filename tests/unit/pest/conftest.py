"""The pest-control services wired to in-memory fakes, seeded like Golden Crust Manchester."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from syncbridge.domain.pest.config import PestConfig, default_config
from syncbridge.domain.pest.devices import DeviceService
from syncbridge.domain.pest.discovery import DiscoveryService
from syncbridge.domain.pest.incidents import IncidentService
from syncbridge.domain.pest.models import IotDevice, Point
from syncbridge.domain.pest.provisioning import ProvisioningService
from tests.unit.pest.fakes import (
    T0,
    FakeClock,
    FakeErp,
    FakeIot,
    MemoryAudit,
    MemoryDeviceStore,
    MemoryPestStore,
)

SITE = "Golden Crust Manchester"
AREA = "Manchester Production"
SEED = [
    ("ERP024_025_01", "Flour Storage Silo A", "Internal / Bait/Lured", "58-A0-CB-00-00-10-2F-01"),
    ("ERP024_025_02", "Flour Storage Silo B", "Internal / Bait/Lured", "58a0cb0000102f02"),
    ("ERP024_025_03", "Mixing Room", "Internal / Snap Trap", None),
    ("ERP024_025_04", "Proving Room", "Internal / Snap Trap", None),
    ("ERP024_025_05", "Oven Hall", "Internal / Snap Trap", None),
    ("ERP024_025_06", "Packing Line 1", "Internal / Bait/Lured", None),
    ("ERP024_025_07", "Packing Line 2", "Internal / Snap Trap", None),
    ("ERP024_025_08", "Dispatch Bay", "Internal / Bait/Lured", None),
    ("ERP024_025_09", "Loading Dock", "External / Bait/Lured", None),
    ("ERP024_025_10", "Waste Compound", "External / Bait/Lured", None),
    ("ERP024_025_11", "Perimeter Fence North", "External / Bait/Lured", None),
]


def seed_points() -> list[Point]:
    return [
        Point(
            id=str(i),
            name=f"{SITE} / {AREA} / {area}",
            default_code=ref,
            description=desc,
            barcode=eui,
            write_date=T0 + timedelta(seconds=i),
        )
        for i, (ref, area, desc, eui) in enumerate(SEED, start=1)
    ]


def seed_devices() -> list[IotDevice]:
    return [
        IotDevice(
            deveui=f"58-A0-CB-00-00-10-2F-0{n}",
            location=[SITE, AREA, SEED[n - 1][1], SEED[n - 1][0], "Internal", "Bait/Lured"],
            status="active",
        )
        for n in (1, 2)
    ]


@dataclass
class World:
    clock: FakeClock
    erp: FakeErp
    iot: FakeIot
    store: MemoryPestStore
    devices: MemoryDeviceStore
    audit: MemoryAudit
    config: PestConfig
    discovery: DiscoveryService
    provisioning: ProvisioningService
    device_service: DeviceService
    incidents: IncidentService


def build_world(tenant_points: list[Point] | None = None) -> World:
    clock = FakeClock()
    erp = FakeErp(tenant_points if tenant_points is not None else seed_points())
    iot = FakeIot(seed_devices())
    store = MemoryPestStore()
    devices = MemoryDeviceStore()
    audit = MemoryAudit()
    discovery = DiscoveryService(store, devices, erp, iot, clock)
    return World(
        clock=clock,
        erp=erp,
        iot=iot,
        store=store,
        devices=devices,
        audit=audit,
        config=default_config(),
        discovery=discovery,
        provisioning=ProvisioningService(discovery, devices, audit, erp, iot, clock),
        device_service=DeviceService(devices, audit, store, erp, iot, clock),
        incidents=IncidentService(store, devices, erp, iot, clock),
    )


@pytest.fixture
def world() -> World:
    return build_world()
