"""Memory: measure the process, predict the pair phase, pick a strategy that fits.

The estimate is made after the records are loaded and the blocks are planned (counted),
before any pair exists. It is the resident memory measured at that point (interpreter,
numpy, the loaded columns: the baseline, measured rather than guessed) plus a model of
what the pair phase adds, from the block-size histogram:

- generating candidate pairs costs ~GEN_BYTES_PER_PAIR per raw pair of the shard
  (per-pass codes, their concatenation, sort and de-duplication);
- scoring holds the de-duplicated codes plus one chunk's feature arrays;
- kept pairs (above the possible-match threshold) and the assignment cost
  KEPT_BYTES_PER_PAIR each.

The coefficients were calibrated against measured peak RSS on 100k and 1M synthetic runs.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass

GEN_BYTES_PER_PAIR = 26.0
CODE_BYTES_PER_PAIR = 8.0
SCORE_BYTES_PER_PAIR = 190.0
KEPT_BYTES_PER_PAIR = 56.0
KEPT_SHARE = 0.35  # share of unique candidates above the possible-match threshold (observed)
DEDUP_SHARE = 0.6  # unique candidates / raw block pairs (passes overlap)
SCORE_CHUNK = 400_000
HEADROOM = 0.9  # plan to use at most this share of the limit
MAX_SHARDS = 4096

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


def pair_phase_bytes(raw_pairs: int, shards: int, keep_all_kept: bool) -> int:
    """Bytes the pair phase adds on top of the baseline, for `shards` equal shards."""
    shard_raw = raw_pairs / shards
    shard_unique = shard_raw * DEDUP_SHARE
    generate = GEN_BYTES_PER_PAIR * shard_raw
    score = CODE_BYTES_PER_PAIR * shard_unique + SCORE_BYTES_PER_PAIR * min(
        SCORE_CHUNK, shard_unique
    )
    kept_total = raw_pairs * DEDUP_SHARE * KEPT_SHARE
    kept = KEPT_BYTES_PER_PAIR * (kept_total if keep_all_kept else kept_total / shards)
    return int(max(generate, score) + kept)


def choose(
    raw_pairs: int, baseline_bytes: int, peak_so_far: int, limit_bytes: int, force: str | None
) -> Plan:
    """The least-compromising strategy whose estimate fits under the limit."""
    budget = limit_bytes * HEADROOM

    def estimate(shards: int, keep_all: bool) -> int:
        return max(peak_so_far, baseline_bytes + pair_phase_bytes(raw_pairs, shards, keep_all))

    if force in (None, "global_greedy", "exact") and (
        force is not None or estimate(1, True) <= budget
    ):
        return Plan(force or "global_greedy", 1, estimate(1, True), baseline_bytes)
    if force in (None, "component_greedy"):
        shards = _fit_shards(lambda s: estimate(s, True), budget)
        if shards is not None or force == "component_greedy":
            shards = max(shards or MAX_SHARDS, 2 if force else 1)
            return Plan("component_greedy", shards, estimate(shards, True), baseline_bytes)
    shards = _fit_shards(lambda s: estimate(s, False), budget) or MAX_SHARDS
    shards = max(shards, 2)
    return Plan("local_greedy", shards, estimate(shards, False), baseline_bytes)


def _fit_shards(estimate, budget: float) -> int | None:
    shards = 1
    while shards <= MAX_SHARDS:
        if estimate(shards) <= budget:
            return shards
        shards = max(shards + 1, math.ceil(shards * 1.5))
    return None
