"""What a proposal stores for the review page: JSON-safe explanations, the ERP record shown
with its id, and batches named after their product only when the name is known."""

from __future__ import annotations

from datetime import date

from syncbridge.domain.setup.matching import _display, _jsonable
from syncbridge.domain.setup.review import _named


def test_explanations_keep_four_decimals_plain_values_and_text_for_the_rest():
    explanation = {
        "name": 0.123456789, "postal": 3, "rule": "exact", "blocked": False, "missing": None,
        "since": date(2026, 12, 7),
    }  # fmt: skip
    assert _jsonable(explanation) == {
        "name": 0.1235, "postal": 3, "rule": "exact", "blocked": False, "missing": None,
        "since": "2026-12-07",
    }  # fmt: skip


def test_the_erp_record_is_shown_with_its_id_and_erp_product_id():
    shown = _display("customer-locations", {"id": "c-1", "name": "Blue Door", "erp_product_id": 7})
    assert shown["id"] == "c-1" and shown["erp_product_id"] == 7 and shown["name"] == "Blue Door"


def test_a_batch_is_named_after_its_product_only_when_the_name_is_known():
    names = {"p-1": "Hazy IPA"}
    assert _named({"product_id": "p-1"}, names) == {"product_id": "p-1", "product_name": "Hazy IPA"}
    assert _named({"product_id": "p-2"}, names) == {"product_id": "p-2"}
    assert _named({"product_id": None}, {None: "?"}) == {"product_id": None}
