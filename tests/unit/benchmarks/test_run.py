"""A whole run of the harness on a small generated case: measured, validated, scored."""

from __future__ import annotations

import pytest

pytest.importorskip("psutil", reason="psutil is in requirements-dev.txt: run `make venv`")
pytest.importorskip("pandas", reason="pandas is in requirements-dev.txt: run `make venv`")

from benchmarks.cases import Case
from benchmarks.run import run_case
from benchmarks.synthetic import generate
from benchmarks.systems import System, baseline


@pytest.fixture(scope="module")
def small_case(tmp_path_factory):
    directory = tmp_path_factory.mktemp("case")
    generate(directory, 400, seed=11)
    return Case("synthetic-400", "synthetic", directory)


def test_given_the_baseline_when_run_then_it_is_measured_and_scored(small_case, tmp_path):
    result = run_case(
        small_case, baseline(), timeout_seconds=120, rss_cap_bytes=None, work_dir=tmp_path
    )

    assert result.status == "ok", result.detail
    assert result.scores is not None
    assert 0.0 < result.scores["precision"] <= 1.0
    assert 0.0 < result.scores["recall"] < 1.0  # exact names miss the noisy copies
    assert result.wall_seconds > 0
    assert result.peak_rss_mb > 10


def test_given_a_matcher_breaking_one_to_one_then_the_run_scores_nothing(small_case, tmp_path):
    broken = System("broken", "broken", "tests.unit.benchmarks.fake_matcher")

    result = run_case(
        small_case, broken, timeout_seconds=120, rss_cap_bytes=None, work_dir=tmp_path
    )

    assert result.status == "invalid"
    assert result.scores is None
    assert result.violation_count == 399
    assert "linked twice" in result.violations[0]


def test_given_a_matcher_that_crashes_then_the_run_is_an_error(small_case, tmp_path):
    missing = System("missing", "missing", "tests.unit.benchmarks.no_such_module")

    result = run_case(
        small_case, missing, timeout_seconds=120, rss_cap_bytes=None, work_dir=tmp_path
    )

    assert result.status == "error"
    assert "No module named" in result.detail
