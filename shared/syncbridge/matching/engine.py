"""The engine: standardize -> block -> estimate -> score -> assign -> decide.

`run` takes two already-loaded sides (see `records`) and returns an `EngineOutput`
holding numpy arrays (one entry per external record) plus the statistics; the library
API and the CLI both turn that into their own output, so a million decisions never
become a million pydantic objects on the CLI path.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from syncbridge.matching import assign, blocking, decide, labels, memory
from syncbridge.matching.models import MatchOptions, MatchStats
from syncbridge.matching.records import RawSide, Vocab
from syncbridge.matching.scoring import Scorer, probability
from syncbridge.matching.sides import Prepared, prepare

_LOGIT_EPS = 1e-12


EXPLAIN_CHUNK = memory.EXPLAIN_CHUNK


@dataclass
class EngineOutput:
    """Per-external arrays; explanations are computed chunk by chunk while iterating,
    so a million of them never exist as Python dicts at once."""

    external_ids: list[str]
    internal_ids: list[str]
    partner: np.ndarray  # internal index per external, -1 = none
    score: np.ndarray  # float per external
    decision: np.ndarray  # 0 create, 1 review, 2 match
    rival: np.ndarray  # best feasible alternative's score per external (0 = none)
    scorer: Scorer
    stats: MatchStats
    explain_chunk: int = EXPLAIN_CHUNK

    def iter_explanations(self) -> Iterator[dict]:
        n_e = len(self.partner)
        for lo in range(0, n_e, self.explain_chunk):
            hi = min(n_e, lo + self.explain_chunk)
            yield from _explanations(
                self.scorer, self.partner[lo:hi], self.rival[lo:hi], self.score[lo:hi], lo
            )


DECISIONS = ("create", "review", "match")


class _Progress:
    """tqdm on stderr when asked for and available; silent otherwise."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, file=sys.stderr, unit="step", leave=False)
            except ImportError:  # pragma: no cover - tqdm is a dev/CLI extra
                self.bar = None

    def step(self, label: str, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.set_description(label)
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _LOGIT_EPS, 1 - _LOGIT_EPS)
    return np.log(p) - np.log1p(-p)


def run(
    internal: RawSide,
    external: RawSide,
    vocabs: dict[str, Vocab],
    options: MatchOptions,
    started: float | None = None,
) -> EngineOutput:
    t0 = started if started is not None else time.perf_counter()
    timings: dict[str, float] = {}

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        t = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - t, 3)

    profile = options.profile
    with timed("prepare"):
        prep = prepare(internal, external, profile, vocabs)
    n_i, n_e = prep.internal.n, prep.external.n
    internal.columns.clear()
    external.columns.clear()
    vocabs.clear()
    memory.release()
    with timed("plan_blocks"):
        plans = blocking.plan_blocks(prep, profile, options.max_block_pairs)
    raw_pairs = sum(p.pairs for p in plans)
    by_pass = {p.name: p.pairs for p in plans}
    skipped = sum(p.skipped_keys for p in plans)
    with timed("fit_scorer"):
        per_ext = np.zeros(n_e, dtype=np.int64)
        for p in plans:
            per_ext += p.pairs_per_external(n_e)
        answers = labels.index_labels(options.labels, prep.external.ids, prep.internal.ids)
        scorer = Scorer(prep, profile, labels=answers.as_tuple(), start_m=options.parameters)
        dedup, kept_share = _calibrate(scorer, plans, per_ext, n_i, n_e, options.possible_threshold)
    plan = memory.choose(
        memory.Workload(raw_pairs, dedup, kept_share, n_e),
        memory.current_rss(),
        memory.peak_rss(),
        options.memory_limit_mb * 1024 * 1024,
        options.force_strategy,
    )
    progress = _Progress(options.progress, plan.shards + 3)
    progress.step("planned")

    # a second chunk in flight only where the plan leaves room for it under the limit
    room = options.memory_limit_mb * memory.MB * memory.HEADROOM - plan.estimated_bytes
    threads = SCORE_THREADS if room >= memory.SCORE_BYTES_PER_PAIR * plan.score_chunk else 1
    shard_bounds = _shard_bounds(per_ext, plan.shards)
    del per_ext
    kept_e: list[np.ndarray] = []
    kept_i: list[np.ndarray] = []
    kept_s: list[np.ndarray] = []
    taken_i = np.zeros(n_i, dtype=bool)
    local_rival = np.full(n_e, -np.inf)
    odds_sum = np.zeros(n_e)  # every candidate's posterior odds, per external (decide)
    candidate_pairs = 0
    t_pairs = time.perf_counter()
    for lo, hi in shard_bounds:
        codes = blocking.generate_pairs(plans, n_i, lo, hi if hi < n_e else None)
        candidate_pairs += len(codes)
        se, si, ss = _score_codes(
            scorer, codes, n_i, options.possible_threshold, odds_sum, plan.score_chunk, threads
        )
        del codes
        if plan.strategy == "local_greedy":
            # last resort: commit this shard's choices now and keep only them (plus
            # each external's best alternative), so memory holds one shard's pairs
            ch = assign.greedy(se, si, ss, n_e, n_i, taken_i=taken_i)
            taken_i[si[ch]] = True
            np.maximum(local_rival, assign.rivals(se, si, ss, ch, n_e, n_i), out=local_rival)
            se, si, ss = se[ch], si[ch], ss[ch]
        kept_e.append(se)
        kept_i.append(si)
        kept_s.append(ss)
        progress.step("scored")
        if options.on_scored is not None:
            options.on_scored(hi, n_e)
    timings["pairs_and_scoring"] = round(time.perf_counter() - t_pairs, 3)
    del plans
    e = np.concatenate(kept_e) if kept_e else np.zeros(0, np.int32)
    i = np.concatenate(kept_i) if kept_i else np.zeros(0, np.int32)
    s = np.concatenate(kept_s) if kept_s else np.zeros(0)
    del kept_e, kept_i, kept_s
    if plan.strategy != "local_greedy":  # local_greedy committed shard by shard already
        e, i, s = labels.obey(e, i, s, answers, n_i)

    with timed("assign"):
        strategy = plan.strategy
        n_comp, comp = assign.components(e, i, n_e, n_i)
        exact_solved = 0
        if strategy == "local_greedy":
            chosen = np.ones(len(e), dtype=bool)
        else:
            chosen = assign.greedy(e, i, s, n_e, n_i)
            weight = s - float(_logit(np.array([options.possible_threshold]))[0])
            max_nodes = options.exact_max_nodes
            if strategy == "exact":
                max_nodes = max(max_nodes, 2000)
            exact_solved = assign.solve_exact(e, i, weight, chosen, comp, max_nodes)
        if strategy == "local_greedy":
            rival = local_rival
        else:
            rival = assign.rivals(e, i, s, chosen, n_e, n_i)
    progress.step("assigned")

    with timed("decide"):
        # s and rival are log-odds here; the output score is the one-to-one probability
        partner = np.full(n_e, -1, dtype=np.int64)
        log_odds = np.full(n_e, -np.inf)
        partner[e[chosen]] = i[chosen]
        log_odds[e[chosen]] = s[chosen]
        score = decide.one_to_one_probability(log_odds, odds_sum, scorer.partner_share)
        decision = decide.decide(score, options.auto_match_error)
        partner[decision == 0] = -1
    progress.step("decided")
    progress.close()

    peak = memory.peak_rss()
    stats = MatchStats(
        strategy=strategy,  # type: ignore[arg-type]
        estimated_bytes=plan.estimated_bytes,
        peak_bytes=peak,
        candidate_pairs=candidate_pairs,
        scored_pairs=candidate_pairs,
        seconds=round(time.perf_counter() - t0, 3),
        external_records=n_e,
        internal_records=n_i,
        profile=profile,
        memory_limit_mb=options.memory_limit_mb,
        kept_pairs=len(e),
        shards=len(shard_bounds),
        components=n_comp,
        exact_components=exact_solved,
        matches=int((decision == 2).sum()),
        reviews=int((decision == 1).sum()),
        creates=int((decision == 0).sum()),
        blocking_pairs_by_pass=by_pass,
        skipped_block_keys=skipped,
        timings=timings,
        baseline_bytes=plan.baseline_bytes,
        raw_block_pairs=raw_pairs,
        sampled_dedup_share=round(dedup, 4),
        sampled_kept_share=round(kept_share, 4),
        match_prior_share=round(scorer.match_share, 4),
        labels_used=len(answers),
        parameters=scorer.learned_parameters(),
        em_iterations=scorer.em.iterations if scorer.em else 0,
    )
    rival_p = np.where(np.isfinite(rival), probability(np.nan_to_num(rival, neginf=-50.0)), 0.0)
    return EngineOutput(
        external.ids, internal.ids, partner, score, decision, rival_p, scorer, stats,
        plan.explain_chunk,
    )  # fmt: skip


PRIOR_SAMPLE_PAIRS = 150_000


def _calibrate(
    scorer: Scorer,
    plans: list[blocking.BlockPlan],
    per_ext: np.ndarray,
    n_i: int,
    n_e: int,
    possible: float,
) -> tuple[float, float]:
    """Calibrate on the candidates of a slice of the externals (file order is arbitrary).

    Sets the scorer's match prior, and returns what the memory model needs from the
    same sample: unique candidates per raw block pair (passes overlap) and the share of
    candidates that will be kept (score >= the possible-match threshold).
    """
    cum = np.cumsum(per_ext)
    hi = int(np.searchsorted(cum, PRIOR_SAMPLE_PAIRS, side="right")) + 1
    hi = min(max(hi, 1), n_e)
    codes = blocking.generate_pairs(plans, n_i, 0, hi if hi < n_e else None)
    raw = int(cum[hi - 1]) if len(cum) else 0
    dedup = len(codes) / raw if raw else 1.0
    e, i = blocking.split_pairs(codes, n_i)
    del codes
    p = scorer.calibrate_prior(e, i, hi)
    kept = float((p >= possible).mean()) if len(p) else 0.0
    return dedup, kept


def _shard_bounds(per_ext: np.ndarray, shards: int) -> list[tuple[int, int]]:
    """External index ranges with roughly equal raw pair counts."""
    n_e = len(per_ext)
    if shards <= 1 or n_e == 0:
        return [(0, n_e)]
    cum = np.cumsum(per_ext)
    total = int(cum[-1]) if len(cum) else 0
    targets = [total * k / shards for k in range(1, shards)]
    cuts = np.searchsorted(cum, targets, side="right").tolist()
    bounds, lo = [], 0
    for c in [*cuts, n_e]:
        c = min(max(c, lo), n_e)
        if c > lo:
            bounds.append((lo, c))
            lo = c
    if lo < n_e:
        bounds.append((lo, n_e))
    return bounds or [(0, n_e)]


SCORE_THREADS = 2
"""Chunks scored at once: numpy and rapidfuzz release the GIL on large arrays, so two
threads use both cores of the benchmark machine with one chunk more in memory."""


def _score_codes(
    scorer: Scorer,
    codes: np.ndarray,
    n_i: int,
    threshold: float,
    odds_sum: np.ndarray,
    chunk_size: int,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score candidate codes chunk by chunk; keep pairs at or above `threshold` with their
    log-odds (not the probability, which saturates at 1.0 and would tie strong pairs).
    Adds every candidate's posterior odds to `odds_sum` (its external's competition).

    With `threads` > 1 the chunks after the first (which builds the scorer's caches) are
    scored that many at a time; results are taken in chunk order, so the kept pairs and
    the sums are the same as scored one by one."""
    cut = float(_logit(np.array([threshold]))[0])

    def score(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        e, i = blocking.split_pairs(codes[start : start + chunk_size], n_i)
        return e, i, scorer.candidate_logit(e, i)

    out_e, out_i, out_s = [], [], []

    def take(e: np.ndarray, i: np.ndarray, p: np.ndarray) -> None:
        if len(e):  # codes are sorted: this chunk's externals are e[0]..e[-1]
            first = int(e[0])
            odds_sum[first : int(e[-1]) + 1] += np.bincount(
                e - first, weights=np.exp(np.minimum(p, 50.0))
            )
        keep = p >= cut
        out_e.append(e[keep])
        out_i.append(i[keep])
        out_s.append(p[keep])

    starts = range(0, len(codes), chunk_size)
    if threads > 1 and len(starts) > 2:
        from concurrent.futures import ThreadPoolExecutor

        take(*score(starts[0]))
        with ThreadPoolExecutor(threads) as pool:
            pending = []
            for start in starts[1:]:
                pending.append(pool.submit(score, start))
                if len(pending) == threads:  # at most `threads` chunks in memory
                    take(*pending.pop(0).result())
            for future in pending:
                take(*future.result())
    else:
        for start in starts:
            take(*score(start))
    if not out_e:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    return np.concatenate(out_e), np.concatenate(out_i), np.concatenate(out_s)


def _explanations(
    scorer: Scorer, partner: np.ndarray, rival: np.ndarray, score: np.ndarray, offset: int
) -> list[dict]:
    """Evidence for a slice of externals (index offset..): the assigned pair's fields and
    match weights plus the runner-up score; for a create, the best candidate's score when
    there was one; for every line its `review_priority` (labels.review_priority)."""
    p = np.where(score > 0, score, rival)  # a rejected proposal keeps its probability
    priority = np.round(labels.review_priority(p), 4)
    out: list[dict] = [{} for _ in range(len(partner))]
    ext = np.flatnonzero(partner >= 0)
    if len(ext):
        feats = scorer.features((ext + offset).astype(np.int32), partner[ext].astype(np.int32))
        runner_up = np.round(rival[ext], 4)
        extra = (("runner_up_score", runner_up, runner_up > 0),
                 ("review_priority", priority[ext], None))  # fmt: skip
        for k, ex in zip(ext.tolist(), scorer.explain(feats, extra), strict=True):
            out[k] = ex
    alone = np.flatnonzero(partner < 0)
    best = alone[rival[alone] > 0]
    for k, r in zip(best.tolist(), rival[best].tolist(), strict=True):
        out[k] = {"best_candidate_score": round(r, 4)}
    for k, v in zip(alone.tolist(), priority[alone].tolist(), strict=True):
        out[k]["review_priority"] = v
    return out


__all__ = ["DECISIONS", "EngineOutput", "Prepared", "probability", "run"]
