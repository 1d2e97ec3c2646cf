"""Pydantic models at the engine's boundary: options in, decisions and statistics out."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from syncbridge.matching.labels import LabelledPair

Profile = Literal["location", "product", "batch"]
PROFILES: tuple[str, ...] = ("location", "product", "batch")
Decision = Literal["match", "review", "create"]
Strategy = Literal["global_greedy", "component_greedy", "local_greedy", "exact"]


def default_memory_limit_mb() -> int:
    """The Lambda's memory when running in Lambda, else the 3,008 MB the CLI contract names."""
    raw = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 3008


class MatchOptions(BaseModel):
    """Knobs of one run. Defaults are the calibrated ones; tests force small memory limits."""

    model_config = ConfigDict(extra="forbid")

    profile: Profile = "location"
    memory_limit_mb: int = Field(default_factory=default_memory_limit_mb, gt=0)
    auto_match_error: float = Field(
        0.02,
        ge=0,
        le=1,
        description="expected share of wrong automatic matches tolerated; the rest of the "
        "links go to review (see matching.decide)",
    )
    possible_threshold: float = Field(
        0.20, ge=0, le=1, description="pairs below this never enter the sparse matrix"
    )
    ambiguity_log_odds: float = Field(
        2.3, ge=0, description="a match whose log-odds beat the runner-up by less goes to review"
    )
    max_block_pairs: int = Field(2500, gt=0, description="blocking keys above this are skipped")
    exact_max_nodes: int = Field(
        60, ge=0, description="contested components up to this size are solved optimally"
    )
    force_strategy: Strategy | None = Field(
        None, description="testing aid: use this strategy whatever the estimate says"
    )
    progress: bool = False
    on_scored: Callable[[int, int], None] | None = Field(
        None,
        exclude=True,
        description="called with (external records scored so far, all of them) after each "
        "shard: what a caller shows as progress",
    )
    labels: list[LabelledPair] = Field(
        default_factory=list, description="a person's answers: learned from and obeyed"
    )
    parameters: dict[str, list[float]] | None = Field(
        None,
        description="m per comparison learned on an earlier run of this profile "
        "(MatchStats.parameters): where EM starts instead of the documented defaults",
    )


class MatchDecision(BaseModel):
    """One output line: what to do with one external record, and why."""

    external_id: str
    internal_id: str | None
    score: float
    decision: Decision
    explanation: dict[str, float | str | None]


class MatchStats(BaseModel):
    """Run statistics (the CLI's --stats file); extra fields beyond the contract are allowed."""

    model_config = ConfigDict(extra="allow")

    strategy: Strategy
    estimated_bytes: int
    peak_bytes: int
    candidate_pairs: int
    scored_pairs: int
    seconds: float
    external_records: int
    internal_records: int
    profile: Profile
    memory_limit_mb: int
    kept_pairs: int = 0
    shards: int = 1
    components: int = 0
    exact_components: int = 0
    matches: int = 0
    reviews: int = 0
    creates: int = 0
    blocking_pairs_by_pass: dict[str, int] = Field(default_factory=dict)
    skipped_block_keys: int = 0
    timings: dict[str, float] = Field(default_factory=dict)


class MatchResult(BaseModel):
    decisions: list[MatchDecision]
    stats: MatchStats
