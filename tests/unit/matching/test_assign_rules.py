"""Assignment rules checked against plain-Python references on random graphs: the rank
order, the connected components, the rivals that cast doubt on a pair, and where the
exact solver may (and may not) change greedy's choice."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from syncbridge.matching import assign


def random_graph(rng, n_e=8, n_i=8, k_max=30):
    k = int(rng.integers(1, k_max))
    codes = np.unique(rng.integers(0, n_e, k) * 100 + rng.integers(0, n_i, k))
    e, i = codes // 100, codes % 100
    return e, i, np.round(rng.random(len(e)), 2)  # ties on purpose


def test_ranks_order_by_score_then_lower_external_then_lower_internal():
    e = np.array([0, 0, 1, 1, 2])
    i = np.array([0, 1, 0, 1, 0])
    s = np.array([0.5, 0.9, 0.9, 0.5, 0.9])
    # best first: (0,1) 0.9, (1,0) 0.9, (2,0) 0.9, then (0,0) 0.5, (1,1) 0.5
    assert assign.ranks(e, i, s).tolist() == [2, 5, 4, 1, 3]


def test_ranks_do_not_depend_on_the_order_pairs_arrive_in():
    rng = np.random.default_rng(11)
    for _ in range(30):
        e, i, s = random_graph(rng)
        expected = assign.ranks(e, i, s)  # sorted by (external, internal): the fast path
        perm = rng.permutation(len(e))
        assert assign.ranks(e[perm], i[perm], s[perm]).tolist() == expected[perm].tolist()
        assert sorted(expected.tolist()) == list(range(1, len(e) + 1))


def test_greedy_never_reuses_an_internal_already_taken():
    e = np.array([0, 0, 1])
    i = np.array([0, 1, 1])
    s = np.array([0.99, 0.5, 0.9])
    taken = np.array([True, False])
    chosen = assign.greedy(e, i, s, 2, 2, taken_i=taken)
    assert np.flatnonzero(chosen).tolist() == [2]  # e0's best (i0) is taken; e1 wins i1
    assert taken.tolist() == [True, False]  # the caller's mask is left alone


def _reference_components(e, i):
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in zip(e.tolist(), i.tolist(), strict=True):
        parent[find(("e", a))] = find(("i", b))
    return [find(("e", a)) for a in e.tolist()]


def test_components_group_pairs_that_share_a_record():
    rng = np.random.default_rng(5)
    for _ in range(30):
        e, i, _ = random_graph(rng)
        n, comp = assign.components(e, i, 8, 8)
        roots = _reference_components(e, i)
        assert n == len(set(roots)) and sorted(set(comp.tolist())) == list(range(n))
        for a, b in itertools.combinations(range(len(e)), 2):
            assert (comp[a] == comp[b]) == (roots[a] == roots[b])


def _reference_rivals(e, i, s, chosen, n_e):
    held_e, held_i, owner = {}, {}, {}
    for k in np.flatnonzero(chosen):
        held_e[e[k]], held_i[i[k]], owner[i[k]] = s[k], s[k], e[k]
    out = [-np.inf] * n_e
    for k in np.flatnonzero(~chosen):
        if held_i.get(i[k], -np.inf) < s[k]:  # i free, or holding a weaker pair
            out[e[k]] = max(out[e[k]], s[k])
        if i[k] in owner and held_e.get(e[k], -np.inf) < s[k]:  # a rival for i's holder
            out[owner[i[k]]] = max(out[owner[i[k]]], s[k])
    return out


def test_rivals_match_their_definition_on_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(40):
        e, i, s = random_graph(rng)
        chosen = assign.greedy(e, i, s, 8, 8)
        assert assign.rivals(e, i, s, chosen, 8, 8).tolist() == _reference_rivals(
            e, i, s, chosen, 8
        )


STRANDED = (np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.99, 0.98, 0.97]))


def _greedy_then_exact(e, i, s, max_nodes):
    chosen = assign.greedy(e, i, s, int(e.max()) + 1, int(i.max()) + 1)
    _, comp = assign.components(e, i, int(e.max()) + 1, int(i.max()) + 1)
    solved = assign.solve_exact(e, i, np.log(s / (1 - s)) + 2.0, chosen, comp, max_nodes)
    return solved, set(np.flatnonzero(chosen).tolist())


@pytest.mark.parametrize("max_nodes", [0, 1, 3])
def test_exact_leaves_components_larger_than_its_budget_to_greedy(max_nodes):
    # the stranded component has 2 + 2 records: a budget under 4 keeps greedy's choice
    assert _greedy_then_exact(*STRANDED, max_nodes=max_nodes) == (0, {0})


def test_exact_solves_a_component_of_exactly_its_budget():
    assert _greedy_then_exact(*STRANDED, max_nodes=4) == (1, {1, 2})


def test_exact_leaves_alone_what_greedy_already_links_fully():
    # A-x 0.99, B-y 0.5, A-y 0.98, B-x 0.97: greedy links both A and B; nothing is contested
    e, i, s = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([0.99, 0.98, 0.97, 0.5])
    assert _greedy_then_exact(e, i, s, max_nodes=10) == (0, {0, 3})
    # a star (one record on a side) is never re-solved either
    star = (np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([0.9, 0.8, 0.7]))
    assert _greedy_then_exact(*star, max_nodes=10) == (0, {0})


def test_exact_solves_each_contested_component_and_keeps_the_assignment_one_to_one():
    # two stranded components side by side, one uncontested pair between them
    e = np.array([0, 0, 1, 2, 3, 3, 4])
    i = np.array([0, 1, 0, 2, 3, 4, 3])
    s = np.array([0.99, 0.98, 0.97, 0.9, 0.99, 0.98, 0.97])
    solved, chosen = _greedy_then_exact(e, i, s, max_nodes=10)
    assert solved == 2 and chosen == {1, 2, 3, 5, 6}


def test_exact_never_links_fewer_records_and_stays_one_to_one_on_random_graphs():
    rng = np.random.default_rng(13)
    for _ in range(40):
        e, i, s = random_graph(rng, k_max=20)
        s = np.clip(s, 0.01, 0.99)
        greedy_links = int(assign.greedy(e, i, s, 8, 8).sum())
        _, chosen = _greedy_then_exact(e, i, s, max_nodes=12)
        picked = sorted(chosen)
        assert len({e[k] for k in picked}) == len(picked) == len({i[k] for k in picked})
        assert len(picked) >= greedy_links


def _reference_ranks(e, i, s):
    order = sorted(range(len(e)), key=lambda k: (-s[k], e[k], i[k]))
    r = [0] * len(e)
    for place, k in enumerate(order):
        r[k] = len(e) - place
    return r


@pytest.mark.parametrize(
    ("e", "i"),
    [
        ([0, 0], [1, 0]),  # externals in order, internals not
        ([1, 0], [0, 1]),  # internals in order, externals not
        ([0, 0, 0], [0, 2, 1]),
        ([0, 1, 1], [0, 2, 1]),
        ([1, 1, 0], [0, 1, 2]),
    ],
)
def test_ranks_of_pairs_that_only_look_sorted_follow_the_tie_break(e, i):
    e, i, s = np.array(e), np.array(i), np.full(len(e), 0.5)
    assert assign.ranks(e, i, s).tolist() == _reference_ranks(e, i, s)


def test_rivals_match_their_definition_for_any_one_to_one_choice():
    # the exact solver's choice is not greedy's: alternatives may sit on free records
    rng = np.random.default_rng(17)
    for _ in range(60):
        e, i, s = random_graph(rng)
        chosen = np.zeros(len(e), dtype=bool)
        used_e, used_i = set(), set()
        for k in rng.permutation(len(e)).tolist():
            if e[k] not in used_e and i[k] not in used_i and rng.random() < 0.6:
                chosen[k] = True
                used_e.add(e[k])
                used_i.add(i[k])
        assert assign.rivals(e, i, s, chosen, 8, 8).tolist() == _reference_rivals(
            e, i, s, chosen, 8
        )


# A-x 0.99, A-y 0.98, B-x 0.97, B-y 0.5: greedy links A-x and B-y, the optimum A-y and B-x
FULL = (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([0.99, 0.98, 0.97, 0.5]))


@pytest.mark.parametrize(
    ("extra_e", "extra_i"),
    [(0, 2), (2, 0)],  # A-z leaves internal z free; C-x leaves external C free
)
def test_exact_keeps_greedy_where_only_one_side_has_a_record_left_free(extra_e, extra_i):
    e, i, s = FULL
    e, i, s = np.append(e, extra_e), np.append(i, extra_i), np.append(s, 0.1)
    # no augmenting path: the optimum cannot link more records, greedy's choice stands
    assert _greedy_then_exact(e, i, s, max_nodes=10) == (0, {0, 3})


def test_exact_re_solves_where_a_record_is_left_free_on_each_side():
    e, i, s = FULL
    e, i, s = np.append(e, [0, 2]), np.append(i, [2, 0]), np.append(s, [0.1, 0.1])
    solved, chosen = _greedy_then_exact(e, i, s, max_nodes=10)
    assert solved == 1 and {1, 2} <= chosen


def test_distinct_records_are_counted_per_component_when_the_largest_record_repeats():
    # record 3 is in both components; a pair repeats it in the first
    comp = np.array([0, 0, 1, 1, 1])
    node = np.array([3, 3, 0, 1, 3])
    assert assign._distinct_per_component(comp, node, 2).tolist() == [1, 3]
