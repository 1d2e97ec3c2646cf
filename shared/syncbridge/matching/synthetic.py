"""Synthetic location cases for scale tests: brewery-like records with realistic noise.

    python -m syncbridge.matching.synthetic OUT_DIR --size 100000 [--seed 7]

writes OUT_DIR/internal.jsonl, external.jsonl, gold.jsonl and case.json (the layout of
../shared/bench/cases). The external side holds noisy copies of ~92 % of the internal
records plus new ones. Noise: typos, abbreviations ("Company" -> "Co", "Street" ->
"St"), dropped fields, jittered coordinates, moves to another address in the same town,
changed phones and websites, and chains: the same name in many towns.
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


def _town_name(rng: random.Random) -> str:
    syll = ["ash", "bel", "car", "dun", "el", "fair", "glen", "ham", "ing", "ken", "lin",
            "mar", "nor", "or", "port", "ren", "sal", "ton", "vale", "wood", "ville", "burg",
            "field", "ford", "mont", "ber", "chester", "haven", "dale", "ston"]  # fmt: skip
    return "".join(rng.choice(syll) for _ in range(rng.randint(2, 3))).capitalize()


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


def generate(size: int, seed: int = 7) -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
    """(internal, external, gold pairs) with `size` records a side."""
    rng = random.Random(seed)
    n_towns = max(20, size // 60)
    towns = []
    for t in range(n_towns):
        # towns cluster around a few hundred metro areas, like real businesses do
        lat = rng.gauss(38.0, 6.0)
        lon = rng.uniform(-122.0, -72.0)
        towns.append(
            (
                _town_name(rng),
                rng.choice(["CO", "CA", "OR", "WA", "NY", "TX", "MI", "PA", "NC", "VT"]),
                min(max(lat, 25.0), 48.5),
                lon,
                f"{10000 + (t * 7919) % 89999:05d}",
                f"{200 + t % 780}",
            )
        )
    chains = [
        f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_KIND)}"
        for _ in range(size // 200 + 1)
    ]
    internal: list[dict] = []
    for k in range(size):
        town = towns[min(int(rng.paretovariate(1.2)) - 1, n_towns - 1) if rng.random() < 0.3
                     else rng.randrange(n_towns)]  # fmt: skip
        if rng.random() < 0.05:
            name = rng.choice(chains)
        else:
            name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_KIND)}"
            if rng.random() < 0.5:
                name = (
                    f"{rng.choice(_ADJ)} {name}"
                    if rng.random() < 0.5
                    else f"{_town_name(rng)} {name}"
                )
        street, (suffix, _) = rng.choice(_STREET), rng.choice(_SUFFIX)
        rec = {
            "id": f"k-{k}",
            "name": name,
            "address": f"{rng.randint(1, 9999)} {street} {suffix}",
            "city": town[0],
            "state": town[1],
            "postal_code": town[4],
            "country": "United States",
            "phone": f"{town[5]}{rng.randint(2000000, 9999999)}",
            "website": "http://www."
            + "".join(c for c in name.lower() if c.isalnum())[:24]
            + ".com",
            "lat": round(town[2] + rng.gauss(0, 0.03), 6),
            "lon": round(town[3] + rng.gauss(0, 0.03), 6),
        }
        for f in ("phone", "website", "lat"):
            if rng.random() < 0.12:
                rec[f] = None
                if f == "lat":
                    rec["lon"] = None
        internal.append(rec)

    external: list[dict] = []
    gold: list[tuple[str, str]] = []
    for k, src in enumerate(internal):
        if rng.random() > 0.92:
            continue
        rec = dict(src)
        rec["id"] = f"e-{k}"
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
        if r() < 0.04:  # moved within town
            rec["address"] = (
                f"{rng.randint(1, 9999)} {rng.choice(_STREET)} {rng.choice(_SUFFIX)[1]}"
            )
            if rec.get("lat") is not None:
                rec["lat"] = round(rec["lat"] + rng.gauss(0, 0.02), 6)
                rec["lon"] = round(rec["lon"] + rng.gauss(0, 0.02), 6)
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
        external.append(rec)
        gold.append((rec["id"], src["id"]))
    n_new = size - len(external)
    for k in range(n_new):
        town = rng.choice(towns)
        name = (rng.choice(chains) if rng.random() < 0.2
                else f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_KIND)}")  # fmt: skip
        external.append(
            {
                "id": f"e-new-{k}",
                "name": name,
                "address": f"{rng.randint(1, 9999)} {rng.choice(_STREET)} St",
                "city": town[0],
                "state": town[1],
                "postal_code": town[4],
                "phone": f"{town[5]}{rng.randint(2000000, 9999999)}",
                "lat": round(town[2] + rng.gauss(0, 0.03), 6),
                "lon": round(town[3] + rng.gauss(0, 0.03), 6),
            }
        )
    rng.shuffle(external)
    rng.shuffle(internal)
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
