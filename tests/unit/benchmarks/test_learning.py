"""The quality study: the simulated reviewer's answers, the re-decided split, and the
leave-one-dataset-out choice that never looks at the held-out case."""

from __future__ import annotations

from benchmarks import learning
from benchmarks.validate import OutputLine


def test_the_reviewer_accepts_rejects_and_picks_the_true_partner() -> None:
    truth = {"e1": "k1", "e2": "k2"}
    accept = learning._answer({"external_id": "e1", "internal_id": "k1"}, truth)
    assert accept == [{"external_id": "e1", "internal_id": "k1", "match": True}]
    pick = learning._answer({"external_id": "e2", "internal_id": "k9"}, truth)
    assert {(x["internal_id"], x["match"]) for x in pick} == {("k9", False), ("k2", True)}
    create_wrongly = learning._answer({"external_id": "e2", "internal_id": None}, truth)
    assert create_wrongly == [{"external_id": "e2", "internal_id": "k2", "match": True}]
    assert learning._answer({"external_id": "e3", "internal_id": None}, truth) == []


def test_the_queue_puts_reviews_first_then_the_most_uncertain() -> None:
    rows = [
        '{"external_id": "a", "decision": "match", "explanation": {"review_priority": 0.9}}',
        '{"external_id": "b", "decision": "review", "explanation": {"review_priority": 0.2}}',
        '{"external_id": "c", "decision": "review", "explanation": {"review_priority": 0.7}}',
        '{"external_id": "d", "decision": "create", "explanation": {}}',
    ]
    assert [r["external_id"] for r in learning._queue(rows)] == ["c", "b", "a", "d"]


def _lines(scores: list[float]) -> list[OutputLine]:
    return [OutputLine(f"e{n}", f"k{n}", "review", s) for n, s in enumerate(scores)]


def test_redecide_moves_links_between_match_and_review_only() -> None:
    lines = [*_lines([0.999, 0.99, 0.9, 0.6]), OutputLine("e9", None, "create", 0.01)]
    strict = learning._redecide(lines, 0.006)  # mean error of the top two: 0.0055
    loose = learning._redecide(lines, 0.1)
    assert [x.decision for x in strict] == ["match", "match", "review", "review", "create"]
    assert [x.decision for x in loose][:3] == ["match", "match", "match"]
    assert [x.decision != "create" for x in strict] == [x.decision != "create" for x in loose]


def test_leave_one_out_chooses_on_the_other_cases_only() -> None:
    # case "a": wrong links at high scores, so a loose policy would hurt it; the choice
    # for "a" must come from "b" and "c" alone, whatever it does to "a"
    good = _lines([0.99, 0.97, 0.95, 0.93, 0.9])
    gold_good = [(x.external_id, x.internal_id) for x in good]
    bad = _lines([0.99, 0.97, 0.95, 0.93, 0.9])
    gold_bad = [("e0", "k0")]
    outputs = {"a": (bad, gold_bad), "b": (good, gold_good), "c": (good, gold_good)}
    held = {h.case: h for h in learning.leave_one_out(outputs)}
    assert set(held) == {"a", "b", "c"}
    assert held["a"].chosen == max(learning.AUTO_ERROR_GRID)  # what suits b and c
    assert held["b"].chosen < held["a"].chosen  # b's choice includes a: a stricter policy
