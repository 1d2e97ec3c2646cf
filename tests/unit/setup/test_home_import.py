"""Loading home records: how cell values are read, and what a refused file tells the caller
(the 422 body carries the line and the field, so a person can fix the right cell); the
reason a failed import shows."""

from __future__ import annotations

import pytest

from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup import home_import
from syncbridge.domain.setup.home_import import MAX_COLUMNS, parse_rows
from syncbridge.domain.setup.importer import _reason

CL = "customer-locations"


def refusal(text: str, fmt: str = "csv") -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        parse_rows(text, fmt, CL)
    return refused.value


def test_blank_cells_are_left_out_not_stored_empty():
    assert parse_rows("id,name,lat,active\nh1,  ,,\n", "csv", CL) == {"h1": {}}


def test_quantities_are_whole_numbers_when_whole_and_other_numbers_stay_decimal():
    rows = parse_rows("id,quantity,lat,lon\nh1,3.0,40,-105.5\nh2,2.5,1,2\n", "csv", CL)
    assert rows["h1"] == {"quantity": 3, "lat": 40.0, "lon": -105.5}
    assert type(rows["h1"]["quantity"]) is int and type(rows["h1"]["lat"]) is float
    assert rows["h2"]["quantity"] == 2.5 and type(rows["h2"]["quantity"]) is float


@pytest.mark.parametrize(
    ("cell", "value"),
    [("true", True), ("Yes", True), ("1", True), ("FALSE", False), ("no", False), ("0", False)],
)
def test_active_reads_the_usual_spellings_of_yes_and_no(cell, value):
    assert parse_rows(f"id,active\nh1,{cell}\n", "csv", CL)["h1"]["active"] is value


def test_active_from_json_keeps_real_booleans():
    text = '{"id": "a", "active": false}\n{"id": "b", "active": true}\n'
    assert parse_rows(text, "jsonl", CL) == {"a": {"active": False}, "b": {"active": True}}


@pytest.mark.parametrize(
    ("text", "details"),
    [
        ("id,lat\nh1,north\n", {"line": 2, "field": "lat"}),
        ("id,active\nh1,maybe\n", {"line": 2, "field": "active"}),
        ("id,name\nh1,A\n,B\n", {"line": 3, "field": "id"}),
        ("id,Bad Column\nh1,X\n", {"line": 2}),
    ],
    ids=["not a number", "not a boolean", "no id", "bad column"],
)
def test_a_refused_row_names_its_line_and_field(text, details):
    assert refusal(text).details == details


def test_a_refused_boolean_says_what_it_must_be():
    assert refusal("id,active\nh1,maybe\n").message == "line 2: active must be true or false"


def test_ids_up_to_200_characters_are_kept_longer_ones_refused():
    assert list(parse_rows(f"id\n{'i' * 200}\n", "csv", CL)) == ["i" * 200]
    assert refusal(f"id\n{'i' * 201}\n").details == {"line": 2, "field": "id"}


def test_at_most_40_columns_and_the_first_five_bad_names_are_shown():
    columns = ["id"] + [f"c{n}" for n in range(MAX_COLUMNS - 1)]
    header, row = ",".join(columns), ",".join(["h1"] + ["x"] * (MAX_COLUMNS - 1))
    assert len(parse_rows(f"{header}\n{row}\n", "csv", CL)["h1"]) == MAX_COLUMNS - 1
    assert "at most 40" in refusal(f"{header},c99\n{row},x\n").message
    bad = "id,B1,B2,B3,B4,B5,B6\nh1,1,2,3,4,5,6\n"
    assert refusal(bad).message.endswith("; not B1, B2, B3, B4, B5")
    assert refusal("id,Bad\nh1,1\n").message.endswith("(at most 40); not Bad")


@pytest.mark.parametrize(
    ("text", "fmt", "resource_type", "message", "details"),
    [
        ("id\nh1\n", "csv", "pubs", "unknown resource type pubs", {"field": "resource_type"}),
        ("id\nh1\n", "xml", CL, "format must be csv or jsonl", {"field": "format"}),
        ('{"id": "a"}\n{id: b}\n', "jsonl", CL, "line 2: not valid JSON", {"line": 2}),
        ('["a"]\n', "jsonl", CL, "line 1: a record must be an object", {"line": 1}),
        ("id\nh1\nh2\nh1\n", "csv", CL, "line 4: id h1 appears twice", {"line": 4, "field": "id"}),
    ],
    ids=["resource type", "format", "json", "not an object", "twice"],
)
def test_every_refused_file_says_what_and_where(text, fmt, resource_type, message, details):
    with pytest.raises(InvalidInput) as refused:
        parse_rows(text, fmt, resource_type)
    assert (refused.value.message, refused.value.details) == (message, details)


def test_at_most_max_rows_records_per_file(monkeypatch):
    monkeypatch.setattr(home_import, "MAX_ROWS", 3)
    assert len(parse_rows("id\na\nb\nc\n", "csv", CL)) == 3
    too_many = refusal("id\na\nb\nc\nd\n")
    assert (too_many.message, too_many.details) == ("at most 3 records per file", {"limit": 3})


def test_a_failed_imports_reason_is_its_first_line_within_300_characters():
    assert (
        _reason(TimeoutError("ekos does not answer\nretry later"))
        == "TimeoutError: ekos does not answer"
    )
    assert _reason(ValueError("x" * 400)) == ("ValueError: " + "x" * 400)[:300]
    assert _reason(ConnectionError()) == "ConnectionError"
    assert _reason(ConnectionError("  ")) == "ConnectionError"
