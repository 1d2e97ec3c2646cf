"""Memory: measure the process, predict the pair phase, pick a strategy that fits.

The estimate is made after the records are loaded and the blocks are planned (counted),
before any pair exists. It is the resident memory measured at that point (interpreter,
numpy, the loaded columns: the baseline, measured rather than guessed) plus a model of
what the pair phase adds, from the block-size histogram:

- generating candidate pairs costs GEN_BYTES_PER_RAW_PAIR per raw pair of the shard
  (per-pass codes, their concatenation, sort and de-duplication);
- scoring holds the de-duplicated codes plus one chunk's feature arrays;
- kept pairs (above the possible-match threshold) cost KEPT_BYTES while held and
  ASSIGN_BYTES_PER_KEPT during the assignment.

How many raw pairs de-duplicate and how many are kept is measured on the calibration
sample (the candidates of the first externals), not assumed. The per-pair coefficients
were calibrated against measured peak RSS (tracemalloc on the phases, ru_maxrss on
100k and 1M synthetic runs).
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass

GEN_BYTES_PER_RAW_PAIR = 18.0  # per-pass codes + concatenation (16) + de-dup mask/copy
CODE_BYTES = 8.0  # a de-duplicated candidate code, alive while its shard is scored
SCORE_BYTES_PER_PAIR = 130.0  # feature arrays of one scoring chunk (tracemalloc: ~121)
KEPT_BYTES = 16.0  # a kept pair: external, internal (int32) and score (float64)
ASSIGN_BYTES_PER_KEPT = 72.0  # kept arrays + concatenation + ranks, components, rivals
EXPLAIN_BYTES_PER_RECORD = 1200.0  # features + dicts of one chunk of explanations
EXPLAIN_CHUNK = 50_000
SCORE_CHUNK = 400_000
HEADROOM = 0.9  # plan to use at most this share of the limit
MAX_SHARDS = 4096
FALLBACK_SHARD_BYTES = 64 * 1024 * 1024
FALLBACK_MAX_SHARDS = 256


@dataclass(frozen=True)
class Workload:
    """What the block-size histogram and the calibration sample say about the pairs."""

    raw_pairs: int  # sum over passes and keys of n_internal * n_external
    dedup_share: float = 0.7  # unique candidates per raw pair (passes overlap)
    kept_share: float = 0.4  # candidates scoring above the possible-match threshold
    external_records: int = 0

    @property
    def kept_pairs(self) -> float:
        return self.raw_pairs * self.dedup_share * self.kept_share


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss() -> int:
    """Resident set size now, in bytes."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:  # pragma: no cover - non-Linux
        return peak_rss()


def peak_rss() -> int:
    """Peak resident set size so far, in bytes (ru_maxrss is KiB on Linux).

    The larger of this process and its finished children (the parallel file reader), so
    no process of the run ever exceeded the reported figure.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(max(own, children)) * 1024


@dataclass(frozen=True)
class Plan:
    strategy: str  # global_greedy | component_greedy | local_greedy
    shards: int
    estimated_bytes: int
    baseline_bytes: int


def pair_phase_bytes(work: Workload, shards: int, keep_all_kept: bool) -> int:
    """Bytes the pair phase adds on top of the baseline, for `shards` equal shards."""
    shard_raw = work.raw_pairs / shards
    shard_unique = shard_raw * work.dedup_share
    kept_total = work.kept_pairs
    kept_shard = kept_total / shards
    held_before = kept_total - kept_shard if keep_all_kept else 0.0
    generate = GEN_BYTES_PER_RAW_PAIR * shard_raw + KEPT_BYTES * held_before
    score = (
        CODE_BYTES * shard_unique
        + SCORE_BYTES_PER_PAIR * min(SCORE_CHUNK, shard_unique)
        + KEPT_BYTES * (held_before + kept_shard)
    )
    assign = ASSIGN_BYTES_PER_KEPT * (kept_total if keep_all_kept else kept_shard)
    explain = EXPLAIN_BYTES_PER_RECORD * min(work.external_records, EXPLAIN_CHUNK)
    return int(max(generate, score, assign, explain))


def choose(
    work: Workload, baseline_bytes: int, peak_so_far: int, limit_bytes: int, force: str | None
) -> Plan:
    """The least-compromising strategy whose estimate fits under the limit."""
    budget = limit_bytes * HEADROOM

    def estimate(shards: int, keep_all: bool) -> int:
        return max(peak_so_far, baseline_bytes + pair_phase_bytes(work, shards, keep_all))

    if force in (None, "global_greedy", "exact") and (
        force is not None or estimate(1, True) <= budget
    ):
        return Plan(force or "global_greedy", 1, estimate(1, True), baseline_bytes)
    if force in (None, "component_greedy"):
        shards = _fit_shards(lambda s: estimate(s, True), budget)
        if shards is not None or force == "component_greedy":
            shards = max(shards or MAX_SHARDS, 2 if force else 1)
            return Plan("component_greedy", shards, estimate(shards, True), baseline_bytes)
    shards = _fit_shards(lambda s: estimate(s, False), budget)
    if shards is None:
        # nothing fits (the baseline alone is near the limit): shards of ~64 MiB of
        # pair generation each; more would only add per-shard overhead
        shards = math.ceil(GEN_BYTES_PER_RAW_PAIR * work.raw_pairs / FALLBACK_SHARD_BYTES)
        shards = min(max(shards, 2), FALLBACK_MAX_SHARDS)
    shards = max(shards, 2)
    return Plan("local_greedy", shards, estimate(shards, False), baseline_bytes)


def _fit_shards(estimate, budget: float) -> int | None:
    shards = 1
    while shards <= MAX_SHARDS:
        if estimate(shards) <= budget:
            return shards
        shards = max(shards + 1, math.ceil(shards * 1.5))
    return None
