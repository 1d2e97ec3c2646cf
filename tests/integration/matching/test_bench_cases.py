"""The CLI on the real bench cases in ../shared/bench (skipped when ../shared is absent).

Scored by the benchmark's own scorer (`benchmarks.validate` strict check, then
`benchmarks.score`), so a gate here and a figure in `make bench` are the same number.
Gates: brewery-drift F1 >= 0.995 with <= 2 % review (issue 6); abt-buy F1 >= 0.89 with
<= 10 % review (issue 11); blocking recall >= 0.998 on brewery-drift.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cases import REAL_CASES_DIR, child_env, read_gold, read_ids
from benchmarks.score import score_run
from benchmarks.validate import validate_output
from syncbridge.matching.evaluate import blocking_recall

REPO = Path(__file__).resolve().parents[3]
CASES = REAL_CASES_DIR

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not CASES.is_dir(), reason="../shared/bench is not present (or set SYNCBRIDGE_SHARED_DIR)"
    ),
]


def _run_cli(case: Path, tmp_path: Path) -> tuple[list[str], dict]:
    profile = json.loads((case / "case.json").read_text())["profile"]
    out, stats = tmp_path / "out.jsonl", tmp_path / "stats.json"
    subprocess.run(
        [
            sys.executable, "-m", "syncbridge.matching",
            "--internal", str(case / "internal.jsonl"),
            "--external", str(case / "external.jsonl"),
            "--profile", profile, "--out", str(out), "--stats", str(stats),
        ],
        check=True, cwd=REPO, env=child_env(), timeout=300,
    )  # fmt: skip
    return out.read_text(encoding="utf-8").splitlines(), json.loads(stats.read_text())


@pytest.mark.parametrize(
    ("case", "min_f1", "max_review"), [("brewery-drift", 0.995, 0.02), ("abt-buy", 0.89, 0.10)]
)
def test_cli_meets_the_quality_gates(case: str, min_f1: float, max_review: float, tmp_path) -> None:
    path = CASES / case
    lines, stats = _run_cli(path, tmp_path)
    checked = validate_output(
        lines, read_ids(path / "external.jsonl"), read_ids(path / "internal.jsonl")
    )
    assert checked.ok, checked.violations
    scores = score_run(checked.lines, read_gold(path / "gold.jsonl"))
    assert scores.f1 >= min_f1, scores
    assert scores.review_rate <= max_review, scores
    assert stats["external_records"] == len(lines)
    assert stats["estimated_bytes"] > 0
    assert stats["peak_bytes"] > 0


def test_every_explanation_carries_the_match_weights(tmp_path) -> None:
    """The review page shows each field's contribution: a finite match weight per field."""
    lines, _ = _run_cli(CASES / "abt-buy", tmp_path)
    linked = [json.loads(x) for x in lines if '"create"' not in x]
    assert linked
    for row in linked:
        weights = {k: v for k, v in row["explanation"].items() if k.startswith("weight_")}
        assert "weight_prior" in weights and "weight_name" in weights, row
        assert all(isinstance(v, float) and abs(v) < 1e3 for v in weights.values()), row


def test_brewery_drift_blocking_recall() -> None:
    assert blocking_recall(str(CASES / "brewery-drift"), "location") >= 0.998
