"""Pair-based scores of a validated run against the gold pairs.

As in `../shared/bench/README.md`: a `match` or `review` line is a predicted link;
precision, recall and F1 are over links; `match_only_f1` counts `match` lines alone;
`review_rate` is the share of external records left for a person; `create_accuracy` is
the share of partner-less external records that came out `create`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from benchmarks.validate import OutputLine

Pair = tuple[str, str]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    match_only_f1: float
    review_rate: float
    create_accuracy: float | None
    links: int
    true_links: int
    reviews: int
    creates: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _prf(predicted: set[Pair], gold: set[Pair]) -> tuple[float, float, float]:
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_run(lines: Iterable[OutputLine], gold: Iterable[Pair]) -> Scores:
    """Score the lines of a run that passed `validate_output` (one per external record)."""
    lines = list(lines)
    gold_pairs = set(gold)
    links = {(x.external_id, x.internal_id) for x in lines if x.decision != "create"}
    matches = {(x.external_id, x.internal_id) for x in lines if x.decision == "match"}
    precision, recall, f1 = _prf(links, gold_pairs)  # type: ignore[arg-type]
    _, _, match_only_f1 = _prf(matches, gold_pairs)  # type: ignore[arg-type]
    reviews = sum(1 for x in lines if x.decision == "review")
    creates = sum(1 for x in lines if x.decision == "create")
    with_partner = {external for external, _ in gold_pairs}
    partnerless = [x for x in lines if x.external_id not in with_partner]
    create_accuracy = (
        sum(1 for x in partnerless if x.decision == "create") / len(partnerless)
        if partnerless
        else None
    )
    return Scores(
        precision=precision,
        recall=recall,
        f1=f1,
        match_only_f1=match_only_f1,
        review_rate=reviews / len(lines) if lines else 0.0,
        create_accuracy=create_accuracy,
        links=len(links),
        true_links=len(links & gold_pairs),  # type: ignore[operator]
        reviews=reviews,
        creates=creates,
    )
