"""What the peers share: light cleaning and the one-to-one choice by best score."""

from __future__ import annotations

import json

import pytest

np = pytest.importorskip("numpy", reason="numpy is in requirements-dev.txt: run `make venv`")
pd = pytest.importorskip("pandas", reason="pandas is in requirements-dev.txt: run `make venv`")

from benchmarks.peers.common import (  # noqa: E402
    clean_phone,
    clean_postal,
    clean_text,
    clean_website,
    one_to_one,
    write_output,
)
from benchmarks.validate import validate_output  # noqa: E402


def test_given_overlapping_candidates_then_best_scores_win_and_each_id_is_used_once():
    external = np.array(["e-1", "e-1", "e-2", "e-2", "e-3"])
    internal = np.array(["k-1", "k-2", "k-1", "k-3", "k-3"])
    scores = np.array([0.9, 0.8, 0.95, 0.5, 0.7])

    chosen = one_to_one(external, internal, scores)

    assert chosen == [("e-2", "k-1", 0.95), ("e-1", "k-2", 0.8), ("e-3", "k-3", 0.7)]


def test_given_messy_fields_then_cleaning_gives_comparable_keys():
    assert clean_text(pd.Series(["  Café  Brewing, Co. ", "", None])).tolist() == [
        "cafe brewing co",
        None,
        None,
    ]
    assert clean_phone(pd.Series(["+1 (303) 555-1234", "12", None])).tolist() == [
        "3035551234",
        None,
        None,
    ]
    assert clean_website(pd.Series(["https://www.Example.com/beer", None])).tolist() == [
        "example.com",
        None,
    ]
    assert clean_postal(pd.Series(["20151-4009", "BN27 4QR", None])).tolist() == [
        "20151",
        "BN274QR",
        None,
    ]


def test_given_links_then_the_output_is_one_line_per_external_record_and_valid(tmp_path):
    path = tmp_path / "out.jsonl"

    write_output(path, ["e-1", "e-2"], [("e-2", "k-1", 0.8)], {("e-2", "k-1"): {"name": 0.8}})

    rows = [json.loads(x) for x in path.read_text().splitlines()]
    assert [r["decision"] for r in rows] == ["create", "match"]
    assert validate_output(path.read_text().splitlines(), ["e-1", "e-2"], ["k-1"]).ok
