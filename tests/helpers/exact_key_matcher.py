"""A deterministic exact-key stand-in for the matching engine (test support, not shipped).

Unit and browser tests that are about the setup or sync flow, not about matching quality,
use it so their proposals are predictable; production wires `EngineMatcher`
(`tests/unit/setup/test_production_wiring.py` pins that). It produces the CLI contract's
decisions: match / review / create, one-to-one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from syncbridge.domain.setup.models import MatchGuidance, MatchOutcome, Profile

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _norm(value: Any) -> str:
    return _NON_ALNUM.sub("", str(value).lower()) if value not in (None, "") else ""


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
            tiers = (
                (strong.get(s) if s else None, 1.0, "match", {"key": 1.0}),
                (weak.get(w) if w else None, 0.6, "review", {"name": 1.0, "key": 0.0}),
            )
            for hit, score, decision, explanation in tiers:
                if hit and hit not in used:
                    used.add(hit)
                    outcomes.append(
                        MatchOutcome(
                            external_id=ext_id,
                            internal_id=hit,
                            score=score,
                            decision=decision,
                            explanation=explanation,
                        )
                    )
                    break
            else:
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
