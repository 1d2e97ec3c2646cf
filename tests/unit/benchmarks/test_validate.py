"""The strict output check: every rule of ../shared/bench/README.md, violated one at a time."""

from __future__ import annotations

import json

import pytest

from benchmarks.validate import MAX_VIOLATIONS_KEPT, validate_output

EXTERNAL = ["e-1", "e-2", "e-3"]
INTERNAL = ["k-1", "k-2", "k-3"]


def line(external_id, internal_id, decision, score=0.9, explanation=None, **extra):
    row = {
        "external_id": external_id,
        "internal_id": internal_id,
        "score": score,
        "decision": decision,
        "explanation": {"name": 1.0} if explanation is None else explanation,
        **extra,
    }
    return json.dumps(row)


def valid_lines():
    return [
        line("e-1", "k-1", "match"),
        line("e-2", "k-2", "review", score=0.5),
        line("e-3", None, "create", score=0.0, explanation={}),
    ]


def check(lines):
    return validate_output(lines, EXTERNAL, INTERNAL)


def test_given_a_valid_output_when_validated_then_every_line_is_kept():
    result = check(valid_lines())

    assert result.ok, result.violations
    assert [(x.external_id, x.internal_id, x.decision) for x in result.lines] == [
        ("e-1", "k-1", "match"),
        ("e-2", "k-2", "review"),
        ("e-3", None, "create"),
    ]


def test_given_lines_in_any_order_with_extra_fields_then_it_is_still_valid():
    lines = list(reversed(valid_lines()))
    lines[0] = line("e-3", None, "create", score=0, explanation={}, strategy="exact")

    assert check(lines).ok


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [
                line("e-1", "k-1", "match"),
                line("e-2", "k-1", "review"),
                line("e-3", None, "create"),
            ],
            "linked twice",
            id="duplicate-internal-id",
        ),
        pytest.param(
            [line("e-1", "k-1", "match"), line("e-2", "k-2", "match")],
            "without an output line",
            id="missing-external-line",
        ),
        pytest.param(
            [*valid_lines(), line("e-1", None, "create", score=0)],
            "again",
            id="duplicate-external-id",
        ),
        pytest.param(
            [line("e-1", "k-1", "accept"), *valid_lines()[1:]],
            "not in match|review|create",
            id="wrong-decision",
        ),
        pytest.param(
            [line("e-9", "k-1", "match"), *valid_lines()],
            "unknown external_id",
            id="unknown-external-id",
        ),
        pytest.param(
            [line("e-1", "k-9", "match"), *valid_lines()[1:]],
            "unknown internal_id",
            id="unknown-internal-id",
        ),
        pytest.param(
            [line("e-1", None, "match"), *valid_lines()[1:]],
            "without a string internal_id",
            id="match-without-internal-id",
        ),
        pytest.param(
            [*valid_lines()[:2], line("e-3", "k-3", "create")],
            "must be null",
            id="create-with-internal-id",
        ),
        pytest.param(
            [line("e-1", "k-1", "match", score="0.9"), *valid_lines()[1:]],
            "not a finite number",
            id="score-as-string",
        ),
        pytest.param(
            [line("e-1", "k-1", "match", score=True), *valid_lines()[1:]],
            "not a finite number",
            id="score-as-bool",
        ),
        pytest.param(
            [line("e-1", "k-1", "match", explanation=[1, 2]), *valid_lines()[1:]],
            "explanation is not an object",
            id="explanation-not-object",
        ),
        pytest.param(
            ['{"external_id": "e-1", ', *valid_lines()[1:]],
            "not JSON",
            id="malformed-json",
        ),
        pytest.param(
            ["[1, 2]", *valid_lines()[1:]],
            "not a JSON object",
            id="not-an-object",
        ),
        pytest.param(
            [*valid_lines()[:2], "", valid_lines()[2]],
            "blank line",
            id="blank-line",
        ),
        pytest.param(
            [
                json.dumps(
                    {"external_id": "e-1", "decision": "create", "score": 0, "explanation": {}}
                ),
                *valid_lines()[1:],
            ],
            "internal_id absent",
            id="internal-id-absent",
        ),
        pytest.param(
            [line(["e-1"], "k-1", ["match"]), *valid_lines()[1:]],
            "external_id missing or not a string",
            id="unhashable-values",
        ),
    ],
)
def test_given_a_contract_violation_when_validated_then_the_run_is_rejected(lines, expected):
    result = check(lines)

    assert not result.ok
    assert any(expected in message for message in result.violations), result.violations


def test_given_many_violations_then_all_are_counted_but_few_are_kept():
    lines = ["not json"] * (MAX_VIOLATIONS_KEPT + 10)

    result = check(lines)

    assert result.violation_count == MAX_VIOLATIONS_KEPT + 10 + 1  # + the missing lines
    assert len(result.violations) == MAX_VIOLATIONS_KEPT


def test_given_an_empty_output_then_every_external_record_is_missing():
    result = check([])

    assert not result.ok
    assert result.violations == ["3 external record(s) without an output line (e.g. e-1, e-2, e-3)"]
