"""match / review / create from the posteriors alone: no per-dataset thresholds.

After the one-to-one assignment each external record has at most one proposed partner,
with its posterior log-odds `s` (from the learned Fellegi-Sunter weights) and the best
feasible alternative's `r`. Three steps, each a rule about probabilities:

1. **One-to-one posterior.** An external record has at most one partner, so all its
   candidates compete for it: P(chosen is the partner) = o_j / ((1 - pi) + sum_k o_k),
   o the posterior odds, pi the estimated share of records with a partner. A near tie
   halves the probability instead of needing a separate "ambiguity margin".
2. **Links by expected F1.** Sorting the proposals by probability, linking the top k has
   expected true links sum(p[:k]) and expected F1 = 2 sum(p[:k]) / (k + E[|gold|]),
   E[|gold|] = sum(p). The k that maximises it is the link set (in effect the cut sits
   at half the best expected F1). Everything else is `create`.
3. **Automatic match or review.** Links are applied without a person while the expected
   share of wrong ones among the automatic matches stays within `auto_error`
   (mean(1 - p) over the most probable links); the rest of the links go to `review`.

`auto_error` is a policy (how many wrong automatic links a customer accepts), the one
constant here; it is the same for every dataset (see README, Benchmarks: chosen
leave-one-dataset-out).
"""

from __future__ import annotations

import numpy as np

AUTO_MATCH_ERROR = 0.02
"""Expected share of wrong automatic matches tolerated (2 in 100)."""
MAX_PARTNER_SHARE = 0.99
"""Never assume every record has a partner: an unseen one may always be new."""
MIN_LINK_PROBABILITY = 0.05
"""A proposal less likely than this is never a link, whatever expected F1 says."""


def one_to_one_probability(
    log_odds: np.ndarray, odds_sum: np.ndarray, partner_share: float
) -> np.ndarray:
    """P(the chosen pair is the record's partner), all its candidates competing.

    With pi the share of external records that have a partner at all, and o_k the
    posterior odds of each candidate k: P(j) = o_j / ((1 - pi) + sum_k o_k). A lone
    strong candidate in a dataset where most records have a partner comes close to 1;
    two similar candidates split the probability.
    """
    s = np.asarray(log_odds, dtype=np.float64)
    out = np.zeros(len(s))
    has = np.isfinite(s)
    o = np.exp(np.minimum(s[has], 50.0))
    total = np.maximum(np.asarray(odds_sum, dtype=np.float64)[has], o)
    pi = float(np.clip(partner_share, 0.0, MAX_PARTNER_SHARE))
    out[has] = o / ((1.0 - pi) + total)
    return out


def decide(probability: np.ndarray, auto_error: float = AUTO_MATCH_ERROR) -> np.ndarray:
    """Decision per external record (0 create, 1 review, 2 match) from the probability of
    its proposed partner (0 where it has none)."""
    p = np.asarray(probability, dtype=np.float64)
    decision = np.zeros(len(p), dtype=np.int8)
    cand = np.flatnonzero(p >= MIN_LINK_PROBABILITY)
    if len(cand) == 0:
        return decision
    order = cand[np.argsort(-p[cand], kind="stable")]
    ps = p[order]
    expected_gold = float(p.sum())
    k = np.arange(1, len(ps) + 1)
    expected_f1 = 2.0 * np.cumsum(ps) / (k + expected_gold)
    n_links = int(np.argmax(expected_f1)) + 1
    links = order[:n_links]
    decision[links] = 1
    wrong_share = np.cumsum(1.0 - ps[:n_links]) / k[:n_links]
    # the longest prefix whose mean error is within auto_error
    ok = np.flatnonzero(wrong_share <= auto_error)
    n_auto = int(ok[-1]) + 1 if len(ok) else 0
    decision[links[:n_auto]] = 2
    return decision
