"""Strict check of a matcher's output file, before anything is scored.

The rules are those of `../shared/bench/README.md`: one line per external record, no
unknown ids, `decision` in match|review|create, `internal_id` null exactly for `create`,
no internal id on two match/review lines, numeric `score`, object `explanation`.
A run with any violation scores nothing, so the checker collects every violation
(up to a cap) instead of stopping at the first: the report can say what went wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["match", "review", "create"]
DECISIONS: frozenset[str] = frozenset({"match", "review", "create"})
MAX_VIOLATIONS_KEPT = 20


@dataclass(frozen=True)
class OutputLine:
    """One validated output line: what the matcher decided for one external record."""

    external_id: str
    internal_id: str | None
    decision: Decision
    score: float


@dataclass
class ValidationResult:
    """Either the decisions (when `ok`) or the violations that make the run unscoreable."""

    lines: list[OutputLine] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    violation_count: int = 0

    @property
    def ok(self) -> bool:
        return self.violation_count == 0

    def add(self, message: str) -> None:
        self.violation_count += 1
        if len(self.violations) < MAX_VIOLATIONS_KEPT:
            self.violations.append(message)


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _check_line(
    number: int,
    text: str,
    external_ids: frozenset[str],
    internal_ids: frozenset[str],
    result: ValidationResult,
) -> tuple[str | None, OutputLine | None]:
    """Return the line's known external id (even if the line is bad) and the line if valid."""
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        result.add(f"line {number}: not JSON ({exc.msg})")
        return None, None
    if not isinstance(row, dict):
        result.add(f"line {number}: not a JSON object")
        return None, None
    errors_before = result.violation_count
    external_id = row.get("external_id")
    internal_id = row.get("internal_id", ...)
    decision = row.get("decision")
    if not isinstance(external_id, str):
        result.add(f"line {number}: external_id missing or not a string")
    elif external_id not in external_ids:
        result.add(f"line {number}: unknown external_id {external_id!r}")
    if not isinstance(decision, str) or decision not in DECISIONS:
        result.add(f"line {number}: decision {decision!r} not in match|review|create")
    if internal_id is ...:
        result.add(f"line {number}: internal_id absent (must be present, null for create)")
    elif decision == "create" and internal_id is not None:
        result.add(f"line {number}: create with internal_id {internal_id!r} (must be null)")
    elif decision in ("match", "review"):
        if not isinstance(internal_id, str):
            result.add(f"line {number}: {decision} without a string internal_id")
        elif internal_id not in internal_ids:
            result.add(f"line {number}: unknown internal_id {internal_id!r}")
    if not _is_number(row.get("score")):
        result.add(f"line {number}: score {row.get('score')!r} is not a finite number")
    if not isinstance(row.get("explanation"), dict):
        result.add(f"line {number}: explanation is not an object")
    known_external = (
        external_id if isinstance(external_id, str) and external_id in external_ids else None
    )
    if result.violation_count != errors_before:
        return known_external, None
    return known_external, OutputLine(external_id, internal_id, decision, float(row["score"]))


def validate_output(
    output_lines: Iterable[str],
    external_ids: Iterable[str],
    internal_ids: Iterable[str],
) -> ValidationResult:
    """Check every line of a matcher's output against the ids of its inputs."""
    externals = frozenset(external_ids)
    internals = frozenset(internal_ids)
    result = ValidationResult()
    seen_external: dict[str, int] = {}
    linked_internal: dict[str, int] = {}
    for number, raw in enumerate(output_lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            result.add(f"line {number}: blank line")
            continue
        external_id, line = _check_line(number, text, externals, internals, result)
        if external_id is not None:
            if external_id in seen_external:
                result.add(
                    f"line {number}: external_id {external_id!r} again "
                    f"(first on line {seen_external[external_id]})"
                )
                continue
            seen_external[external_id] = number
        if line is None:
            continue
        if line.decision != "create" and line.internal_id is not None:
            if line.internal_id in linked_internal:
                result.add(
                    f"line {number}: internal_id {line.internal_id!r} linked twice "
                    f"(also line {linked_internal[line.internal_id]}): not one-to-one"
                )
                continue
            linked_internal[line.internal_id] = number
        result.lines.append(line)
    missing = externals.difference(seen_external)
    if missing:
        sample = ", ".join(sorted(missing)[:5])
        result.add(f"{len(missing)} external record(s) without an output line (e.g. {sample})")
    return result
