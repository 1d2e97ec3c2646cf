"""Scoring: same entity scores high with evidence, different entities low."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncbridge.matching import MatchOptions, match_records
from syncbridge.matching.scoring import haversine_m, tf_share


def test_haversine_known_distance() -> None:
    # Denver -> Boulder is about 39 km
    d = haversine_m(np.array([39.7392]), np.array([-104.9903]), np.array([40.0150]),
                    np.array([-105.2705]))  # fmt: skip
    assert d[0] == pytest.approx(38_900, rel=0.03)


def test_given_drifted_copies_when_matched_then_confident_with_per_field_evidence(
    internal_locations, external_locations
) -> None:
    result = match_records(internal_locations, external_locations, MatchOptions())
    by_id = {d.external_id: d for d in result.decisions}
    for n in range(5):
        d = by_id[f"e-{n}"]
        assert d.internal_id == f"k-{n}"
        assert d.decision == "match"
        assert 0.9 <= d.score <= 1.0
        assert d.explanation["name"] > 0.8
    assert by_id["e-0"].explanation["phone"] == 1.0
    assert by_id["e-1"].explanation["distance_m"] < 50
    assert by_id["e-new"].decision == "create"
    assert by_id["e-new"].internal_id is None


def test_given_same_name_in_another_city_when_matched_then_not_a_match() -> None:
    internal = [
        {
            "id": "k",
            "name": "Red Dog Brewing",
            "city": "Denver",
            "postal_code": "80205",
            "lat": 39.76,
            "lon": -104.98,
            "phone": "3035550100",
        }
    ]
    external = [{"id": "e", "name": "Red Dog Brewing", "city": "Portland", "postal_code": "97209",
                 "lat": 45.53, "lon": -122.68, "phone": "5035550199"}]  # fmt: skip
    d = match_records(internal, external).decisions[0]
    assert d.decision != "match"


def test_tf_share_is_leave_one_out() -> None:
    ids = np.array([0, 1, 1, 1, -1])
    share = tf_share(ids)
    assert share[0] < share[1]  # a unique value is rarer than one held by three records


def test_product_profile_matches_on_model_numbers() -> None:
    internal = [
        {"id": "k1", "name": "Canon PowerShot Digital Camera - SD1100IS", "price": "199.99"},
        {"id": "k2", "name": "Nikon Coolpix Digital Camera - S710", "price": 299},
        {"id": "k3", "name": "Sony Bravia Home Theater System - DAVHDX279W"},
    ]
    external = [
        {"id": "e1", "name": "Canon SD1100 IS PowerShot camera", "price": 189.0},
        {"id": "e2", "name": "Nikon COOLPIX S710 14MP Camera"},
        {"id": "e3", "name": "Garden hose, 50 ft"},
    ]
    got = {
        d.external_id: d
        for d in match_records(internal, external, MatchOptions(profile="product")).decisions
    }
    assert got["e1"].internal_id == "k1"
    assert got["e2"].internal_id == "k2"
    assert got["e3"].decision == "create"


def test_batch_profile_matches_on_lot_codes() -> None:
    internal = [
        {
            "id": "k1",
            "lot_code": "L-2024-001",
            "product_id": "ipa",
            "name": "Hazy IPA",
            "produced_at": "2024-03-01",
            "quantity": 120,
        },
        {
            "id": "k2",
            "lot_code": "L-2024-002",
            "product_id": "stout",
            "name": "Oat Stout",
            "produced_at": "2024-03-02",
            "quantity": 60,
        },
    ]
    external = [
        {"id": "e1", "lot_code": "l2024001", "product_id": "IPA", "name": "Hazy IPA",
         "produced_at": "2024-03-01T08:00:00Z", "quantity": "120"},
        {"id": "e2", "lot_code": "L-2025-777", "product_id": "lager", "name": "Pils",
         "produced_at": "2025-01-01", "quantity": 10},
    ]  # fmt: skip
    got = {
        d.external_id: d
        for d in match_records(internal, external, MatchOptions(profile="batch")).decisions
    }
    assert got["e1"].internal_id == "k1"
    assert got["e1"].decision == "match"
    assert got["e2"].decision == "create"


def _candidates(size: int, profile: str = "location"):
    from syncbridge.matching import blocking
    from syncbridge.matching.profiles import SPECS
    from syncbridge.matching.records import Vocab, load_records
    from syncbridge.matching.scoring import Scorer
    from syncbridge.matching.sides import prepare
    from syncbridge.matching.synthetic import generate

    internal, external, _ = generate(size, seed=3)
    vocabs: dict[str, Vocab] = {}
    raw_i = load_records(internal, SPECS[profile], "internal", vocabs)
    raw_e = load_records(external, SPECS[profile], "external", vocabs)
    prep = prepare(raw_i, raw_e, profile, vocabs)
    plans = blocking.plan_blocks(prep, profile, 2500)
    e, i = blocking.split_pairs(
        blocking.generate_pairs(plans, prep.internal.n, 0, None), prep.internal.n
    )
    scorer = Scorer(prep, profile)
    scorer.calibrate_prior(e, i, prep.external.n)
    return scorer, e, i


def test_levels_only_features_give_the_levels_of_the_full_comparison() -> None:
    # evidence=False skips rapidfuzz calls that cannot change a level (identical names,
    # full names whose lengths rule out 0.92): the levels must not move
    scorer, e, i = _candidates(1500)
    full, lean = scorer.features(e, i), scorer.features(e, i, evidence=False)
    for name, levels in full.levels.items():
        assert np.array_equal(levels, lean.levels[name]), name


def test_candidate_logit_is_exact_wherever_a_pair_can_matter() -> None:
    from syncbridge.matching.scoring import NEGLIGIBLE_LOGIT

    scorer, e, i = _candidates(1500)
    exact = scorer.logit(scorer.features(e, i))
    fast = scorer.candidate_logit(e, i)
    matters = exact >= NEGLIGIBLE_LOGIT
    assert matters.any() and (~matters).any()  # both kinds of pair are present
    assert np.array_equal(fast[matters], exact[matters])
    # a spared pair scores at most its true log-odds, and stays negligible
    assert (fast[~matters] <= exact[~matters] + 1e-9).all()
    assert (fast < NEGLIGIBLE_LOGIT).sum() == (~matters).sum()


def _explanations_key_by_key(feats, extra) -> list[dict]:
    """The explanation dicts as they were built before: key by key, NaN left out."""
    n = len(next(iter(feats.levels.values())))
    out: list[dict] = [{} for _ in range(n)]
    for key, arr in feats.evidence.items():
        digits = 1 if key in ("distance_m", "days_apart") else 3
        for d, v in zip(out, np.round(arr.astype(np.float64), digits).tolist(), strict=True):
            if v == v:
                d[key] = v
    for key, values, present in extra:
        for k, v in enumerate(values.tolist()):
            if present is None or present[k]:
                out[k][key] = v
    return out


_floats = st.one_of(st.floats(-1e4, 1e4, width=32), st.just(float("nan")))


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(0, 12),
    data=st.data(),
)
def test_explanations_grouped_by_present_keys_equal_the_key_by_key_dicts(n, data) -> None:
    from syncbridge.matching.comparisons import PairFeatures
    from syncbridge.matching.scoring import explanations

    def column(elements):
        return np.array(data.draw(st.lists(elements, min_size=n, max_size=n)), dtype=np.float64)

    evidence = {k: column(_floats).astype(np.float32) for k in ("name", "distance_m", "city")}
    masks = st.lists(st.booleans(), min_size=n, max_size=n)
    extra = (
        ("weight_prior", np.full(n, -3.25), None),
        ("runner_up_score", column(st.floats(0, 1)), np.array(data.draw(masks), dtype=bool)),
        ("review_priority", column(st.floats(0, 1)), None),
    )
    feats = PairFeatures({"name": np.zeros(n, np.int8)}, evidence, {})
    got = explanations(feats, extra)
    want = _explanations_key_by_key(feats, extra)
    assert got == want
    assert [list(d) for d in got] == [list(d) for d in want]  # same key order
