"""Fellegi-Sunter parameters learned from the run's own data (as Splink does).

Every comparison puts a pair into a level (0 = a side is missing: no evidence, weight 0).
A level's match weight is ln(m / u): u = P(level | different entities) is measured on
random pairs (`estimate_u`), m = P(level | same entity) and the share of matches among
the candidate pairs (lambda) are estimated by expectation-maximisation over the candidate
pairs (`expectation_maximisation`), which re-estimates u among them as well: blocking
makes candidate non-matches far more alike than random pairs (all in one town, sharing a
title word), and a u measured on random pairs would count that likeness as evidence.
EM starts from the documented m and the random-pair u, and lambda is bounded by the
one-to-one fact that an external record has at most one partner, which keeps it from
drifting to another split of the data (e.g. "same brand" against "other brand").

Labelled pairs (a reviewer's accept / reject) enter the same EM with their posterior
clamped to 1 or 0, weighted so that a handful of labels is not drowned by a hundred
thousand unlabelled pairs; they refine m but not lambda (a reviewer sees a chosen, not a
random, sample of the pairs).

Levels are ordered, most alike first, and the weights must respect that order (a closer
level is never weaker evidence of a match than a farther one: a monotone likelihood
ratio). EM on blocked pairs can otherwise settle on a "match" class of look-alikes
elsewhere (same name, other town) that likes *different* places; after every M-step each
comparison's weights are made non-increasing by pool-adjacent-violators (`monotone`).

Everything is vectorised over pairs: the levels are int8 arrays, one per comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

M_FLOOR = 0.01
"""No level is rarer than 1 % among matches: data entry errors happen in every field, so
no single comparison may veto a pair outright (EM on its own drives a level that the
current solution calls non-matches towards zero, and the next E-step believes it)."""
LAMBDA_BOUNDS = (1e-6, 0.5)
EM_MAX_ITERATIONS = 40
EM_TOLERANCE = 1e-4
LABEL_WEIGHT_SHARE = 0.5
"""Labelled matches together weigh as much as this share of the estimated matches."""
PRIOR_STRENGTH = 5.0
"""Pseudo-counts of the starting m per comparison: keeps a level with no support stable."""
U_PRIOR_STRENGTH = 50.0
"""Pseudo-pairs of the random-pair u: on a handful of candidate pairs (a small tenant) the
data cannot tell matches from look-alikes, and u stays near what random pairs say."""


@dataclass
class EMResult:
    m: dict[str, np.ndarray]  # per comparison, index = level (0 unused)
    u: dict[str, np.ndarray]  # among the candidate pairs
    match_share: float  # lambda: share of matches among the candidate pairs
    iterations: int
    converged: bool


def estimate_u(levels: np.ndarray, n_levels: int) -> np.ndarray:
    """u per level (index 0 unused = 1.0) from the levels of random pairs, smoothed."""
    counts = np.bincount(levels, minlength=n_levels + 1)[1 : n_levels + 1].astype(np.float64)
    u = np.maximum(counts, 0.5) / (max(counts.sum(), 1.0) + 0.5 * n_levels)
    return np.concatenate([[1.0], u])


def match_weights(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """ln(m / u) per level; level 0 (missing) weighs 0."""
    w = np.log(np.maximum(m, M_FLOOR)) - np.log(u)
    w[0] = 0.0
    return w


def monotone(m: np.ndarray, u: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """m (levels 1..k) adjusted so ln(m/u) does not increase from level 1 to k.

    Pool-adjacent-violators on the weights, each level weighted by its pair mass; m is
    then u * exp(weight), renormalised (a shift of every weight, order kept)."""
    w = list(np.log(np.maximum(m, M_FLOOR)) - np.log(u))
    if all(a >= b for a, b in pairwise(w)):
        return m
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for value, weight in zip(w, np.maximum(mass, 1e-9), strict=True):
        blocks.append([value * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            a, b = blocks[-2], blocks.pop()
            a[0], a[1], a[2] = a[0] + b[0], a[1] + b[1], a[2] + b[2]
    pooled = np.concatenate([np.full(int(b[2]), b[0] / b[1]) for b in blocks])
    out = u * np.exp(pooled - pooled.max())
    out = np.maximum(out / out.sum(), M_FLOOR)
    return out / out.sum()


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def expectation_maximisation(
    levels: dict[str, np.ndarray],
    u: dict[str, np.ndarray],
    m_start: dict[str, np.ndarray],
    match_share_start: float,
    labels: np.ndarray | None = None,
    max_match_share: float = LAMBDA_BOUNDS[1],
) -> EMResult:
    """m, u and lambda maximising the likelihood of the candidate pairs' levels.

    `labels` (optional, one per pair): 1.0 a known match, 0.0 a known non-match, NaN
    unknown. Known pairs keep their label as posterior and are excluded from lambda.
    `max_match_share`: the most matches the candidates can hold (one partner each).
    """
    names = list(levels)
    n = len(next(iter(levels.values()))) if levels else 0
    m = {k: np.asarray(m_start[k], dtype=np.float64).copy() for k in names}
    u = {k: np.asarray(u[k], dtype=np.float64).copy() for k in names}
    prior_u = {k: u[k].copy() for k in names}
    bounds = (LAMBDA_BOUNDS[0], max(LAMBDA_BOUNDS[0], min(LAMBDA_BOUNDS[1], max_match_share)))
    lam = float(np.clip(match_share_start, *bounds))
    if n == 0:
        return EMResult(m, u, lam, 0, True)
    known = np.zeros(n, dtype=bool) if labels is None else ~np.isnan(labels)
    label_val = np.zeros(n) if labels is None else np.nan_to_num(labels, nan=0.0)
    unknown = ~known
    n_unknown = max(int(unknown.sum()), 1)
    prior_m = {k: m[k].copy() for k in names}
    iterations, converged = 0, False
    for step in range(1, EM_MAX_ITERATIONS + 1):
        iterations = step
        # E-step: posterior that each pair is a match
        total = np.full(n, _logit(lam))
        for k in names:
            total += match_weights(m[k], u[k])[levels[k]]
        p = 1.0 / (1.0 + np.exp(-np.clip(total, -50, 50)))
        new_lam = float(np.clip(p[unknown].sum() / n_unknown, *bounds))
        weight = np.where(unknown, p, 0.0)
        non_weight = np.where(unknown, 1.0 - p, 0.0)
        if known.any():
            n_pos = float(label_val[known].sum())
            scale = max(1.0, LABEL_WEIGHT_SHARE * float(p[unknown].sum()) / max(n_pos, 1.0))
            weight = np.where(known, label_val * scale, weight)
            non_weight = np.where(known, 1.0 - label_val, non_weight)
        # M-step: m per level from the posterior-weighted level counts
        delta = abs(new_lam - lam)
        for k in names:
            lv = levels[k]
            k_levels = len(m[k]) - 1
            counts = np.bincount(lv, weights=weight, minlength=k_levels + 1)[1 : k_levels + 1]
            counts = counts + PRIOR_STRENGTH * prior_m[k][1:] / max(prior_m[k][1:].sum(), 1e-9)
            new_m = np.maximum(counts / max(counts.sum(), 1e-12), M_FLOOR)
            new_m /= new_m.sum()
            counts_u = np.bincount(lv, weights=non_weight, minlength=k_levels + 1)
            counts_u = counts_u[1 : k_levels + 1] + U_PRIOR_STRENGTH * prior_u[k][1:] + 0.5
            u[k][1:] = counts_u / counts_u.sum()
            new_m = monotone(new_m, u[k][1:], counts + counts_u)
            delta = max(delta, float(np.abs(new_m - m[k][1:]).max()))
            m[k][1:] = new_m
        lam = new_lam
        if delta < EM_TOLERANCE:
            converged = True
            break
    return EMResult(m, u, lam, iterations, converged)


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """Uncertainty of a posterior in bits: 1 at p = 0.5, 0 at p = 0 or 1."""
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
