"""`python -m benchmarks`: run the cases through the engine and the peers, print the table.

python -m benchmarks                       # every case, every system (make bench)
python -m benchmarks --quick               # real cases + synthetic-50k (make bench-quick)
python -m benchmarks --cases brewery-drift,synthetic-100k --skip-peers
python -m benchmarks --readme              # also rewrite README.md's benchmark section
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks import cases, learning, report, sweep, systems
from benchmarks.run import RunResult, run_case

RESULTS_DIR = Path(__file__).resolve().parent / "results"
README = cases.REPO_ROOT / "README.md"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--quick", action="store_true", help="real cases + synthetic-50k only")
    parser.add_argument("--skip-peers", action="store_true", help="ours and the baseline only")
    parser.add_argument("--skip-ours", action="store_true", help="peers and baseline only")
    parser.add_argument("--peers", help="comma-separated subset of: recordlinkage,splink")
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's section")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument(
        "--rss-cap-mb",
        type=int,
        default=12_000,
        help="stop a run whose processes hold more than this (reported oom)",
    )
    parser.add_argument(
        "--no-blocking-recall",
        action="store_true",
        help="skip the engine's evaluator (it re-runs the engine to report blocking recall)",
    )
    parser.add_argument(
        "--generator",
        choices=cases.GENERATORS,
        default=None,
        help="synthetic data source (default: the engine's syncbridge.matching.synthetic "
        "when present, else benchmarks/synthetic.py)",
    )
    parser.add_argument(
        "--keep-outputs", action="store_true", help="keep every run's output under .bench/runs/"
    )
    parser.add_argument(
        "--sweep-case",
        default=None,
        help=f"case of the memory sweep (default {sweep.DEFAULT_CASE}; none with --quick)",
    )
    parser.add_argument(
        "--sweep-limits",
        default=",".join(map(str, sweep.DEFAULT_LIMITS)),
        help="comma-separated --memory-limit-mb values of the memory sweep",
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the memory sweep")
    parser.add_argument(
        "--no-study",
        action="store_true",
        help="skip the leave-one-dataset-out table and the learning curve (benchmarks/learning.py)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--render",
        type=Path,
        help="render a saved run (its latest.json) into --results-dir (and README with "
        "--readme) without running anything",
    )
    args = parser.parse_args(argv)
    peers = args.peers.split(",") if args.peers else None
    unknown = set(peers or ()) - set(systems.PEERS)
    if unknown:
        parser.error(f"unknown peer(s): {', '.join(sorted(unknown))}")
    return args


def _case_note(case: cases.Case) -> str:
    meta = case.meta
    origin = meta.get("generator") or meta.get("source", "")
    internal, external = meta.get("internal_records"), meta.get("external_records")
    sizes = f"{internal:,} internal, {external:,} external" if internal and external else ""
    relabelled = "; ids relabelled and lines shuffled by the harness" if meta.get("ids") else ""
    return f"- {case.name} ({case.profile}, {sizes}): {origin}{relabelled}"


def _render(args: argparse.Namespace) -> int:
    results, host, notes = report.load_results(args.render)
    if not notes:  # saved before the JSON carried them: describe the (cached) cases again
        names = list(dict.fromkeys(r.case for r in results))
        notes = [_case_note(case) for case in cases.resolve(names, generator=args.generator)]
    swept = report.load_sweep(args.render)
    extra = report.load_extra(args.render)
    path = report.write_results(results, host, args.results_dir, notes, swept, extra)
    print(report.markdown(results, host, notes, swept, extra))
    print(f"written: {path}", file=sys.stderr)
    if args.readme:
        report.update_readme(README, results, host, notes, swept, extra)
        print(f"updated: {README}", file=sys.stderr)
    return 0


def _sweep(args: argparse.Namespace, chosen: list, work_dir: Path) -> list[RunResult]:
    """The memory sweep (full runs by default; --quick only when --sweep-case is given)."""
    name = args.sweep_case or (None if args.quick else sweep.DEFAULT_CASE)
    if args.no_sweep or name is None or not any(s.is_ours for s in chosen):
        return []
    limits = tuple(int(x) for x in args.sweep_limits.split(",") if x.strip())
    (case,) = cases.resolve([name], generator=args.generator)
    print(f"memory sweep on {case.name}: {limits} MB", file=sys.stderr, flush=True)
    results = sweep.run_sweep(
        case, limits, timeout_seconds=args.timeout, work_dir=work_dir / "sweep"
    )
    for result in results:
        print(f"    {result.memory_limit_mb} MB: {sweep.verdict(result)[1]}", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.render:
        return _render(args)
    names = args.cases.split(",") if args.cases else cases.default_case_names(args.quick)
    if not names:
        print(f"no cases: {cases.REAL_CASES_DIR} is absent and none were named", file=sys.stderr)
        return 2
    chosen = systems.selected(args.skip_peers, args.peers.split(",") if args.peers else None)
    if args.skip_ours:
        chosen = [system for system in chosen if not system.is_ours]
    if not systems.engine_present():
        print(f"note: {systems.ENGINE_MAIN} is absent; running without 'ours'", file=sys.stderr)
    results: list[RunResult] = []
    work_dir = cases.CACHE_DIR / "runs" / time.strftime(f"%Y%m%d-%H%M%S-{os.getpid()}")
    try:
        resolved = list(cases.resolve(names, generator=args.generator))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for case in resolved:
        for system in chosen:
            started = time.strftime("%H:%M:%S")
            print(f"[{started}] {case.name} / {system.key} ...", file=sys.stderr, flush=True)
            result = run_case(
                case,
                system,
                timeout_seconds=args.timeout,
                rss_cap_bytes=args.rss_cap_mb * 1024 * 1024,
                blocking_recall=not args.no_blocking_recall,
                work_dir=work_dir,
                keep_output=args.keep_outputs,
            )
            f1 = result.scores["f1"] if result.scores else None
            print(
                f"    {result.status}: {result.wall_seconds or 0:.1f} s, "
                f"{result.peak_rss_mb or 0:.0f} MB, F1 {f1 if f1 is None else round(f1, 4)}"
                + (f" ({result.detail})" if result.detail else ""),
                file=sys.stderr,
                flush=True,
            )
            results.append(result)
    swept = _sweep(args, chosen, work_dir)
    extra: list[str] = []
    studied = [c for c in resolved if c.kind != "synthetic"]
    if not args.no_study and not args.skip_ours and systems.engine_present() and studied:
        extra = learning.study(studied, timeout=args.timeout)
    host = report.machine()
    notes = [_case_note(case) for case in resolved]
    path = report.write_results(results, host, args.results_dir, notes, swept, extra)
    print(report.markdown(results, host, notes, swept, extra))
    print(f"written: {path} and {path.with_suffix('.json')}; logs: {work_dir}", file=sys.stderr)
    if args.readme:
        report.update_readme(README, results, host, notes, swept, extra)
        print(f"updated: {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
