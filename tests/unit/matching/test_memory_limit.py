"""The memory promise: an input that cannot fit under the limit is refused up front,
naming the least limit that would do; the estimate grows with the input. No timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncbridge.matching import memory
from syncbridge.matching.cli import main
from syncbridge.matching.records import count_records

MB = 1024 * 1024
BASE = 90 * MB  # an interpreter with numpy, scipy and rapidfuzz loaded


def test_the_input_estimate_grows_with_records_and_with_longer_records() -> None:
    small = memory.input_need("location", 100_000, 100_000, BASE)
    large = memory.input_need("location", 300_000, 300_000, BASE)
    wordy = memory.input_need("location", 300_000, 300_000, BASE, input_bytes=600_000 * 2000)
    assert BASE < small < large < wordy
    # linear in the records beyond the fixed costs
    per_record = (large - small) / 400_000
    assert memory.RECORD_BYTES["location"] <= per_record <= 2 * memory.RECORD_BYTES["location"]


def test_given_a_limit_below_the_need_then_refused_with_the_least_sufficient_limit() -> None:
    need = memory.input_need("location", 300_000, 300_000, BASE)
    with pytest.raises(memory.MemoryLimitError) as refused:
        memory.check_input("location", 300_000, 300_000, 256, baseline_bytes=BASE)
    err = refused.value
    assert err.needed_bytes == need
    assert err.needed_mb * MB * memory.HEADROOM >= need
    assert (err.needed_mb - 1) * MB * memory.HEADROOM < need  # the least such limit
    assert f"needs at least {err.needed_mb} MB" in str(err)
    assert "300,000 internal and 300,000 external records" in str(err)
    # exactly that limit is accepted
    assert memory.check_input("location", 300_000, 300_000, err.needed_mb, BASE) == need


def test_the_second_reader_runs_only_where_the_limit_leaves_room_for_it() -> None:
    need = memory.input_need("location", 300_000, 300_000, BASE)
    assert not memory.parallel_read_fits("location", 300_000, need, 512)
    assert memory.parallel_read_fits("location", 300_000, need, 1024)
    # the reader's room is on top of the need: a limit that only just admits the input
    # reads sequentially
    just = memory.check_input("location", 300_000, 300_000, 10_000, BASE)
    least = int(just / memory.HEADROOM / MB) + 1
    assert not memory.parallel_read_fits("location", 300_000, need, least)


def test_a_sum_noted_while_a_child_ran_counts_in_the_peak() -> None:
    above = memory.peak_rss() + 512 * MB
    memory.note_combined_peak(above)
    try:
        assert memory.peak_rss() == above
    finally:
        memory.reset_peak()
    assert memory.peak_rss() < above


def test_when_no_plan_fits_after_planning_then_choose_refuses_instead_of_exceeding() -> None:
    work = memory.Workload(50_000_000, dedup_share=0.7, kept_share=0.2, external_records=10**6)
    with pytest.raises(memory.MemoryLimitError) as refused:
        memory.choose(work, 900 * MB, 950 * MB, 1000 * MB, None)
    # the named limit admits the smallest plan
    plan = memory.choose(work, 900 * MB, 950 * MB, refused.value.needed_mb * MB, None)
    assert plan.strategy == "local_greedy"
    assert plan.estimated_bytes <= refused.value.needed_mb * MB * memory.HEADROOM


def test_every_plan_chosen_fits_its_budget() -> None:
    work = memory.Workload(80_000_000, dedup_share=0.6, kept_share=0.1, external_records=10**6)
    for limit_mb in (700, 900, 1500, 3008, 10_240):
        try:
            plan = memory.choose(work, 500 * MB, 550 * MB, limit_mb * MB, None)
        except memory.MemoryLimitError as exc:
            assert exc.needed_mb > limit_mb
            continue
        assert plan.estimated_bytes <= limit_mb * MB * memory.HEADROOM


def test_records_are_counted_without_loading(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "b"}\n{"id": "c"}')  # no final newline
    assert count_records(str(path)) == (3, path.stat().st_size)
    assert count_records(str(tmp_path / "missing.jsonl")) == (0, 0)


def test_the_cli_refuses_a_limit_too_small_with_exit_2_and_one_line(
    tmp_path: Path, capsys, internal_locations, external_locations
) -> None:
    files = []
    for name, rows in (("i", internal_locations), ("e", external_locations)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        files.append(str(path))
    out = tmp_path / "out.jsonl"
    code = main(["--internal", files[0], "--external", files[1], "--profile", "location",
                 "--out", str(out), "--memory-limit-mb", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "needs at least" in err and "the limit is 1 MB" in err
    assert not out.exists()


def test_small_chunks_keep_the_global_answer_before_local_greedy_is_considered() -> None:
    # kept pairs fit, but not beside the default explanation and scoring chunks
    work = memory.Workload(4_000_000, dedup_share=0.75, kept_share=0.05, external_records=300_000)
    default_chunks = memory.pair_phase_bytes(work, 8, True)
    small_chunks = memory.pair_phase_bytes(
        work, 8, True, memory.MIN_EXPLAIN_CHUNK, memory.MIN_SCORE_CHUNK
    )
    assert small_chunks < default_chunks
    limit = int((400 * MB + (small_chunks + default_chunks) / 2) / memory.HEADROOM)
    plan = memory.choose(work, 400 * MB, 400 * MB, limit, None)
    assert plan.strategy == "component_greedy"
    assert plan.explain_chunk == memory.MIN_EXPLAIN_CHUNK
    assert plan.estimated_bytes <= limit * memory.HEADROOM
