"""Record factories for the matching engine's unit tests."""

from __future__ import annotations

import pytest

BREWERIES = [
    # (name, address, city, postal, phone, website, lat, lon)
    ("Mustang Sally Brewing Company", "14140 Parke Long Ct", "Chantilly", "20151-4009",
     "7033787450", "http://www.msbrewing.com", 38.8893, -77.4430),
    ("Schubros Brewery", "12893 Alcosta Blvd Ste N", "San Ramon", "94583",
     "9253270700", "http://www.schubros.com", 37.7790, -121.9631),
    ("Forgotten Boardwalk Brewing", "1940 Olney Avenue", "Cherry Hill", "08003",
     "8564370709", "https://forgottenboardwalk.com/", 39.9268, -75.0246),
    ("Crystal Ball Brewing", "1612 W King Street", "York", "17404",
     None, "http://www.crystalballbrewing.com", 39.9489, -76.7627),
    ("Epic Brewing Co., LLC", "3001 Walnut St", "Denver", "80205",
     "7205397410", "http://www.epicbrewing.com", 39.7632, -104.9813),
    ("Barnaby Brewing Company", "165 Shattuck Way", "Juneau", "99801",
     "9074190916", "http://www.barnabybrew.com", 58.3003, -134.4059),
]  # fmt: skip


def location(rid: str, row: tuple, **changes) -> dict:
    name, address, city, postal, phone, website, lat, lon = row
    rec = {
        "id": rid, "name": name, "address": address, "city": city, "postal_code": postal,
        "phone": phone, "website": website, "lat": lat, "lon": lon, "country": "United States",
    }  # fmt: skip
    rec.update(changes)
    return rec


@pytest.fixture
def internal_locations() -> list[dict]:
    return [location(f"k-{n}", row) for n, row in enumerate(BREWERIES)]


@pytest.fixture
def external_locations() -> list[dict]:
    """Drifted copies of the first five breweries plus one brand-new brewery."""
    out = [
        location("e-0", BREWERIES[0], name="Mustang Sally Brewing Co", phone="(703) 378-7450"),
        location("e-1", BREWERIES[1], address="12893 Alcosta Boulevard Suite N", lat=37.7791),
        location("e-2", BREWERIES[2], website="http://www.forgottenboardwalk.com", lat=None,
                 lon=None),
        location("e-3", BREWERIES[3], name="Crystal Ball Brewing Company"),
        location("e-4", BREWERIES[4], name="EPIC BREWING", phone="+1 720 539 7410"),
        {"id": "e-new", "name": "Totally New Taproom", "address": "1 Elm St", "city": "Boise",
         "postal_code": "83702", "phone": "2085550100", "lat": 43.615, "lon": -116.2023},
    ]  # fmt: skip
    return out
