"""Production's matcher is the matching engine, not a stand-in.

The setup unit tests wire an exact-key matcher, so nothing else would notice if the
Matcher function quietly ran without the engine (a failed import of the NumPy layer used
to fall back to exact keys with only a log line). This builds the service the way the
Lambda does and asks it to link a record that only fuzzy matching can link.
"""

from __future__ import annotations

import pytest

from tests.helpers.functions import load_function
from tests.helpers.moto import offline_aws

HOME = [
    {"id": "k-1", "name": "Rusty Anchor Tavern", "address": "1 Main St", "city": "Portland",
     "postal_code": "97201", "phone": "(503) 555-0101", "lat": 45.5, "lon": -122.6},
    {"id": "k-2", "name": "Blue Heron Taproom", "address": "200 Oak Ave", "city": "Portland",
     "postal_code": "97205", "phone": "(503) 555-0102", "lat": 45.52, "lon": -122.68},
]  # fmt: skip
ERP = [
    # A typo in the name and a spelled-out street type: no exact business key agrees.
    {"id": "e-1", "name": "Rusty Anchr Tavern", "address": "1 Main Street", "city": "Portland",
     "postal_code": "97201", "phone": "503-555-0101", "lat": 45.5, "lon": -122.6},
    {"id": "e-2", "name": "Somewhere Else Entirely", "address": "9 Elm Rd", "city": "Denver",
     "postal_code": "80202", "phone": "(303) 555-0199"},
]  # fmt: skip


def test_the_matcher_function_links_a_near_duplicate_as_only_the_engine_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offline_aws(monkeypatch)
    monkeypatch.delenv("SETUP_MATCHER", raising=False)
    matcher = load_function("matcher").service().matcher
    outcomes = {o.external_id: o for o in matcher.match(HOME, ERP, "location")}
    assert outcomes["e-1"].internal_id == "k-1"
    assert outcomes["e-1"].decision in ("match", "review")
    # The engine explains a link field by field, not by one business key
    assert {"name", "address"} <= set(outcomes["e-1"].explanation)
    assert outcomes["e-2"].decision == "create" and outcomes["e-2"].internal_id is None
