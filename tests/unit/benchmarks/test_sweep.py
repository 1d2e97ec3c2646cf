"""The memory sweep's judgement: a clean refusal or a peak under the limit, nothing else."""

from __future__ import annotations

from benchmarks.run import RunResult
from benchmarks.sweep import classify, table, verdict


def _run(status: str, peak: float, detail: str = "") -> RunResult:
    return RunResult("synthetic-300k", "ours@512", "ours", status, is_ours=True,
                     peak_rss_mb=peak, detail=detail, wall_seconds=1.0)  # fmt: skip


def test_an_exit_2_naming_the_need_is_a_clean_refusal() -> None:
    refusal = "syncbridge.matching: needs at least 519 MB of memory for 600,000 records"
    result = classify(_run("error", 97.0, refusal), 512)
    assert result.status == "refused" and result.needed_mb == 519
    assert verdict(result)[0] is True


def test_a_refusal_that_loaded_past_the_limit_or_named_too_little_breaks_the_promise() -> None:
    assert verdict(classify(_run("error", 600.0, "needs at least 519 MB"), 512))[0] is False
    assert verdict(classify(_run("error", 90.0, "needs at least 400 MB"), 512))[0] is False


def test_a_finished_run_keeps_the_promise_only_under_the_limit() -> None:
    assert verdict(classify(_run("ok", 470.0), 512))[0] is True
    assert verdict(classify(_run("ok", 635.0), 512))[0] is False
    assert verdict(classify(_run("error", 100.0, "Traceback ..."), 512))[0] is False


def test_the_table_has_a_row_per_limit() -> None:
    rows = [classify(_run("ok", 470.0), 512), classify(_run("ok", 480.0), 1024)]
    text = table(rows)
    assert text.count("\n| synthetic-300k |") == 2
    assert "**NO**" not in text
