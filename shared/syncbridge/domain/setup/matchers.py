"""The matcher behind the `Matcher` port: the matching engine's library call.

Production always matches with the engine (`syncbridge.matching.match_records`, NumPy
layer; wired in `syncbridge.roots.keg.matcher`): a matcher that cannot import it fails at
init rather than quietly proposing exact-key matches. Tests that need a deterministic
stand-in use `tests.helpers.exact_key_matcher.ExactKeyMatcher` (test support, not shipped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import MatchTooLarge
from .models import MatchGuidance, MatchOutcome, Profile

PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "location": (
        "name",
        "address",
        "city",
        "state",
        "postal_code",
        "country",
        "phone",
        "website",
        "lat",
        "lon",
    ),
    "product": ("name", "brand", "sku", "description", "price", "category"),
    "batch": ("lot_code", "product_id", "name", "produced_at", "quantity"),
}
"""The fields of each profile in the matching contract; everything else stays home."""


def profile_record(record: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """`record` reduced to its id and the profile's non-empty contract fields."""
    out: dict[str, Any] = {"id": str(record["id"])}
    for name in PROFILE_FIELDS[profile]:
        value = record.get(name)
        if value is not None and value != "":
            out[name] = value
    return out


class EngineMatcher:
    """The matching engine's library call (`syncbridge.matching.match_records`)."""

    def __init__(
        self, match_records: Any, options_type: Any, limit_error: type[Exception] = MemoryError
    ) -> None:
        self._match_records = match_records
        self._options_type = options_type
        self._limit_error = limit_error

    reports_progress = True

    def match(
        self,
        internal: list[dict[str, Any]],
        external: list[dict[str, Any]],
        profile: Profile,
        guidance: MatchGuidance | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[MatchOutcome]:
        if not external:
            return []
        if not internal:  # nothing at home yet: every ERP record is new (the engine refuses [])
            return [
                MatchOutcome(external_id=str(r["id"]), decision="create", score=0.0)
                for r in external
            ]
        learning: dict[str, Any] = {}
        if guidance is not None:
            learning = {
                "labels": [label.model_dump() for label in guidance.labels],
                "parameters": guidance.parameters,
            }
        try:  # the options' memory limit defaults to this Lambda's MemorySize
            result = self._match_records(
                [profile_record(r, profile) for r in internal],
                [profile_record(r, profile) for r in external],
                self._options_type(
                    profile=profile,
                    on_scored=(lambda done, _all: on_progress(done)) if on_progress else None,
                    **learning,
                ),
            )
        except self._limit_error as exc:
            raise MatchTooLarge(
                str(exc), needed_mb=getattr(exc, "needed_mb", None),
                internal=len(internal), external=len(external),
            ) from exc  # fmt: skip
        if guidance is not None:
            stats = getattr(result, "stats", None)
            guidance.learned = getattr(stats, "parameters", None) if stats else None
        decisions = getattr(result, "decisions", result)
        return [
            MatchOutcome.model_validate(d if isinstance(d, dict) else d.model_dump())
            for d in decisions
        ]
