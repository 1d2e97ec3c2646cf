"""A person's review decisions as labelled pairs, and what the engine does with them.

Every decision on the review page says something about a pair (external, internal):
accept = match, reject = not a match, pick another = not the proposed one but this one,
create new = not the proposed one. The engine uses labels twice:

- to learn: they join the EM that estimates m and u with their answer fixed
  (`fellegi_sunter.expectation_maximisation`), so one person's answers sharpen the
  weights for every other pair of the run, the next resource type and later runs;
- to obey: a labelled match is linked (the person said so), a labelled non-match is never
  proposed again.

`review_priority` orders the review queue by how much a person's answer is worth: the
uncertainty (binary entropy) of the decision's probability. A 50/50 proposal teaches the
model most and is the likeliest to be wrong; a 0.999 one teaches almost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from syncbridge.matching.fellegi_sunter import binary_entropy

LABELLED_MATCH_LOG_ODDS = 30.0
"""A pair the person confirmed outranks anything the model says."""


class LabelledPair(BaseModel):
    """One answer of a person: is this external record the same as this internal one?"""

    model_config = ConfigDict(extra="ignore", frozen=True)

    external_id: str
    internal_id: str
    match: bool


@dataclass(frozen=True)
class LabelIndex:
    """Labels as index arrays into the run's two sides (unknown ids dropped)."""

    e: np.ndarray
    i: np.ndarray
    y: np.ndarray  # 1.0 match, 0.0 not

    def __len__(self) -> int:
        return len(self.e)

    def as_tuple(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        return (self.e, self.i, self.y) if len(self) else None


def index_labels(
    labels: Iterable[LabelledPair], external_ids: Sequence[str], internal_ids: Sequence[str]
) -> LabelIndex:
    """Resolve labels to row numbers; the latest answer about a pair wins."""
    labels = list(labels)
    if not labels:
        z = np.zeros(0, dtype=np.int32)
        return LabelIndex(z, z, np.zeros(0))
    pos_e = {k: n for n, k in enumerate(external_ids)}
    pos_i = {k: n for n, k in enumerate(internal_ids)}
    answers: dict[tuple[int, int], float] = {}
    for lab in labels:
        e, i = pos_e.get(lab.external_id), pos_i.get(lab.internal_id)
        if e is not None and i is not None:
            answers[(e, i)] = 1.0 if lab.match else 0.0
    keys = list(answers)
    return LabelIndex(
        np.array([k[0] for k in keys], dtype=np.int32),
        np.array([k[1] for k in keys], dtype=np.int32),
        np.array([answers[k] for k in keys], dtype=np.float64),
    )


def obey(
    e: np.ndarray, i: np.ndarray, s: np.ndarray, labels: LabelIndex, n_i: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kept pairs with labelled non-matches removed and labelled matches forced in."""
    if not len(labels):
        return e, i, s
    codes = e.astype(np.int64) * n_i + i
    lab_codes = labels.e.astype(np.int64) * n_i + labels.i
    keep = ~np.isin(codes, lab_codes)
    pos = labels.y == 1.0
    return (
        np.concatenate([e[keep], labels.e[pos]]).astype(e.dtype, copy=False),
        np.concatenate([i[keep], labels.i[pos]]).astype(i.dtype, copy=False),
        np.concatenate([s[keep], np.full(int(pos.sum()), LABELLED_MATCH_LOG_ODDS)]),
    )


def review_priority(probability: np.ndarray) -> np.ndarray:
    """How informative a person's answer about a decision is (0..1, higher first)."""
    return binary_entropy(probability)


def read_jsonl(path: str) -> list[LabelledPair]:
    """Labels from a JSON Lines file: {"external_id", "internal_id", "match": bool}."""
    import orjson

    with open(path, "rb") as fh:
        return [LabelledPair.model_validate(orjson.loads(x)) for x in fh if x.strip()]
