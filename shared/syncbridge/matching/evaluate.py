"""Blocking recall against a gold file: the one engine-internal quantity a scorer of the
output cannot see.

    python -m syncbridge.matching.evaluate CASE_DIR [CASE_DIR ...]

A case directory holds internal.jsonl, external.jsonl, gold.jsonl and case.json (the
layout of ../shared/bench/cases). Blocking recall is the share of gold pairs that reach
scoring (share a blocking key), the quantity the blocking design is judged on.
Precision, recall, F1 and review rate of a run are scored by the benchmark's scorer
(`benchmarks/score.py` after `benchmarks/validate.py`), the one scorer the tests use too.
"""

from __future__ import annotations

import json
import os

import numpy as np
import orjson

from syncbridge.cli import OneLineParser, usage_error
from syncbridge.matching import blocking
from syncbridge.matching.models import MatchOptions
from syncbridge.matching.profiles import SPECS
from syncbridge.matching.records import load_jsonl
from syncbridge.matching.sides import prepare


def read_gold(path: str) -> set[tuple[str, str]]:
    with open(path, "rb") as fh:
        rows = [orjson.loads(line) for line in fh if line.strip()]
    return {(r["external_id"], r["internal_id"]) for r in rows}


def blocking_recall(case_dir: str, profile: str, options: MatchOptions | None = None) -> float:
    """Share of gold pairs that blocking turns into candidate pairs."""
    options = options or MatchOptions(profile=profile)  # type: ignore[arg-type]
    spec = SPECS[profile]
    vocabs: dict = {}
    raw_i = load_jsonl(os.path.join(case_dir, "internal.jsonl"), spec, vocabs)
    raw_e = load_jsonl(os.path.join(case_dir, "external.jsonl"), spec, vocabs)
    prep = prepare(raw_i, raw_e, profile, vocabs)
    plans = blocking.plan_blocks(prep, profile, options.max_block_pairs)
    codes = blocking.generate_pairs(plans, prep.internal.n)
    gold = read_gold(os.path.join(case_dir, "gold.jsonl"))
    pos_i = {k: n for n, k in enumerate(prep.internal.ids)}
    pos_e = {k: n for n, k in enumerate(prep.external.ids)}
    gold_codes = np.array([pos_e[e] * prep.internal.n + pos_i[i] for e, i in gold], dtype=np.int64)
    found = np.isin(gold_codes, codes)
    return float(found.mean()) if len(found) else 1.0


def evaluate_case(case_dir: str) -> dict:
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as fh:
        profile = json.load(fh)["profile"]
    return {
        "case": os.path.basename(case_dir.rstrip("/")),
        "blocking_recall": round(blocking_recall(case_dir, profile), 5),
    }


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m syncbridge.matching.evaluate",
        description="Blocking recall of the engine on case directories (case.json, "
        "internal.jsonl, external.jsonl, gold.jsonl): one JSON line per case. Matching "
        "quality (F1, review rate) is scored by the benchmark's scorer (benchmarks/score.py).",
    )
    parser.add_argument("case_dirs", nargs="+", metavar="CASE_DIR")
    args = parser.parse_args(argv)
    for case_dir in args.case_dirs:
        missing = [
            name
            for name in ("case.json", "internal.jsonl", "external.jsonl", "gold.jsonl")
            if not os.path.isfile(os.path.join(case_dir, name))
        ]
        if missing:
            return usage_error(parser.prog, f"{case_dir}: no {', '.join(missing)}")
        print(json.dumps(evaluate_case(case_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
