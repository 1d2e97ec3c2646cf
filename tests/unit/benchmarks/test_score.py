"""Pair-based scores: links are match + review lines; reviews and creates reported apart."""

from __future__ import annotations

import pytest

from benchmarks.score import score_run
from benchmarks.validate import OutputLine

GOLD = [("e-1", "k-1"), ("e-2", "k-2"), ("e-3", "k-3"), ("e-4", "k-4")]


def out(external_id, internal_id, decision):
    return OutputLine(external_id, internal_id, decision, 0.5)


def test_given_a_perfect_run_then_every_score_is_one():
    lines = [out(f"e-{i}", f"k-{i}", "match") for i in range(1, 5)] + [out("e-5", None, "create")]

    scores = score_run(lines, GOLD)

    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.match_only_f1 == 1.0
    assert scores.create_accuracy == 1.0
    assert scores.review_rate == 0.0


def test_given_reviews_then_they_count_as_links_but_not_for_match_only_f1():
    lines = [
        out("e-1", "k-1", "match"),
        out("e-2", "k-2", "review"),
        out("e-3", "k-4", "match"),  # wrong partner
        out("e-4", None, "create"),  # missed
        out("e-5", "k-3", "review"),  # partner-less record linked
    ]

    scores = score_run(lines, GOLD)

    assert scores.precision == pytest.approx(2 / 4)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.f1 == pytest.approx(0.5)
    # match lines only: 1 right of 2 predicted, 1 of 4 gold
    assert scores.match_only_f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert scores.review_rate == pytest.approx(2 / 5)
    assert scores.create_accuracy == 0.0  # e-5 has no partner and was not created
    assert (scores.links, scores.true_links, scores.reviews, scores.creates) == (4, 2, 2, 1)


def test_given_no_partnerless_records_then_create_accuracy_is_not_applicable():
    lines = [out(f"e-{i}", None, "create") for i in range(1, 5)]

    scores = score_run(lines, GOLD)

    assert scores.create_accuracy is None
    assert (scores.precision, scores.recall, scores.f1) == (0.0, 0.0, 0.0)
