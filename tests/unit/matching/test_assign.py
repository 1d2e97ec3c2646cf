"""Assignment: greedy best-first one-to-one; exact where greedy strands a record."""

from __future__ import annotations

import numpy as np

from syncbridge.matching import assign


def _sequential_greedy(e, i, s):
    order = sorted(range(len(e)), key=lambda k: (-s[k], e[k], i[k]))
    used_e, used_i, chosen = set(), set(), set()
    for k in order:
        if e[k] not in used_e and i[k] not in used_i:
            chosen.add(k)
            used_e.add(e[k])
            used_i.add(i[k])
    return chosen


def test_greedy_takes_best_first_and_removes_both_sides() -> None:
    e = np.array([0, 0, 1, 1])
    i = np.array([0, 1, 0, 1])
    s = np.array([0.99, 0.98, 0.97, 0.50])
    chosen = assign.greedy(e, i, s, 2, 2)
    assert set(np.flatnonzero(chosen)) == {0, 3}


def test_vectorized_greedy_equals_sequential_greedy_on_random_graphs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(1, 80))
        e = rng.integers(0, 15, k)
        i = rng.integers(0, 15, k)
        codes = np.unique(e * 100 + i)
        e, i = codes // 100, codes % 100
        s = np.round(rng.random(len(e)), 2)  # ties on purpose
        chosen = assign.greedy(e, i, s, 15, 15)
        assert set(np.flatnonzero(chosen)) == _sequential_greedy(e, i, s)


def test_exact_rescues_the_record_greedy_strands() -> None:
    # A-x 0.99, A-y 0.98, B-x 0.97: greedy takes A-x and leaves B alone
    e = np.array([0, 0, 1])
    i = np.array([0, 1, 0])
    s = np.array([0.99, 0.98, 0.97])
    chosen = assign.greedy(e, i, s, 2, 2)
    assert set(np.flatnonzero(chosen)) == {0}
    n, comp = assign.components(e, i, 2, 2)
    assert n == 1
    weight = np.log(s / (1 - s)) + 2.0
    solved = assign.solve_exact(e, i, weight, chosen, comp, max_nodes=10)
    assert solved == 1
    assert set(np.flatnonzero(chosen)) == {1, 2}


def test_rivals_ignore_alternatives_already_beaten_elsewhere() -> None:
    # e0-i0 0.99 chosen; e1-i0 0.98 but e1 holds i1 at 0.999: no doubt for e0
    e = np.array([0, 1, 1])
    i = np.array([0, 0, 1])
    s = np.array([0.99, 0.98, 0.999])
    chosen = assign.greedy(e, i, s, 2, 2)
    r = assign.rivals(e, i, s, chosen, 2, 2)
    assert r[0] == -np.inf
    # now e1 is free: it is a real rival for i0
    chosen2 = np.array([True, False, False])
    r2 = assign.rivals(e, i, s, chosen2, 2, 2)
    assert r2[0] == 0.98
