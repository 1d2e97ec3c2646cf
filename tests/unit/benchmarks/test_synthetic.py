"""Generated cases: well-formed, one-to-one gold, partner-less records on both sides."""

from __future__ import annotations

import json

import pytest

from benchmarks.cases import resolve, synthetic_size
from benchmarks.synthetic import SHARED_SHARE, ensure_case, generate, relabel


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_given_a_size_when_generated_then_gold_is_one_to_one_and_ids_are_known(tmp_path):
    case = generate(tmp_path / "c", 2_000, seed=7)

    internal, external, gold = read(case.internal), read(case.external), read(case.gold)

    assert len(internal) == len(external) == 2_000
    assert len(gold) == round(2_000 * SHARED_SHARE)
    internal_ids, external_ids = {r["id"] for r in internal}, {r["id"] for r in external}
    assert len(internal_ids) == len(external_ids) == 2_000
    assert {g["external_id"] for g in gold} <= external_ids
    assert {g["internal_id"] for g in gold} <= internal_ids
    assert len({g["internal_id"] for g in gold}) == len(gold)
    meta = json.loads((case.directory / "case.json").read_text())
    assert meta["profile"] == "location"
    assert meta["externals_without_partner"] == 2_000 - len(gold)


def test_given_the_external_side_then_it_carries_noise_and_missing_fields(tmp_path):
    case = generate(tmp_path / "c", 2_000, seed=7)
    internal = {r["id"]: r for r in read(case.internal)}
    external = {r["id"]: r for r in read(case.external)}
    pairs = [(external[g["external_id"]], internal[g["internal_id"]]) for g in read(case.gold)]

    renamed = sum(e.get("name") != k.get("name") for e, k in pairs)
    without_phone = sum("phone" not in e for e, _ in pairs)
    without_coordinates = sum("lat" not in e for e, _ in pairs)

    assert 0.2 < renamed / len(pairs) < 0.7
    assert without_phone > 0
    assert without_coordinates > 0


def test_given_the_same_seed_then_the_files_are_identical(tmp_path):
    first = generate(tmp_path / "a", 500, seed=3)
    second = generate(tmp_path / "b", 500, seed=3)

    assert first.external.read_bytes() == second.external.read_bytes()
    assert first.gold.read_bytes() == second.gold.read_bytes()


def test_given_a_cached_case_then_it_is_not_generated_again(tmp_path):
    first = ensure_case(tmp_path, 300)
    stamp = first.internal.stat().st_mtime_ns

    second = ensure_case(tmp_path, 300)

    assert second.directory == first.directory
    assert second.internal.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("synthetic-50k", 50_000),
        ("synthetic-1m", 1_000_000),
        ("synthetic-250", 250),
        ("brewery-drift", None),
        ("synthetic-", None),
    ],
)
def test_synthetic_case_names_give_their_size(name, size):
    assert synthetic_size(name) == size


def test_given_a_case_with_telling_ids_when_relabelled_then_gold_still_pairs_the_same_records(
    tmp_path,
):
    source = tmp_path / "raw"
    source.mkdir()
    internal = [{"id": f"k-{n}", "name": f"Brewery {n}"} for n in range(50)]
    external = [{"id": f"e-{n}", "name": f"Brewery {n}"} for n in range(40)]
    (source / "internal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in internal))
    (source / "external.jsonl").write_text("".join(json.dumps(r) + "\n" for r in external))
    gold = [{"external_id": f"e-{n}", "internal_id": f"k-{n}"} for n in range(40)]
    (source / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold))
    (source / "case.json").write_text(json.dumps({"profile": "location"}))

    relabel(source, tmp_path / "out", seed=5)

    out = tmp_path / "out"
    names_i = {r["id"]: r["name"] for r in read(out / "internal.jsonl")}
    names_e = {r["id"]: r["name"] for r in read(out / "external.jsonl")}
    pairs = read(out / "gold.jsonl")
    assert len(pairs) == 40
    assert all(names_e[p["external_id"]] == names_i[p["internal_id"]] for p in pairs)
    telling = sum(p["external_id"][2:] == p["internal_id"][2:] for p in pairs)
    assert telling <= 1
    meta = json.loads((out / "case.json").read_text())
    assert meta["externals_without_partner"] == 0
    assert meta["internal_records"] == 50


@pytest.mark.parametrize("name", ["no-such-case", "synthetic-5k@nowhere", "synthetic-@engine"])
def test_given_an_unknown_case_name_then_resolving_it_fails_clearly(tmp_path, name):
    with pytest.raises(ValueError, match="unknown"):
        list(resolve([name], cases_dir=tmp_path, cache=tmp_path))


def test_given_a_generator_suffix_then_that_generator_makes_the_case(tmp_path):
    (case,) = resolve(["synthetic-300@benchmarks"], cases_dir=tmp_path, cache=tmp_path)

    assert case.kind == "synthetic"
    assert case.profile == "location"
    assert case.meta["internal_records"] == 300
