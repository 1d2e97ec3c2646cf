"""Generated location cases (brewery-like records) with gold answers, for scale runs.

Each entity gets a name, street address, city, state, postal code, phone, website and
coordinates around its city's centre. The internal side holds clean-ish records; the
external side holds noisy copies of most of them: typos, legal-suffix and street
abbreviations ("Brewing Company" / "Brewing Co", "Street" / "St"), other phone and
postal formats, missing fields, jittered coordinates, and a few entities that moved
(new address, coordinates kilometres away, sometimes a new phone). 80 % of each side
has a partner; of the 20 % new external records a quarter are namesakes of a partnered
one in another city (the trap of blocking on the name alone). Cities are Zipf-sized and
have postcodes in proportion (about 40 records each), so no postcode holds more than a
fraction of a percent of the records. Ids are random and the files shuffled.

Deterministic for a given size and seed; `ensure_case` writes the files once into a
cache folder and reuses them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.casefiles import CaseFiles

GENERATOR_VERSION = 2
SHARED_SHARE = 0.8  # share of each side's records that have a partner on the other side
NAMESAKE_SHARE = 0.25  # of the partner-less external records: a partnered name, another city
RECORDS_PER_POSTCODE = 40  # postcodes per city grow with the city, as real ones do


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "Red Hop River Mountain Iron Copper Golden Silver Black White Blue Green Old New Wild "
    "Lucky Rusty Happy Crooked Hidden Lost Broken Twin Lone Little Big Great Northern "
    "Southern Eastern Western Prairie Valley Canyon Harbor Bay Lake Creek Forest Oak Pine "
    "Cedar Maple Willow Birch Elm Stone Rock Granite Flint Anvil Hammer Barrel Keg Cask "
    "Bottle Tap Pint Growler Yeast Malt Barley Wheat Rye Grain Mill Farm Field Orchard "
    "Garden Bear Wolf Fox Elk Moose Eagle Hawk Owl Raven Crow Salmon Trout Bison Badger "
    "Otter Beaver Coyote Dragon Griffin Phoenix Pirate Monk Abbey Saint Brother Sister "
    "Uncle Captain Station Depot Railway Bridge Tower Castle Fort Anchor Compass Lantern "
    "Thunder Lightning Storm Rain Snow Frost Sun Moon Star Comet Atlas Summit Ridge Peak "
    "Hollow Meadow Grove Island Coast Shore Dune Mesa Butte Bluff Falls Spring Well Fountain"
)
SYLLABLES = _words(
    "ka lo ra mi ne ta ver son ber gan dor el an ri co mar tin lan wick ford ton ham "
    "ley field wood brook vale mont ash wyn hol stead ville burg port haven cliff"
)
SUFFIXES = {
    "Brewing Company": ("Brewing Co", "Brewing Co.", "Brewing", "Brewing Company LLC"),
    "Brewery": ("Brewing", "Brewery Inc", "Brewery LLC"),
    "Beer Company": ("Beer Co", "Beer Co.", "Beer"),
    "Brewing": ("Brewing Company", "Brewing Co"),
    "Taproom": ("Tap Room", "Taproom & Brewery"),
    "Ales": ("Ale House", "Ales Ltd"),
    "Brewhouse": ("Brew House", "Brewhouse & Kitchen"),
    "Craft Brewery": ("Craft Brewing", "Craft Brewery Co"),
    "Brewpub": ("Brew Pub", "Brewpub & Grill"),
    "Cellars": ("Cellar", "Cellars Inc"),
}
STREET_TYPES = {
    "Street": "St",
    "Avenue": "Ave",
    "Road": "Rd",
    "Boulevard": "Blvd",
    "Drive": "Dr",
    "Lane": "Ln",
    "Highway": "Hwy",
    "Parkway": "Pkwy",
    "Court": "Ct",
    "Place": "Pl",
}
STATES = _words(
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
    "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland "
    "Massachusetts Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio "
    "Oklahoma Oregon Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin "
    "Wyoming"
)


@dataclass(frozen=True)
class SyntheticCase(CaseFiles):
    directory: Path
    records_per_side: int


class _Builder:
    """Holds the random sources and the vocabularies of one generated case."""

    def __init__(self, records_per_side: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        rng = self.rng
        coined = {
            (rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).title()
            for _ in range(3000)
        }
        self.words = list(WORDS) + sorted(coined)
        # Frequent words are more frequent, as in real business names.
        ranks = np.arange(1, len(self.words) + 1, dtype=float)
        self.word_weights = list(np.cumsum(1.0 / ranks**0.6))
        cities = max(200, records_per_side // 150)
        self.city_names = self._unique_city_names(cities)
        self.city_state = [rng.choice(STATES) for _ in range(cities)]
        self.city_lat = self.np_rng.uniform(25.5, 48.5, cities)
        self.city_lon = self.np_rng.uniform(-123.5, -70.0, cities)
        self.city_zip = self.np_rng.integers(1000, 99000, cities)
        city_ranks = np.arange(1, cities + 1, dtype=float)
        share = (1.0 / city_ranks**0.8) / float((1.0 / city_ranks**0.8).sum())
        self.city_zips = np.maximum(1, np.round(share * records_per_side / RECORDS_PER_POSTCODE))
        self.city_area = self.np_rng.integers(201, 989, cities)
        self.city_weights = list(np.cumsum(1.0 / city_ranks**0.8))
        self.suffixes = list(SUFFIXES)

    def _unique_city_names(self, count: int) -> list[str]:
        names: set[str] = set()
        rng = self.rng
        while len(names) < count:
            base = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).title()
            if rng.random() < 0.3:
                base = f"{rng.choice(('North', 'South', 'East', 'West', 'New', 'Port'))} {base}"
            elif rng.random() < 0.3:
                base = base + rng.choice(("ville", "ton", " City", " Springs", " Falls"))
            names.add(base)
        return sorted(names)

    def word(self) -> str:
        return self.rng.choices(self.words, cum_weights=self.word_weights)[0]

    def name(self, city: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            core = f"{self.word()} {self.word()}"
        elif roll < 0.75:
            core = self.word()
        elif roll < 0.9:
            core = f"{self.word()} {self.word()} {self.word()}"
        else:
            core = self.city_names[city].split()[-1]
        return f"{core} {rng.choice(self.suffixes)}"

    def street(self) -> str:
        rng = self.rng
        street_type = rng.choice(list(STREET_TYPES))
        address = f"{rng.randint(1, 19999)} {self.word()} {street_type}"
        if rng.random() < 0.15:
            address += f" Ste {rng.randint(1, 400)}"
        return address

    def entity(self) -> dict[str, object]:
        rng = self.rng
        city = rng.choices(range(len(self.city_names)), cum_weights=self.city_weights)[0]
        return self.entity_in(city, self.name(city))

    def postcode(self, city: int) -> str:
        offset = self.rng.randrange(int(self.city_zips[city]))
        return f"{(int(self.city_zip[city]) + offset) % 100000:05d}"

    def entity_in(self, city: int, name: str) -> dict[str, object]:
        rng = self.rng
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        return {
            "name": name,
            "address": self.street(),
            "city": self.city_names[city],
            "state": self.city_state[city],
            "postal_code": self.postcode(city),
            "country": "United States",
            "phone": f"{self.city_area[city]}{rng.randint(2000000, 9999999)}",
            "website": f"http://www.{slug}.com" if rng.random() < 0.7 else None,
            "lat": round(float(self.city_lat[city]) + rng.gauss(0, 0.05), 6),
            "lon": round(float(self.city_lon[city]) + rng.gauss(0, 0.06), 6),
            "_city": city,
        }


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + letter + text[i:]
    if kind == 2:
        return text[:i] + letter + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _vary_suffix(rng: random.Random, name: str) -> str:
    for suffix, variants in SUFFIXES.items():
        if name.endswith(" " + suffix):
            return name[: -len(suffix)] + rng.choice(variants)
    return name


def _vary_street(rng: random.Random, address: str) -> str:
    for long, short in STREET_TYPES.items():
        if f" {long}" in address:
            return address.replace(f" {long}", f" {short}" + ("." if rng.random() < 0.2 else ""))
    return address


def _phone_format(rng: random.Random, digits: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if style == 1:
        return f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if style == 2:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    return digits


def _noisy_copy(builder: _Builder, record: dict[str, object]) -> dict[str, object]:
    """The external side's version of an entity: what drift and data entry do to it."""
    rng = builder.rng
    out = dict(record)
    name = str(out["name"])
    if rng.random() < 0.3:
        name = _vary_suffix(rng, name)
    if rng.random() < 0.12:
        name = _typo(rng, name)
    if rng.random() < 0.04:
        name = name.upper()
    if rng.random() < 0.03:
        name = "The " + name
    if rng.random() < 0.01:
        name = builder.name(int(out["_city"]))  # rebranded: a new name, same place
    out["name"] = name
    moved = rng.random() < 0.03
    if moved:
        out["address"] = builder.street()
        out["lat"] = round(float(out["lat"]) + rng.uniform(-0.08, 0.08), 6)
        out["lon"] = round(float(out["lon"]) + rng.uniform(-0.08, 0.08), 6)
        if rng.random() < 0.5:
            out["phone"] = f"{str(out['phone'])[:3]}{rng.randint(2000000, 9999999)}"
    else:
        if rng.random() < 0.5:
            out["address"] = _vary_street(rng, str(out["address"]))
        if rng.random() < 0.05:
            out["address"] = _typo(rng, str(out["address"]))
        if rng.random() < 0.7:
            out["lat"] = round(float(out["lat"]) + rng.gauss(0, 0.0003), 6)
            out["lon"] = round(float(out["lon"]) + rng.gauss(0, 0.0003), 6)
    if rng.random() < 0.08:
        out["address"] = None
    if rng.random() < 0.02:
        out["city"] = _typo(rng, str(out["city"]))
    if rng.random() < 0.03:
        out["city"] = None
    if rng.random() < 0.3:
        out["postal_code"] = f"{out['postal_code']}-{rng.randint(0, 9999):04d}"
    if rng.random() < 0.05:
        out["postal_code"] = None
    out["phone"] = _phone_format(rng, str(out["phone"])) if rng.random() < 0.85 else None
    if out["website"] is not None:
        if rng.random() < 0.2:
            out["website"] = None
        elif rng.random() < 0.3:
            out["website"] = str(out["website"]).replace("http://www.", "https://") + "/"
    if rng.random() < 0.2:
        out["lat"] = out["lon"] = None
    return out


def _drop_internal_fields(builder: _Builder, record: dict[str, object]) -> dict[str, object]:
    """Internal records miss fields too (never-geocoded sites, unknown phones)."""
    rng = builder.rng
    out = dict(record)
    if rng.random() < 0.25:
        out["lat"] = out["lon"] = None
    if rng.random() < 0.1:
        out["phone"] = None
    if rng.random() < 0.04:
        out["address"] = None
    return out


def _namesake(builder: _Builder, shared_entities: list[dict[str, object]]) -> dict[str, object]:
    """A partner-less external record named like one that has a partner, in another city
    (chains, and the many "Main Street Brewing"s): the trap of blocking on the name alone."""
    rng = builder.rng
    model = rng.choice(shared_entities)
    city = int(model["_city"])
    while city == int(model["_city"]) and len(builder.city_names) > 1:
        city = rng.choices(range(len(builder.city_names)), cum_weights=builder.city_weights)[0]
    return builder.entity_in(city, str(model["name"]))


def _ids(rng: random.Random, prefix: str, count: int) -> list[str]:
    numbers = rng.sample(range(1, count * 20), count)
    return [f"{prefix}-{n}" for n in numbers]


def _write(path: Path, records: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            row = {k: v for k, v in record.items() if not k.startswith("_") and v is not None}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def generate(directory: Path, records_per_side: int, seed: int = 20261123) -> SyntheticCase:
    """Write internal.jsonl, external.jsonl, gold.jsonl and case.json into `directory`."""
    builder = _Builder(records_per_side, seed)
    rng = builder.rng
    shared = round(records_per_side * SHARED_SHARE)
    alone = records_per_side - shared
    entities = [builder.entity() for _ in range(shared + alone)]
    shared_entities, internal_only = entities[:shared], entities[shared:]
    traps = [_namesake(builder, shared_entities) for _ in range(round(alone * NAMESAKE_SHARE))]
    external_only = traps + [builder.entity() for _ in range(alone - len(traps))]

    internal_records = [_drop_internal_fields(builder, e) for e in shared_entities + internal_only]
    external_records = [_noisy_copy(builder, e) for e in shared_entities]
    external_records += [_noisy_copy(builder, e) for e in external_only]
    internal_ids = _ids(rng, "k", len(internal_records))
    external_ids = _ids(rng, "e", len(external_records))
    for record, record_id in zip(internal_records, internal_ids, strict=True):
        record["id"] = record_id
    for record, record_id in zip(external_records, external_ids, strict=True):
        record["id"] = record_id
    gold = [{"external_id": external_ids[i], "internal_id": internal_ids[i]} for i in range(shared)]
    rng.shuffle(internal_records)
    rng.shuffle(external_records)
    rng.shuffle(gold)

    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "internal.jsonl", [{"id": r["id"], **r} for r in internal_records])
    _write(directory / "external.jsonl", [{"id": r["id"], **r} for r in external_records])
    with (directory / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for pair in gold:
            handle.write(json.dumps(pair) + "\n")
    case = {
        "profile": "location",
        "source": f"benchmarks/synthetic.py v{GENERATOR_VERSION}, seed {seed}",
        "description": "Generated brewery-like locations with realistic noise and traps.",
        "license": "generated",
        "internal_records": len(internal_records),
        "external_records": len(external_records),
        "gold_pairs": len(gold),
        "externals_without_partner": len(external_records) - len(gold),
    }
    (directory / "case.json").write_text(json.dumps(case, indent=2) + "\n")
    return SyntheticCase(directory, records_per_side)


def relabel(source: Path, target: Path, seed: int = 20261123) -> None:
    """Copy a generated case with fresh random ids and shuffled lines, so that neither ids
    nor order say anything about the answer (the rule of ../shared/bench/README.md).
    Records are kept as JSON text, not dicts, so a million-record side stays small."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    mappings: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    for side, prefix in (("internal", "k"), ("external", "e")):
        with (source / f"{side}.jsonl").open(encoding="utf-8") as handle:
            lines = [line for line in handle if line.strip()]
        new_ids = _ids(rng, prefix, len(lines))
        mapping: dict[str, str] = {}
        for index, new_id in enumerate(new_ids):
            record = json.loads(lines[index])
            mapping[str(record["id"])] = new_id
            record["id"] = new_id
            lines[index] = json.dumps(record, ensure_ascii=False) + "\n"
        rng.shuffle(lines)
        (target / f"{side}.jsonl").write_text("".join(lines), encoding="utf-8")
        mappings[side], counts[side] = mapping, len(lines)
        del lines
    with (source / "gold.jsonl").open(encoding="utf-8") as handle:
        gold = [
            json.dumps(
                {
                    "external_id": mappings["external"][str(pair["external_id"])],
                    "internal_id": mappings["internal"][str(pair["internal_id"])],
                }
            )
            + "\n"
            for pair in map(json.loads, filter(str.strip, handle))
        ]
    rng.shuffle(gold)
    (target / "gold.jsonl").write_text("".join(gold), encoding="utf-8")
    meta = json.loads((source / "case.json").read_text())
    meta.update(
        internal_records=counts["internal"],
        external_records=counts["external"],
        gold_pairs=len(gold),
        externals_without_partner=counts["external"] - len(gold),
        ids="relabelled and shuffled by benchmarks/synthetic.py",
    )
    (target / "case.json").write_text(json.dumps(meta, indent=2) + "\n")


def ensure_case(cache: Path, records_per_side: int, seed: int = 20261123) -> SyntheticCase:
    """The case for this size, generated on first use and kept in `cache`."""
    directory = cache / f"v{GENERATOR_VERSION}-{records_per_side}-{seed}"
    if not (directory / "case.json").exists():
        generate(directory, records_per_side, seed)
    return SyntheticCase(directory, records_per_side)
