"""Matchers behind the `Matcher` port: the matching engine, and an exact-key stand-in.

Production always matches with the engine (`syncbridge.matching.match_records`, NumPy
layer; wired in `syncbridge.roots.keg.matcher`): a matcher that cannot import it fails at
init rather than quietly proposing exact-key matches. `ExactKeyMatcher` is the deterministic stand-in
the setup's unit tests use. Both produce the CLI contract's decisions: match / review /
create, one-to-one.
"""

from __future__ import annotations

import re
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

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _norm(value: Any) -> str:
    return _NON_ALNUM.sub("", str(value).lower()) if value not in (None, "") else ""


def profile_record(record: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """`record` reduced to its id and the profile's non-empty contract fields."""
    out: dict[str, Any] = {"id": str(record["id"])}
    for name in PROFILE_FIELDS[profile]:
        value = record.get(name)
        if value is not None and value != "":
            out[name] = value
    return out


class ExactKeyMatcher:
    """Links records whose normalized business key is equal; nothing fuzzy.

    Strong key (location: name + postal code; product: SKU; batch: lot code + product)
    -> `match` with score 1.0. Weak key (name only; lot code only) -> `review` at 0.6.
    Otherwise `create`. First come, first served keeps the assignment one-to-one.
    """

    reports_progress = True

    def match(
        self,
        internal: list[dict[str, Any]],
        external: list[dict[str, Any]],
        profile: Profile,
        guidance: MatchGuidance | None = None,  # exact keys learn nothing
        on_progress: Callable[[int], None] | None = None,
    ) -> list[MatchOutcome]:
        strong: dict[str, str] = {}
        weak: dict[str, str] = {}
        for rec in internal:
            s, w = self._keys(rec, profile)
            if s:
                strong.setdefault(s, str(rec["id"]))
            if w:
                weak.setdefault(w, str(rec["id"]))
        used: set[str] = set()
        outcomes: list[MatchOutcome] = []
        for scored, rec in enumerate(external, start=1):
            if on_progress is not None:
                on_progress(scored)
            s, w = self._keys(rec, profile)
            ext_id = str(rec["id"])
            hit = strong.get(s) if s else None
            if hit and hit not in used:
                used.add(hit)
                outcomes.append(
                    MatchOutcome(
                        external_id=ext_id,
                        internal_id=hit,
                        score=1.0,
                        decision="match",
                        explanation={"key": 1.0},
                    )
                )
                continue
            hit = weak.get(w) if w else None
            if hit and hit not in used:
                used.add(hit)
                outcomes.append(
                    MatchOutcome(
                        external_id=ext_id,
                        internal_id=hit,
                        score=0.6,
                        decision="review",
                        explanation={"name": 1.0, "key": 0.0},
                    )
                )
                continue
            outcomes.append(MatchOutcome(external_id=ext_id, score=0.0, decision="create"))
        return outcomes

    @staticmethod
    def _keys(rec: dict[str, Any], profile: Profile) -> tuple[str, str]:
        if profile == "location":
            name = _norm(rec.get("name"))
            postal = _norm(rec.get("postal_code"))
            return (f"{name}|{postal}" if name and postal else "", name)
        if profile == "product":
            return (_norm(rec.get("sku")), _norm(rec.get("name")))
        lot, product = _norm(rec.get("lot_code")), _norm(rec.get("product_id"))
        return (f"{lot}|{product}" if lot and product else "", lot)


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
