"""Per-tenant pest-control settings: location patterns, site lookup, device and sync knobs.

The prototype hard-coded one customer's naming; every tenant now keeps its own patterns
(regular expressions with named groups, or a delimiter spec naming each position) and a
site lookup table. The default (`default_location`) reads the naming conventions real
pest-control databases use, "<Customer Site> - <Area>" first among them, with no setup.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from syncbridge.domain.pest.models import DEFAULT_REC_TYPE

PART_NAMES = ("site", "building", "area", "point_ref", "zone", "method")


class LocationPattern(BaseModel):
    """One way to read location parts out of one point field."""

    name: str = Field(description="A label shown in parse errors.")
    field: str = Field(default="name", description="Point field to parse: name, default_code, ...")
    regex: str | None = Field(
        default=None,
        description="Full-match regular expression with named groups (site, building, area, "
        "point_ref, zone, method).",
    )
    delimiter: str | None = Field(default=None, description="Split the field on this text.")
    parts: list[str] = Field(
        default_factory=list,
        description="With `delimiter`: the part name of each position ('' skips one); the "
        "last part keeps any remaining delimiters.",
    )
    optional: bool = Field(
        default=False, description="An empty or non-matching field is not a parse error."
    )

    @model_validator(mode="after")
    def _one_way(self) -> LocationPattern:
        if bool(self.regex) == bool(self.delimiter):
            raise ValueError("give exactly one of `regex` or `delimiter`")
        if self.regex:
            try:
                compiled = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
            unknown = set(compiled.groupindex) - set(PART_NAMES)
            if unknown:
                raise ValueError(f"unknown group name(s) {sorted(unknown)}; use {PART_NAMES}")
            if not compiled.groupindex:
                raise ValueError("the regex names no group")
        else:
            if not self.parts:
                raise ValueError("a delimiter pattern needs `parts`")
            unknown = {p for p in self.parts if p} - set(PART_NAMES)
            if unknown:
                raise ValueError(f"unknown part name(s) {sorted(unknown)}; use {PART_NAMES}")
        return self


class SiteEntry(BaseModel):
    """What a site token in a point's name or code stands for."""

    name: str
    building: str | None = None


class LocationConfig(BaseModel):
    patterns: list[LocationPattern] = Field(min_length=1)
    site_lookup: dict[str, SiteEntry] = Field(default_factory=dict)
    default_site: str | None = Field(
        default=None, description="Site used when no pattern yields one."
    )
    strict_sites: bool = Field(
        default=True, description="A site token missing from the lookup is a parse error."
    )
    required: list[str] = Field(default_factory=lambda: ["site", "area", "point_ref"])

    @field_validator("required")
    @classmethod
    def _known_parts(cls, value: list[str]) -> list[str]:
        unknown = set(value) - set(PART_NAMES)
        if unknown:
            raise ValueError(f"unknown part name(s) {sorted(unknown)}")
        return value


class PestConfig(BaseModel):
    """Everything tenant-specific the pest-control services need."""

    location: LocationConfig
    erp_kind: str = Field(default="odoo", description="ERP adapter kind (see adapters.erp).")
    erp_settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Non-secret ERP adapter settings (e.g. category_name, incident_model).",
    )
    rec_type: str = Field(default=DEFAULT_REC_TYPE, description="Microshare device cluster type.")
    alert_rec_types: list[str] = Field(
        default_factory=lambda: [
            "io.microshare.event.alert.rodent",
            "io.microshare.event.alert.trap",
        ],
        description="Microshare share types read for incidents.",
    )
    mirror_status: bool = Field(
        default=True, description="Keep the ERP point's device status in step with ours."
    )
    pending_barcode: Literal["none", "placeholder"] = Field(
        default="none",
        description="What create-devices writes to the ERP barcode while the DevEUI is still "
        "the default: nothing (barcode is written on DevEUI confirmation) or a per-point "
        "placeholder (barcodes are unique per company, the default DevEUI cannot be shared).",
    )
    snapshot_ttl_seconds: int = Field(default=60, ge=0, le=86400)
    reconcile_every_seconds: int = Field(default=3600, ge=60)
    incident_window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    actionable_events: list[str] = Field(
        default_factory=lambda: ["rodent_present", "trap_triggered", "catch_detected"]
    )
    version: int = 0


# How pest-control companies name inspection points in their ERP, most specific first.
# A dash, en dash or em dash only separates when spaced ("Stoke-on-Trent" stays whole).
_DASH = r"\s+[-\u2013\u2014]\s+"
DEFAULT_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    # "Golden Crust Manchester / Manchester Production / Flour Storage Silo A"
    ("site / building / area", r"(?P<site>[^/]+?)\s*/\s*(?P<building>[^/]+?)\s*/\s*(?P<area>.+)"),
    # "BS12 - Golden Crust Manchester - Flour Storage Silo A": a station number first (the
    # reference stays `default_code`, which is what Microshare links by)
    ("station - site - area",
     rf"(?:[A-Z]{{1,4}}[ -]?)?\d{{1,4}}{_DASH}(?P<site>.+?){_DASH}(?P<area>.+)"),
    # "Golden Crust Manchester - Production Hall - Flour Storage Silo A"
    ("site - building - area",
     rf"(?P<site>.+?){_DASH}(?P<building>.+?){_DASH}(?P<area>.+)"),
    # "Golden Crust Manchester - Flour Storage Silo A" (the seed's and most databases' form)
    ("site - area", rf"(?P<site>.+?){_DASH}(?P<area>.+)"),
    # "Golden Crust Manchester > Production > Silo A" (breadcrumbs)
    ("site > building > area", r"(?P<site>[^>]+?)\s*>\s*(?P<building>[^>]+?)\s*>\s*(?P<area>.+)"),
    ("site > area", r"(?P<site>[^>]+?)\s*>\s*(?P<area>.+)"),
    # "Golden Crust Manchester / Flour Storage Silo A", "... | ...", "...: ..."
    ("site / area", r"(?P<site>[^/]+?)\s*/\s*(?P<area>.+)"),
    ("site | area", r"(?P<site>[^|]+?)\s*\|\s*(?P<area>.+)"),
    ("site: area", r"(?P<site>[^:]+?):\s+(?P<area>.+)"),
    # "Flour Storage Silo A (Golden Crust Manchester)"
    ("area (site)", r"(?P<area>[^()]+?)\s*\((?P<site>[^()]+)\)"),
)  # fmt: skip


def default_location() -> LocationConfig:
    """Location parsing that works with no tenant configuration: the naming conventions
    above on the point's name, the reference from `default_code`, and "Placement / Trap
    type" from the sale description when one is there (a stock Odoo has none)."""
    return LocationConfig(
        patterns=[
            *(
                LocationPattern(name=name, field="name", regex=regex)
                for name, regex in DEFAULT_NAME_PATTERNS
            ),
            # "Internal / Bait/Lured" (the trap type may itself contain a slash)
            LocationPattern(
                name="placement / method",
                field="description",
                delimiter=" / ",
                parts=["zone", "method"],
                optional=True,
            ),
        ],
        site_lookup={"GCM": SiteEntry(name="Golden Crust Manchester")},
        strict_sites=False,
    )


GOLDEN_CRUST = PestConfig(location=default_location())


def default_config() -> PestConfig:
    """The configuration a tenant gets until an admin stores its own."""
    return GOLDEN_CRUST.model_copy(deep=True)
