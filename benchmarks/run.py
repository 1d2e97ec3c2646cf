"""One benchmark run: a system on a case, measured, validated strictly, scored."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.cases import CACHE_DIR, REPO_ROOT, Case, child_env, read_gold, read_ids
from benchmarks.measure import run_measured
from benchmarks.score import score_run
from benchmarks.systems import System
from benchmarks.validate import validate_output

MB = 1024 * 1024
# Stats keys the engine may report about its blocking; shown when present, never invented.
BLOCKING_RECALL_KEYS = ("blocking_recall",)
# The engine's own quality tool, which reports blocking recall for a case folder with gold.
ENGINE_EVALUATE = REPO_ROOT / "shared" / "syncbridge" / "matching" / "evaluate.py"


@dataclass
class RunResult:
    case: str
    system: str
    label: str
    status: str  # ok | invalid | error | timeout | oom
    is_ours: bool = False
    is_peer: bool = False
    external_records: int | None = None
    wall_seconds: float | None = None
    peak_rss_mb: float | None = None
    scores: dict[str, float | int | None] | None = None
    violations: list[str] = field(default_factory=list)
    violation_count: int = 0
    stats: dict[str, object] | None = None
    estimated_mb: float | None = None
    stats_peak_mb: float | None = None
    estimate_ratio: float | None = None  # estimated_bytes / peak_bytes
    blocking_recall: float | None = None
    blocking_recall_source: str | None = None
    detail: str = ""
    memory_limit_mb: int | None = None  # ours: the --memory-limit-mb it ran under
    needed_mb: int | None = None  # ours, refused: the least limit it named

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _stats_fields(result: RunResult, stats_path: Path) -> None:
    if not stats_path.is_file():
        result.detail = (result.detail + " no --stats file").strip()
        return
    try:
        stats = json.loads(stats_path.read_text())
    except json.JSONDecodeError as exc:
        result.detail = (result.detail + f" unreadable --stats ({exc.msg})").strip()
        return
    result.stats = stats
    estimated, peak = stats.get("estimated_bytes"), stats.get("peak_bytes")
    if isinstance(estimated, int | float):
        result.estimated_mb = estimated / MB
    if isinstance(peak, int | float):
        result.stats_peak_mb = peak / MB
    if isinstance(estimated, int | float) and isinstance(peak, int | float) and peak > 0:
        result.estimate_ratio = estimated / peak
    for key in BLOCKING_RECALL_KEYS:
        if isinstance(stats.get(key), int | float):
            result.blocking_recall = float(stats[key])
            result.blocking_recall_source = f"--stats {key}"


def engine_blocking_recall(case: Case, timeout_seconds: float, log: Path) -> float | None:
    """Blocking recall from the engine's own evaluator (`python -m
    syncbridge.matching.evaluate CASE_DIR`, one JSON line per case), run as a command,
    unmeasured, after the measured run. None when the engine offers no such tool."""
    if not ENGINE_EVALUATE.is_file():
        return None
    command = [sys.executable, "-m", "syncbridge.matching.evaluate", str(case.directory)]
    try:
        done = subprocess.run(
            command,
            env=child_env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.write_text("timeout\n")
        return None
    log.write_text(done.stdout + done.stderr)
    for text in reversed(done.stdout.splitlines()):
        try:
            value = json.loads(text).get("blocking_recall")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(value, int | float):
            return float(value)
    return None


def run_case(
    case: Case,
    system: System,
    *,
    timeout_seconds: float,
    rss_cap_bytes: int | None,
    blocking_recall: bool = True,
    work_dir: Path = CACHE_DIR / "runs",
    keep_output: bool = False,
) -> RunResult:
    """Measure, validate and score one system on one case. `work_dir` should be unique
    to the invocation; the output file is deleted once judged unless `keep_output`."""
    directory = work_dir / case.name / system.key
    directory.mkdir(parents=True, exist_ok=True)
    out, stats = directory / "out.jsonl", directory / "stats.json"
    out.unlink(missing_ok=True)
    stats.unlink(missing_ok=True)
    measurement = run_measured(
        system.command(case, out, stats),
        timeout_seconds=timeout_seconds,
        rss_cap_bytes=rss_cap_bytes,
        stderr_path=directory / "stderr.log",
        env=child_env(),
        cwd=REPO_ROOT,
    )
    result = RunResult(
        case=case.name,
        system=system.key,
        label=system.label,
        status=measurement.status,
        is_ours=system.is_ours,
        is_peer=system.is_peer,
        external_records=int(case.meta.get("external_records", 0)) or None,  # type: ignore[arg-type]
        wall_seconds=measurement.wall_seconds,
        peak_rss_mb=measurement.peak_rss_bytes / MB,
    )
    if measurement.status != "ok":
        lines = [x for x in measurement.stderr_tail.splitlines() if x.strip()]
        result.detail = lines[-1][:300] if lines else f"exit {measurement.returncode}"
        if measurement.status == "timeout":
            result.detail = f"stopped after the {timeout_seconds:.0f} s per-run timeout"
        elif measurement.status == "oom":
            capped = rss_cap_bytes is not None and measurement.peak_rss_bytes >= rss_cap_bytes
            result.detail = (
                f"stopped at the {rss_cap_bytes // MB} MB RSS cap"  # type: ignore[operator]
                if capped
                else f"out of memory: {result.detail}"
            )
        return result
    if system.is_ours:
        _stats_fields(result, stats)
        if blocking_recall and result.blocking_recall is None:
            value = engine_blocking_recall(case, timeout_seconds, directory / "evaluate.log")
            if value is not None:
                result.blocking_recall = value
                result.blocking_recall_source = "python -m syncbridge.matching.evaluate"
    if not out.is_file():
        result.status, result.detail = "invalid", "no output file"
        return result
    with out.open(encoding="utf-8") as handle:
        validation = validate_output(handle, read_ids(case.external), read_ids(case.internal))
    if not keep_output:
        out.unlink()
    if not validation.ok:
        result.status = "invalid"
        result.violations = validation.violations
        result.violation_count = validation.violation_count
        result.detail = f"{validation.violation_count} violation(s): {validation.violations[0]}"
        return result
    result.scores = score_run(validation.lines, read_gold(case.gold)).as_dict()
    return result
