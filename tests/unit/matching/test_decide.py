"""The decision rules on numbers worked by hand: which proposals become links (expected
F1), which of those are applied without a person (mean error within `auto_error`), and the
one-to-one probability they start from."""

from __future__ import annotations

import numpy as np
import pytest

from syncbridge.matching.decide import MIN_LINK_PROBABILITY, decide, one_to_one_probability

CREATE, REVIEW, MATCH = 0, 1, 2


def test_links_stop_where_expected_f1_is_highest():
    # E|gold| = 1.5; F1 for the top 1, 2, 3: 1.8/2.5 = .72, 2.8/3.5 = .80, 3.0/4.5 = .67
    assert decide(np.array([0.1, 0.9, 0.5]), auto_error=0.0).tolist() == [CREATE, REVIEW, REVIEW]
    # E|gold| = 1.1; F1 for the top 1, 2: 1.8/2.1 = .86, 2.2/3.1 = .71
    assert decide(np.array([0.2, 0.9]), auto_error=0.0).tolist() == [CREATE, REVIEW]


def test_a_lone_proposal_is_a_link_from_the_minimum_probability_on():
    assert decide(np.array([MIN_LINK_PROBABILITY])).tolist() == [REVIEW]
    assert decide(np.array([MIN_LINK_PROBABILITY * 0.99])).tolist() == [CREATE]
    assert decide(np.array([0.0, 0.0])).tolist() == [CREATE, CREATE]


def test_matches_are_the_longest_prefix_whose_mean_error_is_within_the_policy():
    # mean error of the top 1, 2: .001, .0055; of the top 3: (.001 + .01 + .04) / 3 = .017
    p = np.array([0.999, 0.99, 0.96, 0.6])
    assert decide(p, auto_error=0.02).tolist() == [MATCH, MATCH, MATCH, REVIEW]
    assert decide(p, auto_error=0.005).tolist() == [MATCH, REVIEW, REVIEW, REVIEW]
    # a share exactly at the policy is still within it
    assert decide(np.array([0.75]), auto_error=0.25).tolist() == [MATCH]
    # nothing within it: every link waits for a person
    assert decide(np.array([0.6]), auto_error=0.02).tolist() == [REVIEW]


def test_one_to_one_probability_counts_the_share_of_records_without_a_partner():
    s = np.log(np.array([3.0, 3.0]))
    # odds 3 against a rival's 1: 3 / ((1 - 0.5) + 4)
    got = one_to_one_probability(s, np.array([4.0, 3.0]), 0.5)
    assert got == pytest.approx([3.0 / 4.5, 3.0 / 3.5])
    # never assume every record has a partner: a share above 0.99 counts as 0.99
    assert one_to_one_probability(s[:1], np.array([3.0]), 1.0)[0] == pytest.approx(3.0 / 3.01)
    assert one_to_one_probability(s[:1], np.array([3.0]), 0.0)[0] == pytest.approx(3.0 / 4.0)


def test_the_evidence_a_reviewer_sees_is_rounded_per_kind_and_leaves_out_missing_fields():
    from syncbridge.matching.comparisons import PairFeatures
    from syncbridge.matching.scoring import explanations

    feats = PairFeatures(
        levels={},
        evidence={
            "distance_m": np.array([1234.5678, np.nan], dtype=np.float32),
            "days_apart": np.array([2.26, 0.0], dtype=np.float32),
            "name": np.array([0.87654, 0.5], dtype=np.float32),
        },
        tf_values={},
    )
    assert explanations(feats) == [
        {"distance_m": 1234.6, "days_apart": 2.3, "name": 0.877},
        {"days_apart": 0.0, "name": 0.5},
    ]
    assert explanations(PairFeatures(levels={}, evidence={}, tf_values={})) == []


def test_the_posterior_of_a_log_odds_is_its_sigmoid():
    from syncbridge.matching.scoring import probability

    got = probability(np.array([0.0, np.log(3.0), -np.log(3.0), np.log(99.0)]))
    assert got.dtype == np.float64
    assert got == pytest.approx([0.5, 0.75, 0.25, 0.99])
    extreme = probability(np.array([1e6, -1e6]))  # saturates without overflow
    assert extreme[0] == pytest.approx(1.0) and 0.0 <= extreme[1] < 1e-20
