"""The report of a benchmark run: one markdown table, a JSON file, the README section."""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from benchmarks.run import RunResult

START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"
NOISE_NOTE = (
    "Timings are wall-clock on a shared 2-core machine (other work ran at the same time), "
    "so they are noisy; peak MB is each process's own peak resident memory (`wait4`)."
)


def machine() -> dict[str, object]:
    import psutil  # a bench requirement; imported here so the report's text code needs none

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "packages": {
            name: package(name) for name in ("recordlinkage", "splink", "duckdb", "numpy")
        },
    }


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _memory_estimate(result: RunResult) -> str:
    if result.estimated_mb is None and result.stats_peak_mb is None:
        return "—"
    ratio = f" ({result.estimate_ratio:.2f}x)" if result.estimate_ratio is not None else ""
    return f"{_num(result.estimated_mb, 0)} / {_num(result.stats_peak_mb, 0)}{ratio}"


def _ours(results: list[RunResult], case: str) -> RunResult | None:
    return next((r for r in results if r.case == case and r.is_ours), None)


def table(results: list[RunResult]) -> str:
    show_blocking = any(r.blocking_recall is not None for r in results)
    header = [
        "case",
        "system",
        "status",
        "precision",
        "recall",
        "F1",
        "match-only F1",
        "review rate",
        "create acc.",
        "wall s",
        "peak MB",
        "est. / measured MB (engine)",
        "ours / peer time",
        "ours - peer F1",
    ]
    if show_blocking:
        header.append("blocking recall")
    rows = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for result in results:
        scores = result.scores or {}
        ours = _ours(results, result.case)
        time_ratio = f1_delta = "—"
        if result.is_peer and ours and ours.scores and result.scores:
            if ours.wall_seconds and result.wall_seconds:
                time_ratio = f"{ours.wall_seconds / result.wall_seconds:.2f}"
            f1_delta = f"{ours.scores['f1'] - result.scores['f1']:+.4f}"
        status = result.status if result.status == "ok" else f"**{result.status}**"
        cells = [
            result.case,
            result.label,
            status,
            _num(scores.get("precision"), 4),
            _num(scores.get("recall"), 4),
            _num(scores.get("f1"), 4),
            _num(scores.get("match_only_f1"), 4),
            _pct(scores.get("review_rate")),
            _pct(scores.get("create_accuracy")),
            _num(result.wall_seconds, 1),
            _num(result.peak_rss_mb, 0),
            _memory_estimate(result),
            time_ratio,
            f1_delta,
        ]
        if show_blocking:
            cells.append(_num(result.blocking_recall, 4))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _base(case: str) -> str:
    """`synthetic-1m@benchmarks` -> `synthetic-1m`."""
    return case.partition("@")[0]


def _check(passed: bool | None, text: str) -> str:
    mark = {True: "pass", False: "FAIL", None: "not measured"}[passed]
    return f"- {mark}: {text}"


def targets(results: list[RunResult]) -> list[str]:
    """The issue's targets, checked against this run (only where the run measured them)."""
    by_key = {(r.case, r.system): r for r in results}
    ours_runs = [r for r in results if r.is_ours]
    if not ours_runs:
        return [
            "- not measured: the engine's CLI (`python -m syncbridge.matching`) was not present"
        ]
    lines = []
    brewery = by_key.get(("brewery-drift", "ours"))
    if brewery:
        s = brewery.scores
        ok = bool(s and s["f1"] >= 0.995 and s["review_rate"] <= 0.02)
        lines.append(_check(ok, "brewery-drift F1 ≥ 0.995 with ≤ 2% review"))
    abt = by_key.get(("abt-buy", "ours"))
    if abt:
        lines.append(_check(bool(abt.scores and abt.scores["f1"] >= 0.85), "abt-buy F1 ≥ 0.85"))
        ok = bool(abt.scores and abt.scores["f1"] >= 0.89 and abt.scores["review_rate"] <= 0.10)
        lines.append(_check(ok, "abt-buy F1 ≥ 0.89 with ≤ 10% review (issue 11)"))
    for ours in ours_runs:
        for peer in (r for r in results if r.case == ours.case and r.is_peer and r.scores):
            ok = bool(ours.scores and ours.scores["f1"] >= peer.scores["f1"])  # type: ignore[index]
            lines.append(_check(ok, f"{ours.case}: F1 not below {peer.label}"))
    for big in (r for r in ours_runs if _base(r.case) == "synthetic-1m"):
        ran = big.status == "ok" and big.wall_seconds is not None
        seconds, peak = big.wall_seconds or 0.0, big.peak_rss_mb or 0.0
        lines.append(_check(ran and seconds <= 60, f"{big.case}: 1M x 1M in ≤ 60 s"))
        lines.append(_check(ran and peak <= 1536, f"{big.case}: 1M x 1M peak ≤ 1.5 GB"))
    for ours in ours_runs:
        if ours.case.startswith("synthetic") and ours.peak_rss_mb is not None:
            lines.append(
                _check(ours.peak_rss_mb <= 3008, f"{ours.case}: inside the 3,008 MB limit")
            )
            if ours.estimate_ratio is not None:
                lines.append(
                    _check(
                        0.8 <= ours.estimate_ratio <= 1.2,
                        f"{ours.case}: memory estimate within ±20% "
                        f"({ours.estimate_ratio:.2f} of the reported peak)",
                    )
                )
        if ours.stats_peak_mb and ours.peak_rss_mb:
            agreement = ours.stats_peak_mb / ours.peak_rss_mb
            lines.append(
                _check(
                    0.9 <= agreement <= 1.1,
                    f"{ours.case}: --stats peak_bytes is the real peak "
                    f"({ours.stats_peak_mb:.0f} MB reported, {ours.peak_rss_mb:.0f} MB measured)",
                )
            )
    finished = [r for r in results if r.system == "recordlinkage" and r.status in ("ok", "invalid")]
    if finished:
        largest = max(finished, key=lambda r: r.external_records or 0)
        ours = _ours(results, largest.case)
        if ours and ours.wall_seconds:
            speedup = (largest.wall_seconds or 0) / ours.wall_seconds
            lines.append(
                _check(
                    speedup >= 5,
                    f"≥ 5x faster than recordlinkage on the largest case it finished "
                    f"({largest.case}: {speedup:.1f}x)",
                )
            )
    for fifty in (r for r in results if _base(r.case) == "synthetic-50k"):
        ours_fifty = _ours(results, fifty.case)
        if fifty.system != "recordlinkage" or fifty.status != "ok" or not ours_fifty:
            continue
        if ours_fifty.wall_seconds:
            speedup = (fifty.wall_seconds or 0) / ours_fifty.wall_seconds
            text = f"{fifty.case}: ≥ 5x faster than recordlinkage ({speedup:.1f}x)"
            lines.append(_check(speedup >= 5, text))
    for ours in ours_runs:
        if ours.blocking_recall is not None:
            lines.append(
                _check(ours.blocking_recall >= 0.998, f"{ours.case}: blocking recall ≥ 0.998")
            )
    return lines


def markdown(
    results: list[RunResult],
    host: dict[str, object],
    case_notes: list[str] | None = None,
    sweep: list[RunResult] | None = None,
    extra: list[str] | None = None,
) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in host["packages"].items())  # type: ignore[union-attr]
    notes = [
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram_gb']} GB RAM, "
        f"Python {host['python']}, {host['os']}; {packages}. Run {host['date']}.",
        "",
        table(results),
        "",
        NOISE_NOTE
        + " The engine runs with `--memory-limit-mb 3008`; the `est. / measured MB (engine)` column is its own"
        " `estimated_bytes` / `peak_bytes` from `--stats`. A run whose output breaks the"
        " contract (strict check) is `invalid` and scores nothing; `timeout`/`oom` are runs"
        " stopped at the per-run limits.",
    ]
    if sweep:
        from benchmarks import sweep as memory_sweep

        notes += [
            "",
            "Memory sweep (the engine under each `--memory-limit-mb`: it must finish with its "
            "measured peak under the limit, or refuse before loading with exit 2 naming the "
            "least limit it needs):",
            "",
            memory_sweep.table(sweep),
        ]
    if case_notes:
        notes += ["", "Cases:", "", *case_notes]
    sources = sorted({r.blocking_recall_source for r in results if r.blocking_recall_source})
    if sources:
        notes += [
            "",
            "Blocking recall (share of gold pairs that reach scoring) comes from "
            + ", ".join(f"`{x}`" for x in sources)
            + ", run separately from the measured run.",
        ]
    problems = [r for r in results if r.status != "ok"]
    if problems:
        notes += ["", "Runs that did not score:", ""]
        notes += [f"- {r.case} / {r.label}: {r.status} — {r.detail}" for r in problems]
    notes += ["", "Targets (issues 6 and 11):", "", *targets(results)]
    notes += extra or []
    return "\n".join(notes) + "\n"


def write_results(
    results: list[RunResult],
    host: dict[str, object],
    directory: Path,
    case_notes: list[str] | None = None,
    sweep: list[RunResult] | None = None,
    extra: list[str] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown(results, host, case_notes, sweep, extra)
    (directory / "latest.md").write_text("# Benchmark results\n\n" + text)
    payload = {
        "machine": host,
        "cases": case_notes or [],
        "extra": extra or [],
        "runs": [r.as_dict() for r in results],
        "sweep": [r.as_dict() for r in sweep or []],
    }
    (directory / "latest.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return directory / "latest.md"


def replace_section(readme_text: str, body: str) -> str:
    """Put `body` between the bench markers, adding a Benchmarks section if they are absent."""
    block = f"{START_MARKER}\n{body.rstrip()}\n{END_MARKER}"
    if START_MARKER in readme_text and END_MARKER in readme_text:
        pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.S)
        return pattern.sub(lambda _: block, readme_text, count=1)
    prefix = readme_text.rstrip("\n")
    prefix = prefix + "\n\n" if prefix else ""
    return f"{prefix}## Benchmarks\n\n{block}\n"


def update_readme(
    path: Path,
    results: Iterable[RunResult],
    host: dict[str, object],
    case_notes: list[str] | None = None,
    sweep: list[RunResult] | None = None,
    extra: list[str] | None = None,
) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    body = "`make bench` (full) or `make bench-quick`; details in `benchmarks/README.md`.\n\n"
    section = body + markdown(list(results), host, case_notes, sweep, extra)
    path.write_text(replace_section(text, section), encoding="utf-8")


def load_results(path: Path) -> tuple[list[RunResult], dict[str, object], list[str]]:
    """A run saved by `write_results` (its JSON), to render again without re-running."""
    payload = json.loads(path.read_text())
    results = [RunResult(**run) for run in payload["runs"]]
    return results, payload["machine"], list(payload.get("cases", []))


def load_sweep(path: Path) -> list[RunResult]:
    """The memory sweep of a saved run (empty when it had none)."""
    return [RunResult(**run) for run in json.loads(path.read_text()).get("sweep", [])]


def load_extra(path: Path) -> list[str]:
    """The quality study of a saved run (leave-one-dataset-out, learning curve)."""
    return list(json.loads(path.read_text()).get("extra", []))
