"""Memory sweep: the engine on one case under several `--memory-limit-mb` values.

Under each limit the engine must either finish with its peak resident memory (measured
by the harness, `wait4`) under the limit, or refuse cleanly: exit 2, one line naming the
least limit it needs, before loading the records (its peak then stays near the
interpreter's own). Anything else (a peak above the limit, a crash) is a broken promise.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from benchmarks.cases import Case
from benchmarks.run import RunResult, run_case
from benchmarks.systems import ours

DEFAULT_CASE = "synthetic-300k"
DEFAULT_LIMITS = (256, 512, 1024, 3008)
INTERPRETER_MB = 128  # Python with numpy, scipy and rapidfuzz imported: no limit goes below
_NEEDED = re.compile(r"needs at least (\d+) MB")


def run_sweep(
    case: Case, limits: tuple[int, ...], *, timeout_seconds: float, work_dir: Path
) -> list[RunResult]:
    results = []
    for limit in limits:
        system = replace(
            ours(), key=f"ours@{limit}", label=f"ours, --memory-limit-mb {limit}",
            memory_limit_mb=limit,
        )  # fmt: skip
        result = run_case(
            case,
            system,
            timeout_seconds=timeout_seconds,
            rss_cap_bytes=None,
            blocking_recall=False,
            work_dir=work_dir,
        )
        classify(result, limit)
        results.append(result)
    return results


def classify(result: RunResult, limit_mb: int) -> RunResult:
    """Mark a clean refusal (exit 2 naming the need) as `refused` with its needed MB."""
    result.memory_limit_mb = limit_mb
    needed = _NEEDED.search(result.detail or "")
    if result.status == "error" and needed:
        result.status = "refused"
        result.needed_mb = int(needed.group(1))
    return result


def verdict(result: RunResult) -> tuple[bool, str]:
    """Whether the run kept the promise, and how."""
    limit = result.memory_limit_mb or 0
    peak = result.peak_rss_mb or 0.0
    if result.status == "ok":
        return peak <= limit, f"ran, peak {peak:.0f} MB {'≤' if peak <= limit else '>'} {limit}"
    if result.status == "refused":
        needed = result.needed_mb or 0
        # refused before loading: its peak is the interpreter's own, under the limit
        # unless the limit is below what any Python process with numpy holds
        sound = needed > limit and peak <= max(limit, INTERPRETER_MB)
        return sound, f"refused (exit 2): needs {needed} MB; peak {peak:.0f} MB"
    return False, f"{result.status}: {result.detail}"


def table(results: list[RunResult]) -> str:
    header = [
        "case",
        "--memory-limit-mb",
        "outcome",
        "peak MB (measured)",
        "est. / reported peak MB (engine)",
        "seconds",
        "F1",
        "promise kept",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for r in results:
        kept, how = verdict(r)
        estimate = "—"
        if r.estimated_mb is not None and r.stats_peak_mb is not None:
            ratio = f" ({r.estimate_ratio:.2f}x)" if r.estimate_ratio else ""
            estimate = f"{r.estimated_mb:.0f} / {r.stats_peak_mb:.0f}{ratio}"
        f1 = f"{r.scores['f1']:.3f}" if r.scores and r.scores.get("f1") is not None else "—"
        row = [
            r.case,
            str(r.memory_limit_mb),
            how,
            f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb is not None else "—",
            estimate,
            f"{r.wall_seconds:.1f}" if r.wall_seconds is not None else "—",
            f1,
            "yes" if kept else "**NO**",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
