"""Turn an inspection point's name and codes into named location parts, per tenant config.

Patterns are grouped by the field they read; for each field the first pattern that matches
contributes its parts, and earlier fields win over later ones. A point that yields no
complete location gets a reason instead; nothing is silently dropped.

Patterns are a tenant admin's input, so they run with a time limit (the `regex` module's
`timeout`, MATCH_TIMEOUT_SECONDS per match): a pattern with catastrophic backtracking such
as `(?:[A-Za-z ]+)+` gives the point a "took too long" reason and is skipped for the rest
of the run, instead of blocking the request (and other tenants' requests) for minutes.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from syncbridge.domain.pest.config import LocationConfig, LocationPattern
from syncbridge.domain.pest.models import ParsedLocation, ParseOutcome, Point

MATCH_TIMEOUT_SECONDS = 0.05


class PatternTooSlow(Exception):
    """A pattern exceeded its time limit on some text."""


@lru_cache(maxsize=256)
def _compiled(source: str) -> regex.Pattern[str]:
    return regex.compile(source)


def _field_text(point: Point, field: str) -> str | None:
    value = getattr(point, field, None) if field in Point.model_fields else point.extra.get(field)
    if value in (None, False, ""):
        return None
    return str(value).strip()


def _apply(pattern: LocationPattern, text: str) -> dict[str, str] | None:
    if pattern.regex:
        try:
            match = _compiled(pattern.regex).fullmatch(text, timeout=MATCH_TIMEOUT_SECONDS)
        except TimeoutError:
            raise PatternTooSlow(pattern.name) from None
        except regex.error:
            return None
        if not match:
            return None
        return {k: v.strip() for k, v in match.groupdict().items() if v and v.strip()}
    tokens = text.split(pattern.delimiter or "", maxsplit=len(pattern.parts) - 1)
    if len(tokens) != len(pattern.parts):
        return None
    return {name: token.strip() for name, token in zip(pattern.parts, tokens, strict=True) if name}


class LocationParser:
    """A tenant's location config, prepared once (field groups, case-folded site lookup)
    and applied to many points."""

    def __init__(self, config: LocationConfig) -> None:
        self.config = config
        fields: list[str] = []
        for pattern in config.patterns:
            if pattern.field not in fields:
                fields.append(pattern.field)
        self.groups = [
            (field, [p for p in config.patterns if p.field == field]) for field in fields
        ]
        self.sites = {k.casefold(): v for k, v in config.site_lookup.items()}
        self.too_slow: set[str] = set()  # patterns that hit the time limit in this run

    def parse(self, point: Point) -> ParseOutcome:
        """The parsed location of `point`, or the reason it could not be parsed."""
        config = self.config
        parts: dict[str, str] = {}
        for field, candidates in self.groups:
            optional = all(p.optional for p in candidates)
            text = _field_text(point, field)
            if text is None:
                if optional:
                    continue
                return ParseOutcome(error=f"{field} is empty")
            for pattern in candidates:
                if pattern.name in self.too_slow:
                    continue
                try:
                    found = _apply(pattern, text)
                except PatternTooSlow:
                    self.too_slow.add(pattern.name)
                    return ParseOutcome(
                        error=f"pattern {pattern.name!r} took too long on {field}; simplify it "
                        "(nested repetition such as (a+)+ backtracks exponentially)"
                    )
                if found is not None:
                    for key, value in found.items():
                        parts.setdefault(key, value)
                    break
            else:
                if optional:
                    continue
                names = ", ".join(p.name for p in candidates)
                return ParseOutcome(error=f"{field} {text!r} matches no pattern ({names})")

        if "point_ref" not in parts and point.default_code:
            parts["point_ref"] = point.default_code.strip()

        token = parts.get("site")
        if token is not None:
            entry = self.sites.get(token.casefold())
            if entry is not None:
                parts["site"] = entry.name
                if entry.building and "building" not in parts:
                    parts["building"] = entry.building
            elif config.strict_sites:
                return ParseOutcome(error=f"site {token!r} is not in the site lookup")
        elif config.default_site:
            parts["site"] = config.default_site

        missing = [name for name in config.required if not parts.get(name)]
        if missing:
            return ParseOutcome(error=f"missing part(s): {', '.join(missing)}")
        return ParseOutcome(
            location=ParsedLocation(
                site=parts.get("site", ""),
                building=parts.get("building", ""),
                area=parts.get("area", ""),
                point_ref=parts.get("point_ref", ""),
                zone=parts.get("zone", ""),
                method=parts.get("method", ""),
            )
        )


def parse_location(point: Point, config: LocationConfig) -> ParseOutcome:
    """The parsed location of `point`, or the reason it could not be parsed."""
    return LocationParser(config).parse(point)
