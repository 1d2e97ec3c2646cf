"""Profiles declare typed comparisons; each type grades pairs into the declared levels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncbridge.matching.comparisons import TYPES, compare
from syncbridge.matching.profiles import COMPARISONS, SPECS
from syncbridge.matching.records import load_records
from syncbridge.matching.sides import prepare

LEVELS_FROM_CUTS = {"name": 2, "ratio": 1, "date": 1}  # extra levels besides the cuts


@pytest.mark.parametrize("profile", sorted(COMPARISONS))
def test_every_declared_comparison_has_a_type_and_one_m_per_level(profile) -> None:
    for spec in COMPARISONS[profile]:
        assert spec.type in TYPES, spec
        assert abs(sum(spec.m) - 1.0) < 1e-6, spec
        if spec.type in LEVELS_FROM_CUTS:
            assert len(spec.m) == len(spec.cuts) + LEVELS_FROM_CUTS[spec.type], spec


def _prepared(profile, internal, external):
    vocabs: dict = {}
    spec = SPECS[profile]
    raw_i = load_records(internal, spec, "internal", vocabs)
    raw_e = load_records(external, spec, "external", vocabs)
    return prepare(raw_i, raw_e, profile, vocabs)


def test_levels_run_from_most_alike_to_missing() -> None:
    internal = [
        {"id": "k0", "name": "Alder Taproom", "address": "1 Main St", "postal_code": "97201",
         "city": "Portland", "phone": "5035550100", "lat": 45.52, "lon": -122.68},
        {"id": "k1", "name": "Birch Cellars", "address": "9 Elm Ave", "postal_code": "10001",
         "city": "New York", "phone": "2125550199", "lat": 40.75, "lon": -73.99},
    ]  # fmt: skip
    external = [
        {"id": "e0", "name": "Alder Taproom", "address": "1 Main Street", "postal_code": "97201",
         "city": "Portland", "phone": "(503) 555-0100", "lat": 45.5201, "lon": -122.6801},
        {"id": "e1", "name": "Alder Taproom"},
    ]  # fmt: skip
    prep = _prepared("location", internal, external)
    e = np.array([0, 0, 1], dtype=np.int32)
    i = np.array([0, 1, 0], dtype=np.int32)
    feats = compare(prep, e, i, COMPARISONS["location"])
    lv = feats.levels
    assert lv["name"].tolist()[0] == 1 and lv["name"].tolist()[1] == 5
    assert lv["place"].tolist() == [1, 5, 0]  # same spot, far, nothing to compare
    assert lv["area"].tolist() == [1, 3, 0]
    assert lv["phone"].tolist() == [1, 2, 0]
    assert feats.evidence["distance_m"][0] < 50


def test_reordered_address_words_are_forgiven_only_at_the_same_house_number() -> None:
    internal = [{"id": "k0", "name": "Kiara Ryan", "address": "13 towns crescent korrelocking"}]
    external = [
        {"id": "e0", "name": "Kiara Ryan", "address": "13 korrelocking towns crescent"},
        {"id": "e1", "name": "Kiara Ryan", "address": "31 korrelocking towns crescent"},
    ]
    prep = _prepared("location", internal, external)
    feats = compare(
        prep, np.array([0, 1], np.int32), np.array([0, 0], np.int32), COMPARISONS["location"]
    )
    same, other = feats.evidence["address"].tolist()
    assert same >= 0.95 and feats.levels["place"][0] == 1
    assert other < 0.8  # another house number: the plain ratio stands


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab1 2\u00e9z\u4e00")), max_size=14),
        min_size=1,
        max_size=6,
    ),
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab1 2\u00e9z\u4e00")), max_size=14),
        min_size=1,
        max_size=6,
    ),
)
def test_the_integer_ratio_bound_never_undercuts_rapidfuzz(
    left: list[str], right: list[str]
) -> None:
    # the place level skips rapidfuzz when this bound settles it: it must be a true bound
    from rapidfuzz import fuzz

    from syncbridge.matching.comparisons import _ratio_bound

    internal = [{"id": f"k{n}", "name": "x", "address": a} for n, a in enumerate(left)]
    external = [{"id": f"e{n}", "name": "x", "address": a} for n, a in enumerate(right)]
    prep = _prepared("location", internal, external)
    e = np.repeat(np.arange(len(right), dtype=np.int32), len(left))
    i = np.tile(np.arange(len(left), dtype=np.int32), len(right))
    bound = _ratio_bound(prep, "address", e, i)
    for k in range(len(e)):
        a, b = prep.external.text["address"][e[k]], prep.internal.text["address"][i[k]]
        if a and b:
            assert fuzz.ratio(a, b) / 100 <= bound[k] + 1e-6, (a, b)
