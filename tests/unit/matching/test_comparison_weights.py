"""Each comparison's match weight and the explanation a reviewer reads, on numbers worked by
hand: plain levels, term-frequency agreement, the cap of a comparison correlated with the
name (a website shared by same-named records says less), the logit as their sum, and the
rounded weights of `Scorer.explain`.

The scorer is built by hand (its learned parameters set directly) so that each weight is
known exactly; how they are learned is tested in `test_scoring.py` and
`test_fellegi_sunter.py`."""

from __future__ import annotations

import numpy as np
import pytest

from syncbridge.matching.comparisons import PairFeatures
from syncbridge.matching.profiles import COMPARISONS
from syncbridge.matching.scoring import Scorer

# ln(m/u) per level (index 0: a side is missing, weight 0), per location comparison
WEIGHTS = {
    "name": np.array([0.0, 4.0, 2.5, 1.0, -0.5, -3.0]),
    "place": np.array([0.0, 5.0, 2.0, 0.5, -1.0, -2.0]),
    "area": np.array([0.0, 1.5, 0.5, -1.0]),
    "phone": np.array([0.0, 6.0, -2.0]),
    "website": np.array([0.0, 5.0, -1.0]),
}
TF_WEIGHT = {  # ln(u_level / u_value) by the internal value's id
    "name": np.array([0.5, 2.0, -1.0]),
    "phone": np.array([0.0, 0.0]),
    "website": np.array([0.0, 1.0, -0.5]),
}
PRIOR = -7.123456
CAP = 2.0  # ln(m / u) of a shared website among same-named records


def scorer(given_weight: dict[str, float] | None = None) -> Scorer:
    s = object.__new__(Scorer)
    s.comparisons = COMPARISONS["location"]
    s.weights = {k: v.copy() for k, v in WEIGHTS.items()}
    s.tf_weight = {k: v.copy() for k, v in TF_WEIGHT.items()}
    s.given_weight = {"website": CAP} if given_weight is None else given_weight
    s.prior_logit = PRIOR
    return s


def features(name, website, *, name_tf=None, site_tf=None, place=None) -> PairFeatures:
    n = len(name)
    return PairFeatures(
        levels={
            "name": np.array(name, dtype=np.int8),
            "place": np.array(place or [2] * n, dtype=np.int8),
            "area": np.ones(n, dtype=np.int8),
            "phone": np.zeros(n, dtype=np.int8),
            "website": np.array(website, dtype=np.int8),
        },
        evidence={},
        tf_values={
            "name_core": np.array(name_tf or [-1] * n, dtype=np.int64),
            "phone": np.full(n, -1, dtype=np.int64),
            "website": np.array(site_tf or [-1] * n, dtype=np.int64),
        },
    )


def test_plain_levels_weigh_their_level_and_a_missing_side_weighs_nothing():
    w = scorer().comparison_weights(features([4, 5, 0], [2, 0, 2], place=[1, 3, 5]))
    assert w["name"].tolist() == [-0.5, -3.0, 0.0]
    assert w["place"].tolist() == [5.0, 0.5, -2.0]
    assert w["area"].tolist() == [1.5, 1.5, 1.5]
    assert w["phone"].tolist() == [0.0, 0.0, 0.0]
    assert w["website"].tolist() == [-1.0, 0.0, -1.0]


def test_exact_agreement_on_a_rare_value_weighs_more_than_on_a_common_one():
    # name level 1 with internal value 1 (rare: +2), 2 (common: -1), 0 (the first value id:
    # +.5); no value id (-1): the level's weight only
    f = features([1, 1, 1, 1, 2], [0] * 5, name_tf=[1, 2, 0, -1, 1])
    w = scorer().comparison_weights(f)
    assert w["name"].tolist() == [6.0, 3.0, 4.5, 4.0, 2.5]  # TF on exact agreement only


def test_a_website_shared_by_agreeing_names_is_capped_at_the_same_name_weight():
    # website agrees (level 1, TF +1 -> 6.0) with names at each level
    f = features([1, 2, 3, 4, 5, 0], [1] * 6, site_tf=[1] * 6)
    w = scorer().comparison_weights(f)["website"]
    # names that agree (levels 1-3): capped; names that differ or are missing: full weight
    assert w.tolist() == [CAP, CAP, CAP, 6.0, 6.0, 6.0]


def test_the_cap_only_lowers_a_weight_and_only_where_the_site_agrees():
    f = features([1, 1, 2], [1, 2, 1], site_tf=[2, 2, -1])
    # site agreeing on a common value weighs 5 - 0.5 = 4.5 > cap: capped; disagreeing: -1
    assert scorer().comparison_weights(f)["website"].tolist() == [CAP, -1.0, CAP]
    high = scorer({"website": 10.0}).comparison_weights(f)["website"]
    assert high.tolist() == [4.5, -1.0, 5.0]  # a cap above the weight changes nothing


def test_a_negative_cap_leaves_a_missing_website_weightless():
    # a chain: same-named records share their site more often than matches do (u > m)
    f = features([1, 1, 4], [0, 1, 1], site_tf=[-1, -1, -1])
    assert scorer({"website": -0.75}).comparison_weights(f)["website"].tolist() == [
        0.0, -0.75, 5.0,
    ]  # fmt: skip


def test_without_a_measured_cap_a_shared_website_keeps_its_weight():
    f = features([1, 2], [1, 1], site_tf=[1, 1])
    assert scorer({}).comparison_weights(f)["website"].tolist() == [6.0, 6.0]


def test_the_logit_is_the_prior_plus_every_comparison_weight():
    f = features([1, 4], [1, 2], name_tf=[2, -1], site_tf=[1, -1], place=[1, 5])
    s = scorer()
    # pair 0: name 4-1=3, place 5, area 1.5, phone 0, website capped 2 -> 11.5
    # pair 1: name -.5, place -2, area 1.5, phone 0, website -1 -> -2
    assert s.logit(f) == pytest.approx([PRIOR + 11.5, PRIOR - 2.0])


def test_the_explanation_shows_each_weight_rounded_to_three_places_summing_to_the_logit():
    s = scorer()
    s.weights["place"] = np.array([0.0, 1.23456, 0.0, 0.0, 0.0, -2.71828])
    f = features([1, 5], [1, 2], site_tf=[1, -1], place=[1, 5])
    rows = s.explain(f)
    assert rows[0] == {
        "weight_prior": -7.123, "weight_name": 4.0, "weight_place": 1.235, "weight_area": 1.5,
        "weight_phone": 0.0, "weight_website": CAP,
    }  # fmt: skip
    assert rows[1]["weight_place"] == -2.718 and rows[1]["weight_website"] == -1.0
    for row, logit in zip(rows, s.logit(f), strict=True):
        assert sum(row.values()) == pytest.approx(logit, abs=0.003)


def test_extra_explanation_columns_follow_the_weights_only_where_present():
    s = scorer()
    f = features([1, 2], [0, 0])
    extra = (("review_priority", np.array([0.5, 0.25]), np.array([True, False])),)
    rows = s.explain(f, extra)
    assert list(rows[0])[-1] == "review_priority" and rows[0]["review_priority"] == 0.5
    assert "review_priority" not in rows[1]
