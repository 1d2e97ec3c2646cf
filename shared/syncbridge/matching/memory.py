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

import ctypes
import functools
import math
import os
import resource
from dataclasses import dataclass

GEN_BYTES_PER_RAW_PAIR = 18.0  # per-pass codes + concatenation (16) + de-dup mask/copy
CODE_BYTES = 8.0  # a de-duplicated candidate code, alive while its shard is scored
SCORE_BYTES_PER_PAIR = 150.0  # arrays of one scoring chunk (tracemalloc: ~140, candidate_logit)
KEPT_BYTES = 16.0  # a kept pair: external, internal (int32) and score (float64)
ASSIGN_BYTES_PER_KEPT = 72.0  # kept arrays + concatenation + ranks, components, rivals
EXPLAIN_BYTES_PER_RECORD = 1200.0  # features + dicts of one chunk of explanations
EXPLAIN_CHUNK = 50_000
SCORE_CHUNK = 400_000
HEADROOM = 0.9  # plan to use at most this share of the limit
MAX_SHARDS = 4096


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


def release() -> None:
    """Hand freed heap memory back to the OS (glibc's malloc_trim).

    Loading and preparing free many small objects between long-lived ones; without a
    trim those holes stay resident and count against the limit for the rest of the run.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def map_large_buffers() -> None:
    """Allocate every buffer over 8 MiB with its own mmap (glibc's mallopt).

    By default glibc raises its mmap threshold after the first large free, so later
    numpy arrays of up to 32 MiB come from the heap and their memory is not returned
    when they are freed: the resident size creeps above what is alive. Smaller buffers
    (a scoring chunk's arrays) stay on the heap, where they are reused without faults.
    """
    lib = _libc()
    if lib is not None:
        lib.mallopt(_M_MMAP_THRESHOLD, 8 << 20)


_M_MMAP_THRESHOLD = -3


@functools.cache
def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - not glibc
        return None


def _malloc_trim():
    lib = _libc()
    return getattr(lib, "malloc_trim", None) if lib is not None else None


def peak_rss() -> int:
    """Peak resident set size since the last `reset_peak`, in bytes.

    The larger of this process (VmHWM, else ru_maxrss), its finished children and the
    sum noted while a child ran beside it (`note_combined_peak`: the parallel file
    reader), so what the run held at once never exceeded the reported figure.
    """
    return int(max(_own_peak(), children_peak(), _combined[0]))


def children_peak() -> int:
    """The largest peak of the finished children, in bytes."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


_combined = [0]


def note_combined_peak(nbytes: int) -> None:
    """What this process and a child held together (see `records.load_files`):
    counted in `peak_rss`."""
    _combined[0] = max(_combined[0], int(nbytes))


def _own_peak() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):  # pragma: no cover - non-Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # pragma: no cover


def reset_peak() -> None:
    """Start the peak afresh (Linux clear_refs): in a warm Lambda container the peak of
    an earlier invocation is not this run's and must not count against its limit."""
    _combined[0] = 0
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover - not Linux, or not permitted
        pass


@dataclass(frozen=True)
class Plan:
    strategy: str  # global_greedy | component_greedy | local_greedy
    shards: int
    estimated_bytes: int
    baseline_bytes: int
    explain_chunk: int = EXPLAIN_CHUNK
    score_chunk: int = SCORE_CHUNK


class MemoryLimitError(Exception):
    """The run cannot stay under the memory limit: refused before it would exceed it.

    `needed_mb` is the least limit under which this input would be accepted (the
    estimate of the smallest plan, divided by HEADROOM, rounded up).
    """

    def __init__(self, needed_bytes: float, limit_mb: int, what: str) -> None:
        self.needed_bytes = int(needed_bytes)
        self.needed_mb = math.ceil(needed_bytes / HEADROOM / MB)
        self.limit_mb = limit_mb
        super().__init__(
            f"needs at least {self.needed_mb} MB of memory for {what}; "
            f"the limit is {limit_mb} MB (raise --memory-limit-mb / the function's "
            "MemorySize, or split the input)"
        )


MB = 1024 * 1024

# Loading, measured on synthetic location cases (100k and 300k a side, RSS after each
# phase): the columns kept per record (id, interned tokens and codes, address text,
# coordinates) and the blocking plans, plus fixed costs (vocabularies, caches, the
# scorer's random-pair sample). Products carry more tokens per record; batches fewer.
RECORD_BYTES = {"location": 450.0, "product": 600.0, "batch": 400.0}
LOAD_FIXED_BYTES = 40 * 1024 * 1024
INPUT_BYTE_FACTOR = 0.9  # per byte of input beyond the typical record: longer texts
TYPICAL_RECORD_BYTES = {"location": 280.0, "product": 350.0, "batch": 160.0}
PREPARE_PEAK_FACTOR = 1.18  # preparing and planning peak this far above what stays
# the smallest pair phase: per-external result arrays, one small shard, small chunks
PER_RECORD_RESULT_BYTES = 96.0
MIN_EXPLAIN_CHUNK = 2_000
MIN_SCORE_CHUNK = 20_000
MIN_PAIR_PHASE_FIXED = (
    EXPLAIN_BYTES_PER_RECORD * MIN_EXPLAIN_CHUNK + SCORE_BYTES_PER_PAIR * MIN_SCORE_CHUNK
)


def loaded_bytes(profile: str, records: int, input_bytes: float | None = None) -> float:
    """Resident bytes the loaded, prepared columns of `records` records take."""
    per_record = RECORD_BYTES[profile]
    if input_bytes is not None and records:
        extra = input_bytes / records - TYPICAL_RECORD_BYTES[profile]
        per_record += INPUT_BYTE_FACTOR * max(extra, 0.0)
    return LOAD_FIXED_BYTES + per_record * records


def input_need(
    profile: str,
    records_internal: int,
    records_external: int,
    baseline_bytes: int,
    input_bytes: float | None = None,
) -> int:
    """The least peak this input can run in, known before a record is loaded.

    The interpreter and libraries as measured now, the prepared columns at their
    transient peak, and the smallest pair phase (many shards, small chunks).
    """
    records = records_internal + records_external
    columns = loaded_bytes(profile, records, input_bytes)
    smallest_pairs = columns + PER_RECORD_RESULT_BYTES * records_external + MIN_PAIR_PHASE_FIXED
    return int(baseline_bytes + max(columns * PREPARE_PEAK_FACTOR, smallest_pairs))


def check_input(
    profile: str,
    records_internal: int,
    records_external: int,
    limit_mb: int,
    baseline_bytes: int | None = None,
    input_bytes: float | None = None,
) -> int:
    """Refuse (MemoryLimitError) an input that cannot fit under `limit_mb`; else the need."""
    baseline = current_rss() if baseline_bytes is None else baseline_bytes
    need = input_need(profile, records_internal, records_external, baseline, input_bytes)
    if need > limit_mb * MB * HEADROOM:
        what = f"{records_internal:,} internal and {records_external:,} external records"
        raise MemoryLimitError(need, limit_mb, what)
    return need


def parallel_read_fits(
    profile: str,
    records_external: int,
    need_bytes: int,
    limit_mb: int,
    external_bytes: float | None = None,
) -> bool:
    """Whether a second process may read the external file while this one reads the
    internal: it holds that side's columns and sends them over (about twice their size
    at the hand-over), on top of the input's need."""
    reader = 2.0 * (loaded_bytes(profile, records_external, external_bytes) - LOAD_FIXED_BYTES)
    return need_bytes + reader <= limit_mb * MB * HEADROOM


def pair_phase_bytes(
    work: Workload,
    shards: int,
    keep_all_kept: bool,
    explain_chunk: int = EXPLAIN_CHUNK,
    score_chunk: int = SCORE_CHUNK,
) -> int:
    """Bytes the pair phase adds on top of the baseline, for `shards` equal shards."""
    shard_raw = work.raw_pairs / shards
    shard_unique = shard_raw * work.dedup_share
    kept_total = work.kept_pairs
    kept_shard = kept_total / shards
    held_before = kept_total - kept_shard if keep_all_kept else 0.0
    results = PER_RECORD_RESULT_BYTES * work.external_records
    generate = GEN_BYTES_PER_RAW_PAIR * shard_raw + KEPT_BYTES * held_before
    score = (
        CODE_BYTES * shard_unique
        + SCORE_BYTES_PER_PAIR * min(score_chunk, shard_unique)
        + KEPT_BYTES * (held_before + kept_shard)
    )
    assign = ASSIGN_BYTES_PER_KEPT * (kept_total if keep_all_kept else kept_shard)
    explain = EXPLAIN_BYTES_PER_RECORD * min(work.external_records, explain_chunk)
    return int(results + max(generate, score, assign, explain))


def choose(
    work: Workload,
    baseline_bytes: int,
    peak_so_far: int,
    limit_bytes: int,
    force: str | None,
) -> Plan:
    """The least-compromising strategy whose estimate fits under the limit.

    Raises MemoryLimitError when not even the smallest plan fits: before the pair
    phase, so the limit is never exceeded by it.
    """
    budget = limit_bytes * HEADROOM

    def estimate(shards: int, keep_all: bool, explain: int = EXPLAIN_CHUNK,
                 score: int = SCORE_CHUNK) -> int:  # fmt: skip
        pairs = pair_phase_bytes(work, shards, keep_all, explain, score)
        return max(peak_so_far, baseline_bytes + pairs)

    if force in (None, "global_greedy", "exact") and (
        force is not None or estimate(1, True) <= budget
    ):
        return Plan(force or "global_greedy", 1, estimate(1, True), baseline_bytes)
    chunk_sizes = ((EXPLAIN_CHUNK, SCORE_CHUNK), (MIN_EXPLAIN_CHUNK, MIN_SCORE_CHUNK))
    if force == "component_greedy":
        shards = _fit_shards(lambda s: estimate(s, True), budget) or MAX_SHARDS
        return Plan("component_greedy", max(shards, 2), estimate(shards, True), baseline_bytes)
    # the global answer in shards (smaller chunks before giving it up), then local greedy
    for strategy, keep_all in (("component_greedy", True), ("local_greedy", False)):
        if force not in (None, strategy):
            continue
        for explain, score in chunk_sizes:
            shards = _fit_shards(
                lambda s, k=keep_all, x=explain, c=score: estimate(s, k, x, c), budget
            )
            if shards is not None:
                shards = max(shards, 2) if strategy == "local_greedy" else shards
                return Plan(
                    strategy, shards, estimate(shards, keep_all, explain, score),
                    baseline_bytes, explain, score,
                )  # fmt: skip
    if force is not None:  # testing aid: run it anyway, however small the limit
        return Plan("local_greedy", MAX_SHARDS, estimate(MAX_SHARDS, False), baseline_bytes)
    smallest = estimate(MAX_SHARDS, False, MIN_EXPLAIN_CHUNK, MIN_SCORE_CHUNK)
    raise MemoryLimitError(
        smallest, int(limit_bytes // MB), f"{work.external_records:,} external records"
    )


def _fit_shards(estimate, budget: float) -> int | None:
    shards = 1
    while shards <= MAX_SHARDS:
        if estimate(shards) <= budget:
            return shards
        shards = max(shards + 1, math.ceil(shards * 1.5))
    return None
