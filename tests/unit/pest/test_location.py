"""Location parsing: configurable patterns, site lookup, unparseable points reported."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from syncbridge.domain.pest.config import LocationConfig, LocationPattern, SiteEntry, default_config
from syncbridge.domain.pest.location import parse_location
from syncbridge.domain.pest.models import Point


def test_default_config_parses_the_golden_crust_format():
    # Given a Golden Crust point
    point = Point(
        id="1",
        name="Golden Crust Manchester / Manchester Production / Flour Storage Silo A",
        description="Internal / Bait/Lured",
        default_code="ERP024_025_01",
    )
    # When it is parsed with the default config
    outcome = parse_location(point, default_config().location)
    # Then every part lands where Microshare's meta.location expects it
    assert outcome.error is None
    assert outcome.location.as_list() == [
        "Golden Crust Manchester",
        "Manchester Production",
        "Flour Storage Silo A",
        "ERP024_025_01",
        "Internal",
        "Bait/Lured",
    ]


def test_unparseable_point_gets_a_reason():
    point = Point(id="9", name="Random product", description="x", default_code="R1")
    outcome = parse_location(point, default_config().location)
    assert outcome.location is None
    assert "matches no pattern" in outcome.error and "Random product" in outcome.error


def test_an_empty_required_field_is_reported_and_the_default_description_is_optional():
    point = Point(id="9", name="A / B / C", description=None, default_code="R1")
    assert parse_location(point, default_config().location).location.as_list() == [
        "A", "B", "C", "R1", "", ""
    ]  # fmt: skip
    strict = LocationConfig(
        patterns=[LocationPattern(name="p", field="description", delimiter=" / ", parts=["zone"])],
        default_site="S",
        required=["site"],
    )
    assert parse_location(point, strict).error == "description is empty"


@pytest.mark.parametrize(
    "name, site, building, area",
    [
        # the seed's form, and the other conventions real pest-control databases use
        ("Golden Crust Manchester - Flour Storage Silo A", "Golden Crust Manchester", "",
         "Flour Storage Silo A"),
        ("Golden Crust Manchester \u2013 Dough Mixing Room", "Golden Crust Manchester", "",
         "Dough Mixing Room"),
        ("Stoke-on-Trent Depot - Bin Store", "Stoke-on-Trent Depot", "", "Bin Store"),
        ("Golden Crust Manchester - Production Hall - Oven Line 1", "Golden Crust Manchester",
         "Production Hall", "Oven Line 1"),
        ("Golden Crust Manchester / Manchester Production / Flour Storage Silo A",
         "Golden Crust Manchester", "Manchester Production", "Flour Storage Silo A"),
        ("Golden Crust Leeds / Loading Bay Door", "Golden Crust Leeds", "", "Loading Bay Door"),
        ("Golden Crust Leeds > Warehouse > Dock 2", "Golden Crust Leeds", "Warehouse", "Dock 2"),
        ("Golden Crust Leeds | Staff Canteen", "Golden Crust Leeds", "", "Staff Canteen"),
        ("GCM: Cooling Racks", "Golden Crust Manchester", "", "Cooling Racks"),
        ("Waste Compound (Golden Crust Leeds)", "Golden Crust Leeds", "", "Waste Compound"),
        ("BS12 - Golden Crust Leeds - Bin Store", "Golden Crust Leeds", "", "Bin Store"),
        ("07 - Golden Crust Leeds - Bin Store", "Golden Crust Leeds", "", "Bin Store"),
    ],
)  # fmt: skip
def test_the_default_reads_real_naming_conventions_with_no_configuration(
    name, site, building, area
):
    point = Point(id="1", name=name, default_code="ERP024_025_01")
    outcome = parse_location(point, default_config().location)
    assert outcome.error is None
    assert outcome.location.as_list() == [site, building, area, "ERP024_025_01", "", ""]


def test_a_name_without_a_site_says_which_forms_were_tried():
    outcome = parse_location(
        Point(id="1", name="Silo A", default_code="R1"), default_config().location
    )
    assert outcome.location is None
    assert "'Silo A' matches no pattern" in outcome.error and "site - area" in outcome.error


def test_regex_pattern_with_site_lookup_for_another_tenant():
    # Given a tenant whose names look like "MAN-02|Bakery|Silo 3" and codes carry the zone
    config = LocationConfig(
        patterns=[
            LocationPattern(
                name="pipe",
                field="name",
                regex=r"(?P<site>[A-Z]+)-(?P<building>\d+)\|(?P<area>[^|]+)\|(?P<method>.+)",
            ),
            LocationPattern(
                name="code", field="default_code", regex=r"(?P<point_ref>P\d+)-(?P<zone>IN|EX)"
            ),
        ],
        site_lookup={"MAN": SiteEntry(name="Manchester Works", building="Main")},
    )
    point = Point(id="1", name="MAN-02|Bakery|Snap", default_code="P17-IN")
    # When parsed
    outcome = parse_location(point, config)
    # Then the site code is looked up and the code pattern contributes point_ref and zone
    assert outcome.location.as_list() == ["Manchester Works", "02", "Bakery", "P17", "IN", "Snap"]


def test_unknown_site_is_an_error_when_sites_are_strict():
    config = LocationConfig(
        patterns=[LocationPattern(name="d", field="name", delimiter="/", parts=["site", "area"])],
        site_lookup={"GCM": SiteEntry(name="Golden Crust Manchester")},
    )
    outcome = parse_location(Point(id="1", name="XYZ/Silo", default_code="R"), config)
    assert outcome.error == "site 'XYZ' is not in the site lookup"
    ok = parse_location(Point(id="2", name="gcm/Silo", default_code="R"), config)
    assert ok.location.site == "Golden Crust Manchester"


def test_missing_required_part_is_reported():
    config = LocationConfig(
        patterns=[LocationPattern(name="d", field="name", delimiter="/", parts=["site", "area"])],
        strict_sites=False,
    )
    outcome = parse_location(Point(id="1", name="Site/Silo", default_code=None), config)
    assert outcome.error == "missing part(s): point_ref"


def test_optional_pattern_may_be_absent():
    config = LocationConfig(
        patterns=[
            LocationPattern(name="d", field="name", delimiter="/", parts=["site", "area"]),
            LocationPattern(
                name="z", field="description", delimiter="/", parts=["zone"], optional=True
            ),
        ],
        strict_sites=False,
    )
    outcome = parse_location(Point(id="1", name="S/A", default_code="R"), config)
    assert outcome.location.as_list() == ["S", "", "A", "R", "", ""]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"regex": "(?P<nope>x)"}, "unknown group"),
        ({"regex": "("}, "invalid regex"),
        ({"regex": "x", "delimiter": "/", "parts": ["site"]}, "exactly one"),
        ({"delimiter": "/"}, "needs `parts`"),
        ({"regex": "abc"}, "names no group"),
    ],
)
def test_bad_patterns_are_refused(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        LocationPattern(name="p", **kwargs)


def test_a_backtracking_pattern_is_cut_off_and_skipped_not_run_for_minutes():
    """Finding: an admin's `(?:[A-Za-z ]+)+` ran 32.8 s on 11 names, blocking requests.
    Patterns run with a per-match time limit; one that hits it is skipped afterwards."""
    from syncbridge.domain.pest.location import LocationParser
    from tests.unit.pest.conftest import seed_points

    slow = LocationPattern(name="slow", regex=r"(?P<site>(a|aa)+)b")
    issue = LocationPattern(name="issue", regex=r"(?P<site>(?:[A-Za-z ]+)+)")
    config = LocationConfig(patterns=[slow, issue], required=["site"])
    parser = LocationParser(config)
    first = parser.parse(Point(id="1", name="a" * 40, default_code="R1"))
    assert first.location is None and "took too long" in first.error
    assert parser.too_slow == {"slow"}
    # the rest of the run skips it; the issue's pattern still parses the real names
    outcomes = [parser.parse(p) for p in seed_points()]
    assert all("took too long" not in (o.error or "") for o in outcomes)
    assert sum(o.location is not None for o in outcomes) + sum(
        "matches no pattern" in (o.error or "") for o in outcomes
    ) == len(outcomes)
