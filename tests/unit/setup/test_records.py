"""The home shape every ERP's records are mapped to: which fields a type keeps, what a
search reads, and what is the same for every ERP (a batch pointing at its home product)."""

from __future__ import annotations

import pytest

from syncbridge.domain.setup.records import (
    HOME_SHAPED,
    home_fields,
    home_shape,
    mapper_for,
    search_text,
)


class Renaming:
    """An ERP whose batches call their product `item`."""

    def to_home(self, resource_type, record):
        return {"id": str(record["id"]), "lot_code": record["lot"], "product_id": record["item"]}


def test_home_fields_keep_only_set_fields_of_the_type():
    fields = {"id": "x", "name": "Tap", "phone": None, "kind": "taproom", "erp_product_id": "p"}
    assert home_fields("storage-locations", fields) == {"name": "Tap", "kind": "taproom"}


def test_search_text_is_the_types_search_fields_lower_cased():
    fields = {"name": "Tap ROOM", "customer_name": None, "address": "", "city": "Portland",
              "postal_code": "97201", "phone": "555"}  # fmt: skip
    assert search_text("customer-locations", fields) == "tap room portland 97201"


def test_a_batch_points_at_the_home_product_its_erp_product_is_mapped_to():
    record = {"id": 5, "lot": "L1", "item": "p-1"}
    out = home_shape(Renaming(), "product-batches", record, {"p-1": "home-p"}, {"home-p": "Hazy"})
    assert out == {"id": "5", "lot_code": "L1", "product_id": "home-p",
                   "erp_product_id": "p-1", "name": "Hazy"}  # fmt: skip
    unmapped = home_shape(Renaming(), "product-batches", record)
    assert (unmapped["product_id"], unmapped["erp_product_id"], unmapped["name"]) == (
        None, "p-1", None)  # fmt: skip


def test_home_shaped_records_keep_their_types_fields_only():
    record = {"id": 1, "name": "Hazy", "sku": "HZ", "style": "IPA", "updated_at": "x"}
    assert HOME_SHAPED.to_home("products", record) == {"id": "1", "name": "Hazy", "sku": "HZ"}
    with pytest.raises(ValueError):
        HOME_SHAPED.to_home("pets", {"id": "x"})


def test_each_erp_has_its_mapper_and_none_means_home_shaped():
    renaming = Renaming()
    assert mapper_for({"other": renaming}, "other") is renaming
    assert mapper_for(None, "other") is HOME_SHAPED
    with pytest.raises(ValueError, match="no record mapper for ERP 'ekos'"):
        mapper_for({"other": renaming}, "ekos")
