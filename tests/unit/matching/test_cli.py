"""The command line per ../shared/contracts/matching-cli.md: output, stats, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncbridge.matching.cli import main


def _write(path: Path, rows: list) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return str(path)


@pytest.fixture
def files(tmp_path: Path, internal_locations, external_locations):
    return (
        _write(tmp_path / "internal.jsonl", internal_locations),
        _write(tmp_path / "external.jsonl", external_locations),
        tmp_path,
    )


def test_given_valid_files_when_run_then_one_line_per_external_and_stats(files) -> None:
    internal, external, tmp = files
    out, stats = tmp / "out.jsonl", tmp / "stats.json"
    code = main(["--internal", internal, "--external", external, "--profile", "location",
                 "--out", str(out), "--stats", str(stats)])  # fmt: skip
    assert code == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 6
    assert {x["external_id"] for x in lines} == {f"e-{n}" for n in range(5)} | {"e-new"}
    for x in lines:
        assert x["decision"] in ("match", "review", "create")
        assert (x["internal_id"] is None) == (x["decision"] == "create")
        assert isinstance(x["score"], float)
        assert isinstance(x["explanation"], dict)
    s = json.loads(stats.read_text())
    for key in ("strategy", "estimated_bytes", "peak_bytes", "candidate_pairs", "scored_pairs",
                "seconds", "external_records", "internal_records"):  # fmt: skip
        assert key in s
    assert s["external_records"] == 6
    assert s["internal_records"] == 6
    assert s["peak_bytes"] > 10_000_000


def _bad(tmp: Path, capsys, internal_rows, external_rows=None, profile="location"):
    internal = _write(tmp / "bad_internal.jsonl", internal_rows)
    external = _write(
        tmp / "bad_external.jsonl", external_rows if external_rows is not None else [{"id": "e"}]
    )
    code = main(["--internal", internal, "--external", external, "--profile", profile,
                 "--out", str(tmp / "o.jsonl")])  # fmt: skip
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ([{"id": "a"}, {"id": "a"}], "bad_internal.jsonl:2: duplicate id 'a'"),
        ([{"id": "a"}, {"name": "no id"}], "bad_internal.jsonl:2: record has no 'id'"),
        ([{"id": 7}], "bad_internal.jsonl:1: 'id' must be a string"),
        (['{"id": "a",'], "bad_internal.jsonl:1: malformed JSON"),
        (["[1, 2]"], "bad_internal.jsonl:1: expected a JSON object"),
        ([{"id": "a", "lat": "north"}], "bad_internal.jsonl:1: record 'a': field 'lat'"),
        ([{"id": "a", "name": ["x"]}], "bad_internal.jsonl:1: record 'a': field 'name'"),
        ([{"id": "a", "lat": True}], "field 'lat'"),
        ([], "bad_internal.jsonl: no records"),
    ],
)
def test_given_bad_input_when_run_then_exit_2_with_one_line(tmp_path, capsys, rows, needle) -> None:
    code, err = _bad(tmp_path, capsys, rows)
    assert code == 2
    assert err.count("\n") == 1
    assert needle in err


def test_given_empty_external_file_when_run_then_exit_2(tmp_path, capsys) -> None:
    code, err = _bad(tmp_path, capsys, [{"id": "a"}], external_rows=[])
    assert code == 2
    assert "bad_external.jsonl: no records" in err


def test_given_unknown_profile_when_run_then_exit_2(tmp_path, capsys) -> None:
    code, err = _bad(tmp_path, capsys, [{"id": "a"}], profile="planets")
    assert code == 2
    assert err.count("\n") == 1
    assert "unknown profile 'planets'" in err


def test_given_missing_file_when_run_then_exit_2(tmp_path, capsys) -> None:
    code = main(["--internal", str(tmp_path / "nope.jsonl"), "--external", str(tmp_path / "x"),
                 "--profile", "location", "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "nope.jsonl: cannot read" in err


def test_given_missing_argument_when_run_then_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--internal", "a"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_blank_lines_and_unknown_fields_are_fine(tmp_path, capsys) -> None:
    internal = _write(tmp_path / "i.jsonl", [{"id": "k", "name": "A", "extra": {"x": 1}}, "  "])
    external = _write(tmp_path / "e.jsonl", [{"id": "e", "name": "A", "nested": [1, 2]}])
    out = tmp_path / "o.jsonl"
    code = main(["--internal", internal, "--external", external, "--profile", "location",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    assert len(out.read_text().splitlines()) == 1


def test_given_parallel_reading_when_run_then_same_output_as_sequential(files, monkeypatch) -> None:
    from syncbridge.matching import records

    internal, external, tmp = files
    outputs = []
    for threshold in (10**12, 0):  # sequential, then the forked reader
        monkeypatch.setattr(records, "PARALLEL_MIN_BYTES", threshold)
        out = tmp / f"out-{threshold}.jsonl"
        assert main(["--internal", internal, "--external", external, "--profile", "location",
                     "--out", str(out)]) == 0  # fmt: skip
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]


def test_given_parallel_reading_when_external_is_bad_then_exit_2(
    tmp_path, capsys, monkeypatch
) -> None:
    from syncbridge.matching import records

    monkeypatch.setattr(records, "PARALLEL_MIN_BYTES", 0)
    code, err = _bad(tmp_path, capsys, [{"id": "a"}], external_rows=[{"id": "x"}, {"id": "x"}])
    assert code == 2
    assert "bad_external.jsonl:2: duplicate id 'x'" in err


def test_library_api_raises_input_error_naming_the_record() -> None:
    from syncbridge.matching import InputError, match_records

    with pytest.raises(InputError, match=r"external:2: duplicate id 'e'"):
        match_records([{"id": "k"}], [{"id": "e"}, {"id": "e"}])
    with pytest.raises(InputError, match="internal: no records"):
        match_records([], [{"id": "e"}])


def test_a_byte_order_mark_and_crlf_line_ends_are_fine(tmp_path) -> None:
    internal = tmp_path / "i.jsonl"
    internal.write_bytes(b'\xef\xbb\xbf{"id": "k", "name": "A"}\r\n{"id": "k2"}\r\n')
    external = _write(tmp_path / "e.jsonl", [{"id": "e", "name": "A"}])
    out = tmp_path / "o.jsonl"
    code = main(["--internal", str(internal), "--external", external, "--profile", "location",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    assert len(out.read_text().splitlines()) == 1
