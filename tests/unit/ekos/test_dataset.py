"""The simulator's brewery dataset: deterministic, contract-shaped, with realistic near-duplicates."""

from __future__ import annotations

import math

import pytest

from syncbridge.adapters.ekos import PROFILES, RESOURCE_MODELS
from syncbridge_local.simulators.ekos.dataset import DEFAULT_SIZES, RESOURCES, generate

LOCATION_FIELDS = {"id", "name", "address", "city", "state", "postal_code", "country", "phone",
                   "website", "lat", "lon"}  # fmt: skip
PRODUCT_FIELDS = {"id", "name", "brand", "sku", "description", "price", "category"}
BATCH_FIELDS = {"id", "lot_code", "product_id", "name", "produced_at", "quantity"}
FIELDS = {"location": LOCATION_FIELDS, "product": PRODUCT_FIELDS, "batch": BATCH_FIELDS}


@pytest.fixture(scope="module")
def ds():
    return generate(7)


def test_same_seed_same_data_other_seed_other_data(ds):
    assert generate(7) == ds
    assert generate(8).ekos["customer-locations"] != ds.ekos["customer-locations"]


def test_default_sizes_and_scaling(ds):
    assert {r: len(ds.ekos[r]) for r in RESOURCES} == DEFAULT_SIZES
    small = generate(1, scale=0.1)
    assert len(small.ekos["product-batches"]) == 200
    assert len(generate(1, sizes={"products": 12}).ekos["products"]) == 12


def test_ekos_records_follow_the_contract_and_its_order(ds):
    for resource in RESOURCES:
        rows = ds.ekos[resource]
        assert len({r["id"] for r in rows}) == len(rows)
        assert rows == sorted(rows, key=lambda r: (r["updated_at"], r["id"]))
        for row in rows:
            RESOURCE_MODELS[resource].model_validate(row)
            assert isinstance(row["deleted"], bool)
    assert any(r["deleted"] for r in ds.ekos["product-batches"])  # tombstones exist


def test_home_records_are_in_the_matcher_shape_with_unique_ids(ds):
    all_ids: set[str] = set()
    for resource in RESOURCES:
        rows = ds.home[resource]
        ids = {r["id"] for r in rows}
        assert len(ids) == len(rows) and not ids & all_ids
        all_ids |= ids
        for row in rows:
            assert set(row) == FIELDS[PROFILES[resource]]


def test_gold_pairs_are_near_duplicates(ds):
    ekos = {r["id"]: r for r in ds.ekos["customer-locations"]}
    home = {r["id"]: r for r in ds.home["customer-locations"]}
    moved, exact_names = 0, 0
    for ekos_id, home_id in ds.gold["customer-locations"].items():
        e, h = ekos[ekos_id], home[home_id]
        assert e["address"]["city"] == h["city"] and not e["deleted"]
        exact_names += e["name"] == h["name"]
        if e["lat"] is not None and h["lat"] is not None:
            dy = (e["lat"] - h["lat"]) * 111_320
            dx = (e["lon"] - h["lon"]) * 111_320 * math.cos(math.radians(e["lat"]))
            assert math.hypot(dx, dy) <= 101
            moved += (dx, dy) != (0, 0)
    pairs = len(ds.gold["customer-locations"])
    assert 0.6 * 300 < pairs < 0.95 * 300
    assert 0.2 * pairs < moved and exact_names < 0.9 * pairs  # variations really happen


def test_there_are_records_to_create_and_home_only_records(ds):
    for resource in RESOURCES:
        assert ds.ekos_only(resource), resource
        assert ds.home_only(resource), resource


def test_home_batches_point_at_home_products(ds):
    home_products = {p["id"] for p in ds.home["products"]}
    assert all(b["product_id"] in home_products for b in ds.home["product-batches"])
    ekos_products = {p["id"] for p in ds.ekos["products"]}
    assert all(b["product_id"] in ekos_products for b in ds.ekos["product-batches"])
