"""Synthetic location cases for scale runs: brewery-like records with realistic noise.

    python -m syncbridge.matching.synthetic OUT_DIR --size 100000 [--seed 7]

writes OUT_DIR/internal.jsonl, external.jsonl, gold.jsonl and case.json (the layout of
../shared/bench/cases). `size` records a side. The external side is 80 % noisy copies of
internal records and 20 % new businesses, a quarter of those namesakes of an internal
record in another town (the trap blocking on the name alone falls into). Noise: typos,
abbreviations ("Company" -> "Co", "Street" -> "St"), dropped fields, jittered
coordinates, moves to another address and postcode in the same town, changed phones and
websites, and chains: the same name in many towns.

Places are spread the way real ones are: town sizes follow a Zipf law, each town has
postcodes in proportion to its size (about 40 businesses per postcode, the biggest
one well under 1 % of the records), postcodes of one region share their first three
digits, and coordinates sit around the postcode's own centre. Ids are random numbers
drawn separately per side and both files are shuffled, so neither ids nor order tell
the answer.
"""

from __future__ import annotations

import json
import os
import random
import string

import orjson

from syncbridge.cli import OneLineParser, positive_int

_ADJ = (  # noqa: SIM905
    "Red Blue Green Black White Golden Silver Iron Copper Wild Lazy Happy Crooked Rusty "
    "Old New Big Little Lost Hidden Broken Flying Sleeping Howling Dancing Roaring Quiet "
    "Stone Oak Pine Cedar River Lake Mountain Valley Prairie Desert Harbor Bay North South "
    "East West Lucky Brave Bold Proud Twin Three Seven Hundred Thousand Ancient Modern"
).split()
_NOUN = (  # noqa: SIM905
    "Dog Cat Bear Wolf Fox Owl Hawk Eagle Raven Crow Horse Mule Goat Bull Elk Moose Deer "
    "Rabbit Hare Badger Otter Beaver Trout Salmon Pike Anchor Barrel Hammer Anvil Wheel "
    "Lantern Compass Bridge Tower Mill Barn Forge Canoe Kettle Hop Grain Malt Barley Yeast "
    "Rock Creek Falls Ridge Hollow Meadow Grove Orchard Garden Island Coast Harbor Summit"
).split()
_KIND = ("Brewing Company", "Brewery", "Brewing Co", "Beer Company", "Ales", "Brewhouse",
         "Taproom", "Craft Brewery", "Brewing", "Beer Works")  # fmt: skip
_STREET = (  # noqa: SIM905
    "Main Oak Maple Pine Cedar Elm Washington Lincoln Jefferson Park Lake Hill River "
    "Church Market Union Mill Spring Center Railroad Front Water High Bridge Ridge Valley"
).split()
_SUFFIX = (("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Boulevard", "Blvd"),
           ("Drive", "Dr"), ("Lane", "Ln"), ("Way", "Way"), ("Court", "Ct"))  # fmt: skip


_SYLL = ("ash", "bel", "car", "dun", "el", "fair", "glen", "ham", "ing", "ken", "lin",
         "mar", "nor", "or", "port", "ren", "sal", "ton", "vale", "wood", "ville", "burg",
         "field", "ford", "mont", "ber", "chester", "haven", "dale", "ston", "ka", "lo",
         "ri", "ta", "ver", "gan", "dor", "wick", "ley", "brook", "stead", "cliff")  # fmt: skip


def _town_name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLL) for _ in range(rng.randint(2, 3))).capitalize()


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    k = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.33:
        return s[:k] + s[k + 1 :]
    if op < 0.66:
        return s[:k] + s[k + 1] + s[k] + s[k + 2 :]
    return s[:k] + rng.choice(string.ascii_lowercase) + s[k + 1 :]


COPY_SHARE = 0.8  # external records that are noisy copies of internal ones
NAMESAKE_SHARE = 0.25  # of the new external records: an internal name in another town
RECORDS_PER_POSTCODE = 40
_STATES = ("WA", "OR", "CA", "NV", "ID", "MT", "UT", "AZ", "CO", "NM", "TX", "OK", "KS",
           "NE", "MN", "IA", "MO", "WI", "IL", "MI", "IN", "OH", "KY", "TN", "GA", "NC",
           "VA", "PA", "NY", "VT", "ME", "MA")  # fmt: skip


class _Places:
    """Towns (Zipf-sized), their postcodes and phone area codes."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        n_towns = max(20, size // 150)
        weights = [1.0 / (rank**0.75) for rank in range(1, n_towns + 1)]
        total = sum(weights)
        self.towns: list[tuple[str, str, float, float, str]] = []
        self.town_postcodes: list[list[tuple[str, float, float]]] = []
        # towns ordered west to east, so postcodes of one region share a 3-digit prefix
        lons = sorted(rng.uniform(-122.0, -72.0) for _ in range(n_towns))
        order = list(range(n_towns))
        rng.shuffle(order)  # big towns anywhere
        next_code = 1001
        for k, lon in enumerate(lons):
            lat = min(max(rng.gauss(39.0, 5.0), 26.0), 48.5)
            state = _STATES[min(int((lon + 122.0) / 50.0 * len(_STATES)), len(_STATES) - 1)]
            expected = size * weights[order[k]] / total
            n_codes = max(1, round(expected / RECORDS_PER_POSTCODE))
            spread = 0.01 * n_codes**0.5
            codes = []
            for _ in range(n_codes):
                codes.append(
                    (f"{next_code % 100000:05d}", lat + rng.gauss(0, spread),
                     lon + rng.gauss(0, spread))
                )  # fmt: skip
                next_code += 1 + (rng.random() < 0.3)
            area = f"{200 + (k * 7) % 780}"
            self.towns.append((_town_name(rng), state, lat, lon, area))
            self.town_postcodes.append(codes)
        self.cum = []
        acc = 0.0
        for k in range(n_towns):
            acc += weights[order[k]]
            self.cum.append(acc)

    def town(self) -> int:
        return self.rng.choices(range(len(self.towns)), cum_weights=self.cum)[0]

    def postcode(self, town: int) -> tuple[str, float, float]:
        return self.rng.choice(self.town_postcodes[town])


def _name(rng: random.Random, places: _Places, coined: list[str], town: int) -> str:
    roll = rng.random()
    base = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
    if roll < 0.30:
        core = base
    elif roll < 0.55:
        core = rng.choice(coined)
    elif roll < 0.70:
        core = f"{rng.choice(coined)} {rng.choice(_NOUN)}"
    elif roll < 0.85:
        core = f"{places.towns[town][0]} {rng.choice(_NOUN)}"
    else:
        core = f"{rng.choice(_ADJ)} {base}"
    return f"{core} {rng.choice(_KIND)}"


def _entity(rng: random.Random, places: _Places, town: int, name: str) -> dict:
    t_name, state, _, _, area = places.towns[town]
    code, lat, lon = places.postcode(town)
    street, (suffix, _) = rng.choice(_STREET), rng.choice(_SUFFIX)
    rec = {
        "name": name,
        "address": f"{rng.randint(1, 9999)} {street} {suffix}",
        "city": t_name,
        "state": state,
        "postal_code": code,
        "country": "United States",
        "phone": f"{area}{rng.randint(2000000, 9999999)}",
        "website": "http://www." + "".join(c for c in name.lower() if c.isalnum())[:24] + ".com",
        "lat": round(lat + rng.gauss(0, 0.006), 6),
        "lon": round(lon + rng.gauss(0, 0.008), 6),
    }
    for f in ("phone", "website", "lat"):
        if rng.random() < 0.12:
            rec[f] = None
            if f == "lat":
                rec["lon"] = None
    return rec


def _noisy_copy(rng: random.Random, places: _Places, src: dict, town: int) -> dict:
    rec = dict(src)
    r = rng.random
    if r() < 0.3:
        rec["name"] = rec["name"].replace("Company", "Co").replace("Brewing Co", "Brewing")
    if r() < 0.12:
        words = rec["name"].split()
        j = rng.randrange(len(words))
        words[j] = _typo(rng, words[j])
        rec["name"] = " ".join(words)
    if r() < 0.05:
        rec["name"] = rec["name"].upper()
    for long, short in _SUFFIX:
        rec["address"] = rec["address"].replace(long, short) if r() < 0.5 else rec["address"]
    if r() < 0.04:  # moved within town: new street, maybe a new postcode
        rec["address"] = f"{rng.randint(1, 9999)} {rng.choice(_STREET)} {rng.choice(_SUFFIX)[1]}"
        code, lat, lon = places.postcode(town)
        rec["postal_code"] = code
        if rec.get("lat") is not None:
            rec["lat"] = round(lat + rng.gauss(0, 0.006), 6)
            rec["lon"] = round(lon + rng.gauss(0, 0.008), 6)
    elif rec.get("lat") is not None:
        rec["lat"] = round(rec["lat"] + rng.gauss(0, 0.0003), 6)
        rec["lon"] = round(rec["lon"] + rng.gauss(0, 0.0003), 6)
    if r() < 0.04:
        rec["phone"] = f"{rng.randint(200, 989)}{rng.randint(2000000, 9999999)}"
    elif rec.get("phone") and r() < 0.3:
        p = rec["phone"]
        rec["phone"] = f"({p[:3]}) {p[3:6]}-{p[6:]}"
    if r() < 0.05:
        rec["website"] = None
    for f in ("address", "postal_code", "phone"):
        if r() < 0.05:
            rec[f] = None
    return rec


def _ids(rng: random.Random, prefix: str, count: int) -> list[str]:
    """Random, distinct ids: nothing about them pairs an external with an internal record."""
    return [f"{prefix}-{n}" for n in rng.sample(range(10**6, 10**6 + 40 * count), count)]


def generate(size: int, seed: int = 7) -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
    """(internal, external, gold pairs) with `size` records a side."""
    rng = random.Random(seed)
    places = _Places(rng, size)
    coined = sorted(
        {"".join(rng.choice(_SYLL) for _ in range(rng.randint(2, 3))).capitalize()
         for _ in range(max(2000, size // 10))}
    )  # fmt: skip
    chains = [_name(rng, places, coined, places.town()) for _ in range(size // 200 + 1)]
    internal: list[dict] = []
    towns: list[int] = []
    for _ in range(size):
        town = places.town()
        name = rng.choice(chains) if rng.random() < 0.05 else _name(rng, places, coined, town)
        internal.append(_entity(rng, places, town, name))
        towns.append(town)
    n_copies = round(size * COPY_SHARE)
    n_new = size - n_copies
    n_namesakes = round(n_new * NAMESAKE_SHARE)
    sources = rng.sample(range(size), n_copies)
    external = [_noisy_copy(rng, places, internal[k], towns[k]) for k in sources]
    for _ in range(n_namesakes):  # an internal record's name, in another town
        model = rng.randrange(size)
        town = places.town()
        while town == towns[model] and len(places.towns) > 1:
            town = places.town()
        external.append(_entity(rng, places, town, internal[model]["name"]))
    for _ in range(n_new - n_namesakes):
        town = places.town()
        external.append(_entity(rng, places, town, _name(rng, places, coined, town)))
    for rec, rid in zip(internal, _ids(rng, "k", size), strict=True):
        rec["id"] = rid
    for rec, rid in zip(external, _ids(rng, "e", len(external)), strict=True):
        rec["id"] = rid
    gold = [(external[j]["id"], internal[k]["id"]) for j, k in enumerate(sources)]
    rng.shuffle(external)
    rng.shuffle(internal)
    rng.shuffle(gold)
    return internal, external, gold


def write_case(out_dir: str, size: int, seed: int = 7) -> None:
    os.makedirs(out_dir, exist_ok=True)
    internal, external, gold = generate(size, seed)
    for name, rows in (("internal", internal), ("external", external)):
        with open(os.path.join(out_dir, f"{name}.jsonl"), "wb") as fh:
            for row in rows:
                fh.write(orjson.dumps(row) + b"\n")
    with open(os.path.join(out_dir, "gold.jsonl"), "wb") as fh:
        for e, i in gold:
            fh.write(orjson.dumps({"external_id": e, "internal_id": i}) + b"\n")
    with open(os.path.join(out_dir, "case.json"), "w", encoding="utf-8") as fh:
        json.dump(
            {"profile": "location", "source": f"synthetic seed={seed}", "gold_pairs": len(gold),
             "internal_records": len(internal), "external_records": len(external)},
            fh,
        )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(
        prog="python -m syncbridge.matching.synthetic",
        description="Write a synthetic location matching case (internal, external, gold).",
    )
    p.add_argument("out_dir", help="directory to write the case into")
    p.add_argument("--size", type=positive_int, default=100_000, help="records per side")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    write_case(args.out_dir, args.size, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
