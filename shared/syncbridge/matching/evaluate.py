"""Quality check against a gold file: F1, review rate and blocking recall.

    python -m syncbridge.matching.evaluate CASE_DIR [CASE_DIR ...]

A case directory holds internal.jsonl, external.jsonl, gold.jsonl and case.json (the
layout of ../shared/bench/cases). Scoring follows the bench README: a `match` or
`review` line is a predicted link. Blocking recall is the share of gold pairs that
reach scoring (share a blocking key), the quantity the blocking design is judged on.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import numpy as np
import orjson

from syncbridge.cli import OneLineParser, usage_error
from syncbridge.matching import blocking
from syncbridge.matching.engine import DECISIONS, run
from syncbridge.matching.models import MatchOptions
from syncbridge.matching.profiles import SPECS
from syncbridge.matching.records import load_jsonl
from syncbridge.matching.sides import prepare


@dataclass
class Quality:
    precision: float
    recall: float
    f1: float
    match_only_f1: float
    review_rate: float
    create_accuracy: float


def read_gold(path: str) -> set[tuple[str, str]]:
    with open(path, "rb") as fh:
        rows = [orjson.loads(line) for line in fh if line.strip()]
    return {(r["external_id"], r["internal_id"]) for r in rows}


def quality(lines: list[dict], gold: set[tuple[str, str]]) -> Quality:
    links = {(d["external_id"], d["internal_id"]) for d in lines if d["decision"] != "create"}
    matches = {(d["external_id"], d["internal_id"]) for d in lines if d["decision"] == "match"}
    reviews = sum(1 for d in lines if d["decision"] == "review")
    with_partner = {e for e, _ in gold}
    lonely = [d for d in lines if d["external_id"] not in with_partner]

    def f1(pred: set) -> tuple[float, float, float]:
        tp = len(pred & gold)
        p = tp / len(pred) if pred else 1.0
        r = tp / len(gold) if gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    p, r, f = f1(links)
    return Quality(
        precision=round(p, 4),
        recall=round(r, 4),
        f1=round(f, 4),
        match_only_f1=round(f1(matches)[2], 4),
        review_rate=round(reviews / max(len(lines), 1), 4),
        create_accuracy=round(
            sum(d["decision"] == "create" for d in lonely) / len(lonely), 4
        ) if lonely else 1.0,
    )  # fmt: skip


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


def evaluate_case(case_dir: str, options: MatchOptions | None = None) -> dict:
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as fh:
        profile = json.load(fh)["profile"]
    options = options or MatchOptions(profile=profile)
    spec = SPECS[profile]
    t0 = time.perf_counter()
    vocabs: dict = {}
    raw_i = load_jsonl(os.path.join(case_dir, "internal.jsonl"), spec, vocabs)
    raw_e = load_jsonl(os.path.join(case_dir, "external.jsonl"), spec, vocabs)
    out = run(raw_i, raw_e, vocabs, options, t0)
    lines = [
        {
            "external_id": out.external_ids[k],
            "internal_id": out.internal_ids[p] if p >= 0 else None,
            "decision": DECISIONS[d],
        }
        for k, (p, d) in enumerate(zip(out.partner.tolist(), out.decision.tolist(), strict=True))
    ]
    q = quality(lines, read_gold(os.path.join(case_dir, "gold.jsonl")))
    return {
        "case": os.path.basename(case_dir.rstrip("/")),
        **q.__dict__,
        "blocking_recall": round(blocking_recall(case_dir, profile, options), 5),
        "seconds": out.stats.seconds,
        "peak_mb": round(out.stats.peak_bytes / 2**20, 1),
        "strategy": out.stats.strategy,
    }


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m syncbridge.matching.evaluate",
        description="Score the engine on case directories (case.json, internal.jsonl, "
        "external.jsonl, gold.jsonl): one JSON line per case with F1, review rate and "
        "blocking recall.",
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
