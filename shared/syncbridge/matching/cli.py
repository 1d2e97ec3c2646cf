"""Match ERP records (--external) against records we already hold (--internal).

Both inputs are JSON Lines, one record per line with a unique "id"; --out gets one line
per external record: {"external_id", "internal_id" or null, "score", "decision"
(match | review | create), "explanation"}. Exit 0 on success; exit 2 with ONE line on
stderr for bad input (file:line: reason), and for an input that cannot be matched under
--memory-limit-mb: refused before loading when the files' size says so, or before the pair
phase when the measured baseline does ("needs at least N MB of memory for ..."); the
limit is never exceeded instead. See the README's "Matching engine" section.
"""

from __future__ import annotations

import argparse
import sys
import time

import orjson

from syncbridge.cli import OneLineParser
from syncbridge.matching.models import PROFILES, MatchOptions, default_memory_limit_mb
from syncbridge.matching.records import InputError

PROGRESS_MIN_RECORDS = 50_000


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="python -m syncbridge.matching",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--internal", required=True, help="JSONL of records we already hold")
    p.add_argument("--external", required=True, help="JSONL of records from the ERP")
    p.add_argument("--profile", required=True, help="|".join(PROFILES))
    p.add_argument("--out", required=True, help="JSONL: one decision per external record")
    p.add_argument("--stats", help="JSON file for run statistics")
    p.add_argument("--memory-limit-mb", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--labels", help='JSONL of a person\'s answers {"external_id","internal_id","match"}'
    )
    return p


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = _parser().parse_args(argv)
    if args.profile not in PROFILES:
        sys.stderr.write(
            f"syncbridge.matching: unknown profile {args.profile!r} "
            f"(expected one of {', '.join(PROFILES)})\n"
        )
        return 2
    limit = args.memory_limit_mb if args.memory_limit_mb is not None else default_memory_limit_mb()
    if limit <= 0:
        sys.stderr.write("syncbridge.matching: --memory-limit-mb must be positive\n")
        return 2

    from syncbridge.matching import memory

    memory.map_large_buffers()
    from syncbridge.matching.engine import DECISIONS, run
    from syncbridge.matching.labels import read_jsonl as read_labels
    from syncbridge.matching.profiles import SPECS
    from syncbridge.matching.records import count_records, load_files

    spec = SPECS[args.profile]
    t_load = time.perf_counter()
    (n_i, bytes_i), (n_e, bytes_e) = count_records(args.internal), count_records(args.external)
    try:
        input_need = memory.check_input(
            args.profile, n_i, n_e, limit, input_bytes=bytes_i + bytes_e
        )
        parallel = memory.parallel_read_fits(
            args.profile, n_e, input_need, limit, external_bytes=bytes_e
        )
        raw_i, raw_e, vocabs = load_files(args.internal, args.external, spec, parallel)
    except (InputError, memory.MemoryLimitError) as exc:
        sys.stderr.write(f"{_prefix(exc)}{_one_line(str(exc))}\n")
        return 2
    try:
        answers = read_labels(args.labels) if args.labels else []
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"syncbridge.matching: bad --labels: {_one_line(str(exc))}\n")
        return 2
    options = MatchOptions(
        labels=answers,
        profile=args.profile,
        memory_limit_mb=limit,
        progress=not args.quiet and raw_e.n + raw_i.n >= PROGRESS_MIN_RECORDS,
    )
    load_seconds = round(time.perf_counter() - t_load, 3)
    try:
        out = run(raw_i, raw_e, vocabs, options, started)
    except memory.MemoryLimitError as exc:
        sys.stderr.write(f"{_prefix(exc)}{_one_line(str(exc))}\n")
        return 2
    t_write = time.perf_counter()
    try:
        _write(args.out, out, DECISIONS)
        if args.stats:
            from syncbridge.matching.memory import peak_rss

            stats = out.stats.model_copy(
                update={
                    "seconds": round(time.perf_counter() - started, 3),
                    "peak_bytes": max(out.stats.peak_bytes, peak_rss()),
                    "input_estimate_bytes": input_need,
                    "timings": {
                        "load": load_seconds,
                        **out.stats.timings,
                        "write": round(time.perf_counter() - t_write, 3),
                    },
                }
            )
            with open(args.stats, "wb") as fh:
                fh.write(orjson.dumps(stats.model_dump(), option=orjson.OPT_INDENT_2))
    except OSError as exc:
        sys.stderr.write(f"syncbridge.matching: cannot write output: {_one_line(str(exc))}\n")
        return 2
    return 0


def _prefix(exc: Exception) -> str:
    return "" if isinstance(exc, InputError) else "syncbridge.matching: "


def _write(path: str, out, decisions: tuple[str, ...]) -> None:
    """One line per external record, written as soon as it is made: orjson's result
    keeps a 4 KB allocation, so a chunk of lines held at once would cost 4 KB a line.
    The explanations are made chunk by chunk (never a million dicts at once)."""
    ext_ids, int_ids = out.external_ids, out.internal_ids
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    explained = out.iter_explanations()
    chunk = out.explain_chunk
    with open(path, "wb", buffering=1 << 20) as fh:
        write = fh.write
        for lo in range(0, len(out.partner), chunk):
            hi = lo + chunk
            rows = zip(
                ext_ids[lo:hi], out.partner[lo:hi].tolist(), out.decision[lo:hi].tolist(),
                out.score[lo:hi].tolist(), explained, strict=False,
            )  # fmt: skip
            for e, p, d, s, ex in rows:
                line = {
                    "external_id": e,
                    "internal_id": int_ids[p] if p >= 0 else None,
                    "score": round(s, 4),
                    "decision": decisions[d],
                    "explanation": ex,
                }
                write(dumps(line, option=newline))


def _one_line(text: str) -> str:
    return " ".join(text.split())
