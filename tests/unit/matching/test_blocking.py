"""Blocking: shared keys make candidates, huge keys are skipped, no cross product."""

from __future__ import annotations

import numpy as np

from syncbridge.matching import blocking
from syncbridge.matching.profiles import SPECS
from syncbridge.matching.records import load_records
from syncbridge.matching.sides import prepare


def _prepared(internal: list[dict], external: list[dict], profile: str = "location"):
    vocabs: dict = {}
    raw_i = load_records(internal, SPECS[profile], "internal", vocabs)
    raw_e = load_records(external, SPECS[profile], "external", vocabs)
    return prepare(raw_i, raw_e, profile, vocabs)


def _pairs(prep, max_block_pairs: int = 2500) -> set[tuple[str, str]]:
    plans = blocking.plan_blocks(prep, "location", max_block_pairs)
    codes = blocking.generate_pairs(plans, prep.internal.n)
    e, i = blocking.split_pairs(codes, prep.internal.n)
    return {(prep.external.ids[a], prep.internal.ids[b]) for a, b in zip(e, i, strict=True)}


def test_given_drifted_copies_when_blocked_then_every_true_pair_is_a_candidate(
    internal_locations, external_locations
) -> None:
    pairs = _pairs(_prepared(internal_locations, external_locations))
    for n in range(5):
        assert (f"e-{n}", f"k-{n}") in pairs
    # and far fewer than the cross product
    assert len(pairs) < len(internal_locations) * len(external_locations)


def test_given_only_a_phone_in_common_when_blocked_then_phone_pass_finds_the_pair() -> None:
    internal = [{"id": "k", "name": "Alpha", "phone": "+1 303 555 1212"}]
    external = [{"id": "e", "name": "Omega", "phone": "(303) 555-1212"}]
    assert _pairs(_prepared(internal, external)) == {("e", "k")}


def test_given_points_across_a_cell_border_when_blocked_then_neighbour_cell_finds_them() -> None:
    border = 40.0  # a multiple of the fine cell size
    internal = [{"id": "k", "name": "Alpha", "lat": border - 0.0004, "lon": -105.0}]
    external = [{"id": "e", "name": "Omega", "lat": border + 0.0004, "lon": -105.0}]
    assert _pairs(_prepared(internal, external)) == {("e", "k")}


def test_given_a_huge_block_when_planned_then_it_is_skipped_and_counted() -> None:
    internal = [{"id": f"k{n}", "name": f"x{n}", "postal_code": "80205"} for n in range(60)]
    external = [{"id": f"e{n}", "name": f"y{n}", "postal_code": "80205"} for n in range(60)]
    prep = _prepared(internal, external)
    plans = blocking.plan_blocks(prep, "location", max_block_pairs=100)
    postal = next(p for p in plans if p.name == "postal_code")
    assert postal.pairs == 0
    assert postal.skipped_keys == 1


def test_ranges_concatenates_aranges() -> None:
    got = blocking._ranges(np.array([5, 0, 9]), np.array([2, 0, 3]))
    assert got.tolist() == [5, 6, 9, 10, 11]


def test_shard_generation_covers_the_same_pairs(internal_locations, external_locations) -> None:
    prep = _prepared(internal_locations, external_locations)
    plans = blocking.plan_blocks(prep, "location", 2500)
    whole = blocking.generate_pairs(plans, prep.internal.n)
    parts = np.concatenate(
        [
            blocking.generate_pairs(plans, prep.internal.n, 0, 3),
            blocking.generate_pairs(plans, prep.internal.n, 3, None),
        ]
    )
    assert sorted(whole.tolist()) == sorted(parts.tolist())
