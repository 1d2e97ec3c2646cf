"""Sync Bridge matching engine: which external (ERP) records are ones we already hold.

Library use (the matcher Lambda calls this)::

    from syncbridge.matching import match_records, MatchOptions

    result = match_records(internal_records, external_records, MatchOptions(profile="location"))
    for d in result.decisions:          # exactly one MatchDecision per external record
        d.external_id, d.internal_id, d.decision, d.score, d.explanation
    result.stats                        # MatchStats: strategy, estimated_bytes, peak_bytes, ...

Records are dicts (or pydantic models) with a string ``id`` and the profile's fields
(see ``profiles.SPECS`` and ``../shared/contracts/matching-cli.md``). Bad input raises
``InputError`` (its message names the record). ``MatchOptions.memory_limit_mb`` defaults to
the Lambda's memory (``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``) or 3,008 MB; an input that cannot
be matched under it raises ``MemoryLimitError`` (``needed_mb``) before the work starts.

Command line: ``python -m syncbridge.matching --internal F --external F --profile P --out F
[--stats F] [--memory-limit-mb N] [--labels F]``.

Scoring: Fellegi-Sunter weights learned on each run by EM (``fellegi_sunter``) over the
profile's typed comparisons (``profiles.COMPARISONS``, ``comparisons``); a person's
answers (``MatchOptions.labels``, ``--labels``) join the EM and are obeyed, and
``MatchOptions.parameters`` (an earlier run's ``MatchStats.parameters``) is where EM starts.

Decisions (``decide``): ``score`` is the probability that the chosen internal record is
the external record's partner, all its candidates competing; links are the set that
maximises the expected F1 of those probabilities; a link is a ``match`` while the
expected share of wrong automatic matches stays within ``auto_match_error`` (2 %), else
``review``; everything else is ``create``. Assignment is one-to-one, best log-odds first.
``explanation`` holds the per-field evidence of the chosen pair (name similarity,
distance_m, address, postal_code, phone, website, ...; product: model, sku, price ratio;
batch: lot_code, product_id, days_apart, quantity), each comparison's match weight
(``weight_<comparison>``, ``weight_prior``), ``runner_up_score`` when a rival exists and
``review_priority`` (how informative a person's answer would be).

Strategies (``MatchStats.strategy``), chosen from the memory estimate made before any
pair is built: ``global_greedy`` (all candidate pairs at once), ``component_greedy``
(pairs generated and scored shard by shard, the kept sparse graph assigned as a whole:
same answer, bounded memory), ``local_greedy`` (last resort: each shard assigned on its
own), ``exact`` (forced: every contested component solved optimally). Small contested
components are always re-solved optimally (``exact_components`` in the stats).

Tools: ``python -m syncbridge.matching.evaluate CASE_DIR`` (blocking recall against a
gold file; quality is scored by ``benchmarks/score.py``), ``python -m syncbridge.matching.synthetic OUT --size N``
(noisy location cases for scale runs).

Pipeline (one module each): ``standardize`` keys -> ``sides`` (interned numpy columns) ->
``blocking`` (planned from block-size histograms) -> ``memory`` (estimate, strategy) ->
``scoring`` (learned Fellegi-Sunter weights over ``comparisons``) -> ``assign`` (greedy /
exact) -> ``decide`` -> decisions with per-field evidence (``engine``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sized

from syncbridge.matching.memory import MemoryLimitError
from syncbridge.matching.models import (
    PROFILES,
    MatchDecision,
    MatchOptions,
    MatchResult,
    MatchStats,
)
from syncbridge.matching.records import InputError

__all__ = [
    "PROFILES",
    "InputError",
    "MatchDecision",
    "MatchOptions",
    "MatchResult",
    "MatchStats",
    "MemoryLimitError",
    "match_records",
]


def match_records(
    internal: Iterable[object],
    external: Iterable[object],
    options: MatchOptions | None = None,
) -> MatchResult:
    """Match external records against internal ones; one decision per external record.

    Raises MemoryLimitError, before any work, when the records cannot be matched under
    ``options.memory_limit_mb`` (in Lambda: the function's MemorySize).
    """
    from syncbridge.matching import memory
    from syncbridge.matching.engine import DECISIONS, run
    from syncbridge.matching.profiles import SPECS
    from syncbridge.matching.records import load_records

    started = time.perf_counter()
    options = options or MatchOptions()
    spec = SPECS[options.profile]
    internal = internal if isinstance(internal, Sized) else list(internal)
    external = external if isinstance(external, Sized) else list(external)
    memory.map_large_buffers()
    memory.reset_peak()
    memory.check_input(options.profile, len(internal), len(external), options.memory_limit_mb)
    vocabs: dict = {}
    raw_i = load_records(internal, spec, "internal", vocabs)
    raw_e = load_records(external, spec, "external", vocabs)
    out = run(raw_i, raw_e, vocabs, options, started)
    decisions = [
        MatchDecision(
            external_id=out.external_ids[k],
            internal_id=out.internal_ids[p] if p >= 0 else None,
            score=round(float(out.score[k]), 4),
            decision=DECISIONS[d],  # type: ignore[arg-type]
            explanation=ex,
        )
        for k, (p, d, ex) in enumerate(
            zip(out.partner.tolist(), out.decision.tolist(), out.iter_explanations(), strict=True)
        )
    ]
    return MatchResult(decisions=decisions, stats=out.stats)
