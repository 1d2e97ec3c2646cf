"""The report: the README section is replaced between markers, the table shows ratios."""

from __future__ import annotations

from benchmarks.report import (
    END_MARKER,
    START_MARKER,
    load_results,
    markdown,
    replace_section,
    table,
    targets,
    write_results,
)
from benchmarks.run import RunResult


def result(system, f1, wall, *, ours=False, peer=False, case="brewery-drift", **extra):
    scores = {
        "precision": f1,
        "recall": f1,
        "f1": f1,
        "match_only_f1": f1,
        "review_rate": 0.01,
        "create_accuracy": 0.9,
    }
    return RunResult(
        case=case,
        system=system,
        label=system,
        status="ok",
        is_ours=ours,
        is_peer=peer,
        wall_seconds=wall,
        peak_rss_mb=100.0,
        scores=scores,
        **extra,
    )


def test_given_a_readme_with_markers_then_only_the_section_between_them_changes():
    readme = f"# Title\n\n## Benchmarks\n\n{START_MARKER}\nold table\n{END_MARKER}\n\n## After\n"

    updated = replace_section(readme, "new table")

    assert updated == (
        f"# Title\n\n## Benchmarks\n\n{START_MARKER}\nnew table\n{END_MARKER}\n\n## After\n"
    )


def test_given_a_readme_without_markers_then_a_benchmarks_section_is_appended():
    updated = replace_section("# Title\n\nText.\n", "the table")

    assert (
        updated == f"# Title\n\nText.\n\n## Benchmarks\n\n{START_MARKER}\nthe table\n{END_MARKER}\n"
    )


def test_given_ours_and_a_peer_then_the_peer_row_carries_time_ratio_and_f1_delta():
    results = [
        result(
            "ours",
            0.99,
            2.0,
            ours=True,
            estimated_mb=110.0,
            stats_peak_mb=100.0,
            estimate_ratio=1.1,
        ),
        result("recordlinkage", 0.95, 8.0, peer=True),
    ]

    rows = table(results).splitlines()

    assert "110 / 100 (1.10x)" in rows[2]
    assert rows[3].endswith("| 0.25 | +0.0400 |")


def test_given_a_failed_peer_then_no_ratio_is_invented():
    peer = RunResult(
        case="brewery-drift",
        system="splink",
        label="splink",
        status="timeout",
        is_peer=True,
        wall_seconds=900.0,
    )

    rows = table([result("ours", 0.99, 2.0, ours=True), peer]).splitlines()

    assert "**timeout**" in rows[3]
    assert rows[3].endswith("| — | — |")


def test_given_ours_below_a_peer_then_the_target_fails():
    results = [result("ours", 0.90, 2.0, ours=True), result("splink", 0.95, 9.0, peer=True)]

    lines = targets(results)

    assert "- FAIL: brewery-drift F1 ≥ 0.995 with ≤ 2% review" in lines
    assert "- FAIL: brewery-drift: F1 not below splink" in lines


def test_given_recordlinkage_finished_a_larger_case_then_the_speedup_uses_that_case():
    results = [
        result("ours", 0.99, 10.0, ours=True, case="synthetic-50k", external_records=50_000),
        result(
            "recordlinkage", 0.9, 60.0, peer=True, case="synthetic-50k", external_records=50_000
        ),
    ]

    lines = targets(results)

    assert any(line.startswith("- pass: ≥ 5x faster") and "6.0x" in line for line in lines)


def test_given_a_1m_run_then_time_peak_and_estimate_targets_are_checked():
    big = result(
        "ours",
        0.99,
        95.0,
        ours=True,
        case="synthetic-1m@benchmarks",
        estimate_ratio=1.3,
        estimated_mb=2600.0,
        stats_peak_mb=2000.0,
    )
    big.peak_rss_mb = 2000.0

    lines = targets([big])

    assert "- FAIL: synthetic-1m@benchmarks: 1M x 1M in ≤ 60 s" in lines
    assert "- FAIL: synthetic-1m@benchmarks: 1M x 1M peak ≤ 1.5 GB" in lines
    assert any(x.startswith("- FAIL: synthetic-1m@benchmarks: memory estimate") for x in lines)


def test_given_a_saved_run_then_it_renders_the_same_table_again(tmp_path):
    results = [result("ours", 0.99, 2.0, ours=True), result("splink", 0.95, 9.0, peer=True)]
    host = {
        "cpu": "test cpu",
        "cores": 2,
        "ram_gb": 1.0,
        "python": "3.12",
        "os": "Linux",
        "date": "2026-01-01 00:00 UTC",
        "packages": {"splink": "4"},
    }
    write_results(results, host, tmp_path, ["- brewery-drift: a note"])

    loaded, loaded_host, notes = load_results(tmp_path / "latest.json")

    assert markdown(loaded, loaded_host, notes) == markdown(results, host, notes)
    assert notes == ["- brewery-drift: a note"]
    assert "test cpu, 2 cores" in (tmp_path / "latest.md").read_text()
