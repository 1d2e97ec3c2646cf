"""The CLI on the real bench cases in ../shared/bench (skipped when ../shared is absent).

Quality gates from issue 6: brewery-drift F1 >= 0.995 with <= 2 % review, abt-buy
F1 >= 0.85, blocking recall >= 0.998 on brewery-drift. The output is checked as strictly
as the bench harness does before scoring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncbridge.matching.evaluate import blocking_recall, quality, read_gold

REPO = Path(__file__).resolve().parents[3]
CASES = REPO.parent / "shared" / "bench" / "cases"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not CASES.is_dir(), reason="../shared/bench is not present"),
]


def _run_cli(case: Path, tmp_path: Path) -> tuple[list[dict], dict]:
    profile = json.loads((case / "case.json").read_text())["profile"]
    out, stats = tmp_path / "out.jsonl", tmp_path / "stats.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "shared")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "syncbridge.matching",
            "--internal",
            str(case / "internal.jsonl"),
            "--external",
            str(case / "external.jsonl"),
            "--profile",
            profile,
            "--out",
            str(out),
            "--stats",
            str(stats),
        ],
        check=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    return lines, json.loads(stats.read_text())


def _check_strictly(lines: list[dict], case: Path) -> None:
    external = [json.loads(x)["id"] for x in (case / "external.jsonl").read_text().splitlines()]
    internal = {json.loads(x)["id"] for x in (case / "internal.jsonl").read_text().splitlines()}
    assert sorted(x["external_id"] for x in lines) == sorted(external)
    linked = [x["internal_id"] for x in lines if x["decision"] != "create"]
    assert len(linked) == len(set(linked))
    for x in lines:
        assert x["decision"] in ("match", "review", "create")
        assert (x["internal_id"] is None) == (x["decision"] == "create")
        assert x["internal_id"] is None or x["internal_id"] in internal
        assert isinstance(x["score"], int | float)
        assert isinstance(x["explanation"], dict)


@pytest.mark.parametrize(
    ("case", "min_f1", "max_review"), [("brewery-drift", 0.995, 0.02), ("abt-buy", 0.85, 0.30)]
)
def test_cli_meets_the_quality_gates(case: str, min_f1: float, max_review: float, tmp_path) -> None:
    path = CASES / case
    lines, stats = _run_cli(path, tmp_path)
    _check_strictly(lines, path)
    q = quality(lines, read_gold(str(path / "gold.jsonl")))
    assert q.f1 >= min_f1, q
    assert q.review_rate <= max_review, q
    assert stats["external_records"] == len(lines)
    assert stats["estimated_bytes"] > 0
    assert stats["peak_bytes"] > 0


def test_brewery_drift_blocking_recall() -> None:
    assert blocking_recall(str(CASES / "brewery-drift"), "location") >= 0.998
