"""ERP records become home-shaped fields; matchers keep the CLI contract (one-to-one)."""

import pytest

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.domain.setup.matchers import EngineMatcher, profile_record
from syncbridge.domain.setup.records import HOME_SHAPED, home_fields, home_shape
from tests.helpers.exact_key_matcher import ExactKeyMatcher

from .conftest import EKOS_PAGES

EKOS = EkosRecordMapper()


def from_erp(rtype, record, product_ids=None, product_names=None):
    return home_shape(EKOS, rtype, record, product_ids, product_names)


def test_a_customer_location_flattens_its_address():
    record = from_erp("customer-locations", EKOS_PAGES["customer-locations"][0][0])
    assert record["address"] == "1 Main St" and record["postal_code"] == "97201"
    assert record["lat"] == 45.5 and "updated_at" not in record


def test_a_product_keeps_style_as_category_and_package_in_the_description():
    record = from_erp("products", EKOS_PAGES["products"][0][0])
    assert record["category"] == "IPA" and record["description"] == "IPA 1/2 bbl keg"


def test_a_batch_points_at_the_mapped_home_product_and_is_named_after_it():
    batch = EKOS_PAGES["product-batches"][0][0]
    record = from_erp("product-batches", batch, {"p-1": "kp-1"}, {"kp-1": "Hazy IPA Half"})
    assert (record["product_id"], record["erp_product_id"], record["name"]) == (
        "kp-1", "p-1", "Hazy IPA Half")  # fmt: skip
    assert record["produced_at"] == "2026-01-01T00:00:00Z"
    assert "erp_product_id" not in home_fields("product-batches", record)


def test_unknown_types_are_refused():
    with pytest.raises(ValueError):
        from_erp("pets", {"id": "x"})
    with pytest.raises(ValueError):
        home_shape(HOME_SHAPED, "pets", {"id": "x"})


def test_the_exact_key_matcher_never_links_one_home_record_twice():
    internal = [{"id": "k-1", "name": "Tap", "postal_code": "1"}]
    external = [{"id": "e-1", "name": "Tap", "postal_code": "1"},
                {"id": "e-2", "name": "Tap", "postal_code": "1"}]  # fmt: skip
    outcomes = ExactKeyMatcher().match(internal, external, "location")
    assert [(o.external_id, o.internal_id, o.decision) for o in outcomes] == [
        ("e-1", "k-1", "match"), ("e-2", None, "create")]  # fmt: skip


def test_the_engine_gets_only_contract_fields_and_its_decisions_come_back():
    pytest.importorskip(
        "numpy", reason="numpy (the matcher layer) is in requirements-dev.txt: run `make venv`"
    )
    from syncbridge.matching import MatchOptions, match_records

    assert profile_record({"id": 7, "name": "A", "email": "x@y", "lat": None}, "location") == {
        "id": "7", "name": "A"}  # fmt: skip
    internal = [
        {
            "id": "k-1",
            "name": "Rusty Anchor Tavern",
            "address": "1 Main St",
            "city": "Portland",
            "postal_code": "97201",
            "lat": 45.5,
            "lon": -122.6,
        }
    ]
    external = [{"id": "c-1", "name": "Rusty Anchor Tavern", "address": "1 Main Street",
                 "city": "Portland", "postal_code": "97201", "lat": 45.5, "lon": -122.6,
                 "email": "not-in-the-contract@example.com"},
                {"id": "c-2", "name": "Somewhere Else Entirely", "city": "Denver",
                 "postal_code": "80202"}]  # fmt: skip
    outcomes = EngineMatcher(match_records, MatchOptions).match(internal, external, "location")
    by_id = {o.external_id: o for o in outcomes}
    assert by_id["c-1"].internal_id == "k-1" and by_id["c-1"].decision in ("match", "review")
    assert by_id["c-1"].explanation
    assert by_id["c-2"].decision == "create" and by_id["c-2"].internal_id is None
    assert EngineMatcher(match_records, MatchOptions).match(internal, [], "location") == []
    nothing_at_home = EngineMatcher(match_records, MatchOptions).match([], external, "location")
    assert [(o.external_id, o.decision) for o in nothing_at_home] == [
        ("c-1", "create"), ("c-2", "create")]  # fmt: skip


def test_the_engine_refuses_records_too_large_for_the_functions_memory(monkeypatch):
    pytest.importorskip("numpy")
    from syncbridge.domain.setup.errors import MatchTooLarge
    from syncbridge.matching import MatchOptions, MemoryLimitError, match_records

    # a 128 MB function: the options' limit comes from the Lambda's MemorySize
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    rows = [{"id": f"r-{n}", "name": f"Brewery {n}", "city": "Denver"} for n in range(200)]
    matcher = EngineMatcher(match_records, MatchOptions, MemoryLimitError)
    with pytest.raises(MatchTooLarge) as refused:
        matcher.match(rows, rows, "location")
    assert refused.value.details["needed_mb"] > 128
    assert "needs at least" in refused.value.message
