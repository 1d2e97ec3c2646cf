"""The Ekos -> home field mapping, field by field (what mutation testing showed the flow
tests never pinned down), through the setup's generic `home_shape` as production uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.domain.setup.records import home_shape

SHARED = Path(__file__).resolve().parents[3] / "shared"


def from_erp(rtype, record, product_ids=None, product_names=None):
    return home_shape(EkosRecordMapper(), rtype, record, product_ids, product_names)


# ------------------------------------------------------------------ ERP records
ADDRESS = {"line1": "1 Main St", "line2": "Suite 4", "city": "Portland", "state": "OR",
           "postal_code": "97201", "country": "US"}  # fmt: skip


def test_a_customer_location_in_the_home_shape():
    record = {"id": 7, "name": "Tap Room", "customer_name": "Tap Co", "address": ADDRESS,
              "phone": "555", "email": "t@x", "lat": 45.5, "lon": -122.6, "extra": "kept out"}  # fmt: skip
    assert from_erp("customer-locations", record) == {
        "id": "7", "name": "Tap Room", "customer_name": "Tap Co", "address": "1 Main St Suite 4",
        "city": "Portland", "state": "OR", "postal_code": "97201", "country": "US",
        "phone": "555", "email": "t@x", "lat": 45.5, "lon": -122.6,
    }  # fmt: skip


def test_a_customer_location_without_a_name_is_named_after_its_customer():
    out = from_erp("customer-locations", {"id": "c", "customer_name": "Tap Co"})
    assert out["name"] == "Tap Co"
    assert (out["address"], out.get("city"), out.get("postal_code")) == (None, None, None)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ({"line2": "Suite 4"}, "Suite 4"),
        ({"line1": "1 Main St"}, "1 Main St"),
        ({}, None),
        ("12 Elm Rd", "12 Elm Rd"),
        (None, None),
    ],
)
def test_an_address_becomes_one_line(address, expected):
    assert from_erp("storage-locations", {"id": "s", "address": address})["address"] == expected


def test_a_storage_location_in_the_home_shape():
    record = {"id": "s-1", "name": "Cold room", "kind": "cold_room", "address": ADDRESS,
              "lat": 1.0, "lon": 2.0, "phone": "not kept"}  # fmt: skip
    assert from_erp("storage-locations", record) == {
        "id": "s-1", "name": "Cold room", "kind": "cold_room", "address": "1 Main St Suite 4",
        "city": "Portland", "state": "OR", "postal_code": "97201", "country": "US",
        "lat": 1.0, "lon": 2.0,
    }  # fmt: skip


def test_a_product_in_the_home_shape():
    record = {"id": "p-1", "name": "Hazy", "sku": "HZ-1", "brand": "Acme", "style": "IPA",
              "package": "1/2 bbl", "active": False}  # fmt: skip
    assert from_erp("products", record) == {
        "id": "p-1", "name": "Hazy", "sku": "HZ-1", "brand": "Acme", "category": "IPA",
        "description": "IPA 1/2 bbl", "active": False,
    }  # fmt: skip
    assert from_erp("products", {"id": "p-2", "package": "can"})["description"] == "can"
    assert from_erp("products", {"id": "p-3"})["description"] is None


def test_a_batch_in_the_home_shape():
    record = {"id": "b-1", "lot_code": "L1", "product_id": "p-1", "packaged_at": "2026-01-02",
              "quantity": 12, "unit": "keg"}  # fmt: skip
    assert from_erp("product-batches", record, {"p-1": "home-p"}, {"home-p": "Hazy"}) == {
        "id": "b-1", "lot_code": "L1", "product_id": "home-p", "erp_product_id": "p-1",
        "name": "Hazy", "produced_at": "2026-01-02", "quantity": 12, "unit": "keg",
    }  # fmt: skip
    brewed = {**record, "brewed_at": "2025-12-01", "name": "Own name"}
    out = from_erp("product-batches", brewed, {"p-1": "home-p"}, {"home-p": "Hazy"})
    assert (out["produced_at"], out["name"]) == ("2025-12-01", "Own name")
    unmapped = from_erp("product-batches", record)
    assert (unmapped["product_id"], unmapped["name"]) == (None, None)


def test_unknown_types_are_refused():
    with pytest.raises(ValueError):
        EkosRecordMapper().to_home("kegs", {"id": "k"})


def test_the_mapper_loads_without_the_clients_libraries():
    # The matcher and the applier map Ekos records but ship without httpx and authlib
    probe = (
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] in ('httpx', 'authlib'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Missing())\n"
        "from syncbridge.adapters.ekos.mapper import EkosRecordMapper\n"
        "from syncbridge.roots.keg import record_mappers\n"
        "assert isinstance(record_mappers()['ekos'], EkosRecordMapper)\n"
    )
    env = os.environ | {"PYTHONPATH": str(SHARED), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
