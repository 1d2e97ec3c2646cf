"""EM learns Fellegi-Sunter parameters from unlabelled pairs; labels steer it; decisions
come from posteriors; a person's answers are obeyed."""

from __future__ import annotations

import numpy as np
import pytest

from syncbridge.matching import MatchOptions, match_records
from syncbridge.matching.decide import decide, one_to_one_probability
from syncbridge.matching.fellegi_sunter import (
    binary_entropy,
    estimate_u,
    expectation_maximisation,
    match_weights,
)
from syncbridge.matching.labels import LabelledPair, index_labels, obey

# three comparisons: with fewer, a two-class mixture of level vectors is not identifiable
TRUE_M = {
    "name": np.array([1.0, 0.7, 0.2, 0.1]),
    "phone": np.array([1.0, 0.9, 0.1]),
    "city": np.array([1.0, 0.8, 0.2]),
}
TRUE_U = {
    "name": np.array([1.0, 0.02, 0.08, 0.90]),
    "phone": np.array([1.0, 0.01, 0.99]),
    "city": np.array([1.0, 0.1, 0.9]),
}


def _simulate(n: int, share: float, seed: int = 3) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < share
    levels = {}
    for k in TRUE_M:
        pm, pu = TRUE_M[k][1:], TRUE_U[k][1:]
        lv_m = rng.choice(np.arange(1, len(pm) + 1), size=n, p=pm)
        lv_u = rng.choice(np.arange(1, len(pu) + 1), size=n, p=pu)
        levels[k] = np.where(is_match, lv_m, lv_u).astype(np.int8)
    return levels, is_match


def test_em_recovers_m_u_and_the_match_share_from_unlabelled_pairs() -> None:
    levels, is_match = _simulate(40_000, 0.1)
    start_m = {
        "name": np.array([1.0, 0.4, 0.3, 0.3]),
        "phone": np.array([1.0, 0.6, 0.4]),
        "city": np.array([1.0, 0.6, 0.4]),
    }
    start_u = {k: estimate_u(levels[k], len(TRUE_U[k]) - 1) for k in levels}  # biased start
    result = expectation_maximisation(levels, start_u, start_m, 0.3)
    assert result.converged
    assert result.match_share == pytest.approx(is_match.mean(), abs=0.01)
    for k in TRUE_M:
        assert result.m[k][1:] == pytest.approx(TRUE_M[k][1:], abs=0.03)
        assert result.u[k][1:] == pytest.approx(TRUE_U[k][1:], abs=0.02)


def test_em_never_assumes_more_matches_than_one_partner_each_allows() -> None:
    levels, _ = _simulate(10_000, 0.4)
    start = {k: np.array(TRUE_M[k]) for k in TRUE_M}
    result = expectation_maximisation(levels, TRUE_U, start, 0.3, max_match_share=0.05)
    assert result.match_share <= 0.05 + 1e-12


def test_labels_pull_m_towards_what_the_person_said() -> None:
    levels, is_match = _simulate(5_000, 0.05, seed=5)
    start = {
        "name": np.array([1.0, 0.34, 0.33, 0.33]),
        "phone": np.array([1.0, 0.5, 0.5]),
        "city": np.array([1.0, 0.5, 0.5]),
    }
    plain = expectation_maximisation(levels, TRUE_U, start, 0.05)
    # a person confirms 200 matches whose names agree only loosely (level 2)
    n_lab = 200
    lab_levels = {
        "name": np.full(n_lab, 2, np.int8),
        "phone": np.full(n_lab, 1, np.int8),
        "city": np.full(n_lab, 1, np.int8),
    }
    both = {k: np.concatenate([levels[k], lab_levels[k]]) for k in levels}
    labels = np.concatenate([np.full(len(is_match), np.nan), np.ones(n_lab)])
    taught = expectation_maximisation(both, TRUE_U, start, 0.05, labels)
    assert taught.m["name"][2] > plain.m["name"][2] + 0.1


def test_match_weights_are_log_ratios_and_missing_weighs_nothing() -> None:
    w = match_weights(np.array([1.0, 0.9, 0.1]), np.array([1.0, 0.01, 0.99]))
    assert w[0] == 0.0
    assert w[1] == pytest.approx(np.log(90))
    assert w[2] == pytest.approx(np.log(0.1 / 0.99))


def test_two_equal_candidates_split_the_probability() -> None:
    s = np.array([3.0, 3.0, 3.0])
    lone = one_to_one_probability(s[:1], np.exp(s[:1]), 0.99)
    tied = one_to_one_probability(s[:1], 2 * np.exp(s[:1]), 0.99)
    assert lone[0] > 0.95
    assert tied[0] == pytest.approx(0.5, abs=0.01)
    assert one_to_one_probability(np.array([-np.inf]), np.zeros(1), 0.5)[0] == 0.0


def test_decide_links_by_expected_f1_and_applies_only_confident_ones() -> None:
    p = np.array([0.999, 0.998, 0.997, 0.9, 0.7, 0.3, 0.01, 0.0])
    d = decide(p, auto_error=0.02)
    assert d.tolist()[-2:] == [0, 0]  # hopeless proposals and none at all: create
    assert (d[:3] == 2).all()  # near-certain: applied without review
    assert 1 in d.tolist()  # the doubtful links wait for a person
    assert d[4] >= 1  # a 70 % proposal is worth linking for F1
    stricter = decide(p, auto_error=0.001)
    assert (stricter == 2).sum() < (d == 2).sum()
    assert ((stricter >= 1) == (d >= 1)).all()  # the policy never changes the links


def test_review_priority_is_highest_for_a_coin_flip() -> None:
    h = binary_entropy(np.array([0.5, 0.9, 0.999, 0.0]))
    assert h[0] == pytest.approx(1.0)
    assert h[0] > h[1] > h[2] > h[3] - 1e-9


def test_obey_drops_rejected_pairs_and_forces_confirmed_ones() -> None:
    ids_e, ids_i = ["a", "b"], ["x", "y", "z"]
    answers = index_labels(
        [
            LabelledPair(external_id="a", internal_id="x", match=False),
            LabelledPair(external_id="b", internal_id="z", match=True),
            LabelledPair(external_id="ghost", internal_id="x", match=True),
        ],
        ids_e,
        ids_i,
    )
    assert len(answers) == 2
    e, i, s = obey(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([5.0, 1.0, 2.0]), answers, 3)
    pairs = dict(zip(zip(e.tolist(), i.tolist(), strict=True), s.tolist(), strict=True))
    assert (0, 0) not in pairs
    assert pairs[(0, 1)] == 1.0
    assert pairs[(1, 2)] >= 30.0


def test_the_engine_obeys_the_person(internal_locations, external_locations) -> None:
    plain = {
        d.external_id: d for d in match_records(internal_locations, external_locations).decisions
    }
    assert plain["e-0"].internal_id == "k-0" and plain["e-new"].decision == "create"
    options = MatchOptions(
        labels=[
            LabelledPair(external_id="e-0", internal_id="k-0", match=False),
            LabelledPair(external_id="e-new", internal_id="k-5", match=True),
        ]
    )
    taught = {
        d.external_id: d
        for d in match_records(internal_locations, external_locations, options).decisions
    }
    assert taught["e-0"].internal_id != "k-0"
    assert taught["e-new"].internal_id == "k-5" and taught["e-new"].decision == "match"
    assert taught["e-1"].internal_id == "k-1"  # the rest still matched


def test_explanation_shows_each_fields_match_weight(internal_locations, external_locations) -> None:
    result = match_records(internal_locations, external_locations)
    d = next(x for x in result.decisions if x.external_id == "e-0")
    weights = {k: v for k, v in d.explanation.items() if k.startswith("weight_")}
    assert {"weight_prior", "weight_name", "weight_place", "weight_phone"} <= set(weights)
    assert weights["weight_phone"] > 0  # the same phone is evidence for the match
    assert 0.0 <= d.explanation["review_priority"] <= 1.0


def test_monotone_keeps_closer_levels_at_least_as_strong() -> None:
    from syncbridge.matching.fellegi_sunter import monotone

    u = np.array([0.6, 0.2, 0.2])
    bad = np.array([0.2, 0.1, 0.7])  # "far apart" would weigh most: a look-alike class
    fixed = monotone(bad, u, np.array([100.0, 100.0, 100.0]))
    w = np.log(fixed) - np.log(u)
    assert w[0] >= w[1] - 1e-9 >= w[2] - 2e-9
    assert fixed.sum() == pytest.approx(1.0)
    good = np.array([0.8, 0.15, 0.05])
    assert monotone(good, u, np.ones(3)) is good  # already ordered: untouched
