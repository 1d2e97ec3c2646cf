"""Measuring a child: its own peak memory (not the harness's), timeouts and RSS caps."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("psutil", reason="psutil is in requirements-dev.txt: run `make venv`")

from benchmarks.measure import run_measured

MB = 1024 * 1024


def test_given_a_child_that_allocates_then_its_peak_is_measured(tmp_path):
    code = "x = bytearray(120 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"

    result = run_measured(
        [sys.executable, "-c", code],
        timeout_seconds=60,
        rss_cap_bytes=None,
        stderr_path=tmp_path / "a.log",
    )

    assert result.status == "ok"
    assert 120 * MB < result.peak_rss_bytes < 250 * MB


def test_given_a_harness_holding_memory_then_the_child_peak_does_not_include_it(tmp_path):
    held = bytearray(300 * MB)
    held[::4096] = b"1" * len(held[::4096])

    result = run_measured(
        [sys.executable, "-c", "pass"],
        timeout_seconds=60,
        rss_cap_bytes=None,
        stderr_path=tmp_path / "b.log",
    )

    assert result.status == "ok"
    assert result.peak_rss_bytes < 100 * MB
    del held


def test_given_a_slow_child_then_it_is_stopped_as_timeout(tmp_path):
    result = run_measured(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        timeout_seconds=0.5,
        rss_cap_bytes=None,
        stderr_path=tmp_path / "c.log",
    )

    assert result.status == "timeout"
    assert result.wall_seconds < 10


def test_given_a_child_over_the_cap_then_it_is_stopped_as_oom(tmp_path):
    code = (
        "import time; x = bytearray(200 * 1024 * 1024); "
        "x[::4096] = b'1' * len(x[::4096]); time.sleep(30)"
    )

    result = run_measured(
        [sys.executable, "-c", code],
        timeout_seconds=60,
        rss_cap_bytes=80 * MB,
        stderr_path=tmp_path / "d.log",
    )

    assert result.status == "oom"


def test_given_a_failing_child_then_the_error_and_its_stderr_are_reported(tmp_path):
    result = run_measured(
        [sys.executable, "-c", "raise SystemExit('bad input: line 3')"],
        timeout_seconds=60,
        rss_cap_bytes=None,
        stderr_path=tmp_path / "e.log",
    )

    assert result.status == "error"
    assert result.returncode == 1
    assert "bad input: line 3" in result.stderr_tail
