"""Memory-aware strategy choice, and that every strategy gives a sound assignment."""

from __future__ import annotations

import pytest

from syncbridge.matching import MatchOptions, match_records, memory
from syncbridge.matching.synthetic import generate

MB = 1024 * 1024


def test_given_room_when_choosing_then_global_greedy() -> None:
    plan = memory.choose(memory.Workload(1_000_000), 200 * MB, 200 * MB, 3008 * MB, None)
    assert plan.strategy == "global_greedy"
    assert plan.shards == 1
    assert plan.estimated_bytes > 200 * MB


def test_given_too_many_pairs_for_one_shard_when_choosing_then_component_greedy() -> None:
    work = memory.Workload(200_000_000, dedup_share=0.7, kept_share=0.05)  # 5 GB at once
    plan = memory.choose(work, 300 * MB, 300 * MB, 3008 * MB, None)
    assert plan.strategy == "component_greedy"
    assert plan.shards > 1
    assert plan.estimated_bytes <= 3008 * MB


def test_given_kept_pairs_alone_exceed_the_limit_when_choosing_then_local_greedy() -> None:
    raw = 400_000_000
    plan = memory.choose(memory.Workload(raw), 300 * MB, 300 * MB, 1024 * MB, None)
    assert plan.strategy == "local_greedy"
    assert plan.shards > 1


def test_estimate_never_below_the_peak_already_reached() -> None:
    plan = memory.choose(memory.Workload(10), 100 * MB, 900 * MB, 3008 * MB, None)
    assert plan.estimated_bytes >= 900 * MB


def _run(strategy: str | None, limit: int = 3008):
    internal, external, gold = generate(1500, seed=11)
    options = MatchOptions(memory_limit_mb=limit, force_strategy=strategy)
    return match_records(internal, external, options), set(gold)


def _links(result) -> set[tuple[str, str]]:
    return {(d.external_id, d.internal_id) for d in result.decisions if d.decision != "create"}


@pytest.mark.parametrize("strategy", ["global_greedy", "component_greedy", "local_greedy", "exact"])
def test_every_strategy_is_one_to_one_and_accurate(strategy: str) -> None:
    result, gold = _run(strategy)
    assert result.stats.strategy == strategy
    taken = [d.internal_id for d in result.decisions if d.decision != "create"]
    assert len(taken) == len(set(taken))
    links = _links(result)
    precision = len(links & gold) / len(links)
    recall = len(links & gold) / len(gold)
    assert precision > 0.97
    assert recall > 0.95


def test_component_greedy_gives_the_global_answer() -> None:
    global_, _ = _run("global_greedy")
    sharded, _ = _run("component_greedy")
    assert sharded.stats.shards > 1
    assert _links(global_) == _links(sharded)


def test_a_limit_the_input_cannot_fit_is_refused_before_any_work_naming_the_need() -> None:
    internal, external, _ = generate(1500, seed=11)
    with pytest.raises(memory.MemoryLimitError) as refused:
        match_records(internal, external, MatchOptions(memory_limit_mb=1))
    assert refused.value.limit_mb == 1
    assert refused.value.needed_mb > 1
    assert "1,500 internal and 1,500 external records" in str(refused.value)


def test_chunks_scored_two_at_a_time_give_the_pairs_and_sums_of_one_at_a_time() -> None:
    import numpy as np

    from syncbridge.matching import blocking, engine
    from syncbridge.matching.profiles import SPECS
    from syncbridge.matching.records import load_records
    from syncbridge.matching.scoring import Scorer
    from syncbridge.matching.sides import prepare

    internal, external, _ = generate(1500, seed=11)
    vocabs: dict = {}
    raw_i = load_records(internal, SPECS["location"], "internal", vocabs)
    raw_e = load_records(external, SPECS["location"], "external", vocabs)
    prep = prepare(raw_i, raw_e, "location", vocabs)
    plans = blocking.plan_blocks(prep, "location", MatchOptions().max_block_pairs)
    codes = blocking.generate_pairs(plans, prep.internal.n)
    results = []
    for threads in (1, 2):
        odds = np.zeros(prep.external.n)
        kept = engine._score_codes(
            Scorer(prep, "location"), codes, prep.internal.n, 0.05, odds, 997, threads
        )
        results.append((*kept, odds))
    assert len(codes) > 4 * 997  # several chunks in flight
    assert len(results[0][0]) > 0
    for one, two in zip(*results, strict=True):
        assert np.array_equal(one, two)
