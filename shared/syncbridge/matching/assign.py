"""One-to-one assignment over the sparse matrix of kept pairs.

`greedy` is "best score first, remove both sides", computed as rounds of locally
dominant pairs (a pair that is the best remaining one of both its records): with the
deterministic tie-break below this picks exactly the pairs the sequential greedy picks,
but each round is a handful of vectorized numpy passes instead of a Python loop.

`solve_exact` replaces the greedy choice inside small contested connected components
with the optimal assignment (SciPy's Hungarian solver), maximizing the summed log-odds
above the possible-match threshold: greedy can take A-x (0.99) and strand B, where A-y
(0.98) + B-x (0.97) is the better, and more likely, reading.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def ranks(e: np.ndarray, i: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Unique rank per pair, higher = better: by score, then lower external, lower internal."""
    n = len(e)
    presorted = n < 2 or bool(np.all((e[1:] > e[:-1]) | ((e[1:] == e[:-1]) & (i[1:] > i[:-1]))))
    # the engine's pairs come sorted by (external, internal): then one stable sort will do
    order = np.argsort(-score, kind="stable") if presorted else np.lexsort((i, e, -score))
    r = np.empty(len(order), dtype=np.int64)
    r[order] = np.arange(len(order), 0, -1)
    return r


def greedy(
    e: np.ndarray,
    i: np.ndarray,
    score: np.ndarray,
    n_e: int,
    n_i: int,
    taken_i: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean mask of chosen pairs; `taken_i` marks internals already used (local greedy)."""
    chosen = np.zeros(len(e), dtype=bool)
    if len(e) == 0:
        return chosen
    r = ranks(e, i, score)
    done_e = np.zeros(n_e, dtype=bool)
    done_i = np.zeros(n_i, dtype=bool) if taken_i is None else taken_i.copy()
    idx = np.flatnonzero(~done_i[i])
    best_e = np.full(n_e, -1, dtype=np.int64)
    best_i = np.full(n_i, -1, dtype=np.int64)
    while len(idx):
        ee, ii, rr = e[idx], i[idx], r[idx]
        best_e[ee] = -1
        best_i[ii] = -1
        np.maximum.at(best_e, ee, rr)
        np.maximum.at(best_i, ii, rr)
        win = (rr == best_e[ee]) & (rr == best_i[ii])
        w = idx[win]
        chosen[w] = True
        done_e[e[w]] = True
        done_i[i[w]] = True
        idx = idx[~(done_e[ee] | done_i[ii])]
    return chosen


def components(e: np.ndarray, i: np.ndarray, n_e: int, n_i: int) -> tuple[int, np.ndarray]:
    """Connected components of the bipartite pair graph; label per pair."""
    if len(e) == 0:
        return 0, np.zeros(0, dtype=np.int32)
    graph = coo_matrix(
        (np.ones(len(e), dtype=np.int8), (e.astype(np.int64), n_e + i.astype(np.int64))),
        shape=(n_e + n_i, n_e + n_i),
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    comp = labels[e]
    # renumber to the components that actually hold pairs
    uniq, comp = np.unique(comp, return_inverse=True)
    return len(uniq), comp.astype(np.int32)


def solve_exact(
    e: np.ndarray,
    i: np.ndarray,
    weight: np.ndarray,
    chosen: np.ndarray,
    comp: np.ndarray,
    max_nodes: int,
) -> int:
    """Re-solve small contested components optimally, in place on `chosen`; returns count."""
    if len(e) == 0 or max_nodes < 2:
        return 0
    n_comp = int(comp.max()) + 1
    # greedy is already optimal where one side of a component is a single record (a
    # star: it takes the best edge); only components with >= 2 records a side can differ
    ext_nodes = _distinct_per_component(comp, e, n_comp)
    int_nodes = _distinct_per_component(comp, i, n_comp)
    # and only where greedy left a record on each side unassigned: without an unassigned
    # pair of records no augmenting path exists, so the optimum cannot link more records
    free_e = np.ones(int(e.max()) + 1, dtype=bool)
    free_i = np.ones(int(i.max()) + 1, dtype=bool)
    free_e[e[chosen]] = False
    free_i[i[chosen]] = False
    has_free_e = np.bincount(comp, weights=free_e[e], minlength=n_comp) > 0
    has_free_i = np.bincount(comp, weights=free_i[i], minlength=n_comp) > 0
    contested = (
        (ext_nodes >= 2)
        & (int_nodes >= 2)
        & (ext_nodes + int_nodes <= max_nodes)
        & has_free_e
        & has_free_i
    )
    if not contested.any():
        return 0
    sel = np.flatnonzero(contested[comp])
    order = sel[np.argsort(comp[sel], kind="stable")]
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(order)]])
    solved = 0
    for s, t in zip(starts.tolist(), ends.tolist(), strict=True):
        idx = order[s:t]
        ue, le = np.unique(e[idx], return_inverse=True)
        ui, li = np.unique(i[idx], return_inverse=True)
        mat = np.zeros((len(ue), len(ui)))
        present = np.zeros((len(ue), len(ui)), dtype=bool)
        mat[le, li] = np.maximum(weight[idx], 1e-9)
        present[le, li] = True
        rows, cols = linear_sum_assignment(mat, maximize=True)
        ok = present[rows, cols]
        pick = np.zeros((len(ue), len(ui)), dtype=bool)
        pick[rows[ok], cols[ok]] = True
        chosen[idx] = pick[le, li]
        solved += 1
    return solved


def _distinct_per_component(comp: np.ndarray, node: np.ndarray, n_comp: int) -> np.ndarray:
    codes = np.unique(comp.astype(np.int64) * (int(node.max()) + 1) + node)
    return np.bincount(codes // (int(node.max()) + 1), minlength=n_comp)


def rivals(
    e: np.ndarray, i: np.ndarray, score: np.ndarray, chosen: np.ndarray, n_e: int, n_i: int
) -> np.ndarray:
    """Per external: best score of a feasible alternative to its assigned pair (-inf if none).

    An unchosen pair (e, i') is a rival for e only if i' is free or holds a weaker
    pair; a pair (e', i) is a rival for i's holder only if e' is free or holds a weaker
    pair. Alternatives already beaten elsewhere are no reason for doubt.
    """
    held_e = np.full(n_e, -np.inf)
    held_i = np.full(n_i, -np.inf)
    held_e[e[chosen]] = score[chosen]
    held_i[i[chosen]] = score[chosen]
    owner_of_i = np.full(n_i, -1, dtype=np.int64)
    owner_of_i[i[chosen]] = e[chosen]
    out = np.full(n_e, -np.inf)
    other = ~chosen
    oe, oi, os_ = e[other], i[other], score[other]
    # e's alternatives
    feasible = held_i[oi] < os_
    np.maximum.at(out, oe[feasible], os_[feasible])
    # competitors for the internal that e holds
    comp = held_e[oe] < os_
    holders = owner_of_i[oi[comp]]
    has = holders >= 0
    np.maximum.at(out, holders[has], os_[comp][has])
    return out
