"""Pagination cursors: a day's validity, a refusal that names the `cursor` field, and
positions that must be non-empty objects (the sealing itself: tests/unit/api/test_edge.py)."""

from __future__ import annotations

import json

import pytest

from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup import cursor as cursors

CONTEXT = "tenant-a#products#match#"
T0 = 1_800_000_000


def at(monkeypatch, moment: float) -> None:
    """Fernet stamps and checks its tokens with time.time()."""
    monkeypatch.setattr("cryptography.fernet.time.time", lambda: moment)


def test_a_cursor_is_honoured_for_a_day_and_refused_after(monkeypatch):
    at(monkeypatch, T0)
    token = cursors.encode({"offset": 50}, context=CONTEXT, key=b"k")
    at(monkeypatch, T0 + cursors.MAX_AGE_SECONDS - 1)
    assert cursors.decode(token, context=CONTEXT, key=b"k") == {"offset": 50}
    at(monkeypatch, T0 + cursors.MAX_AGE_SECONDS + 1)
    with pytest.raises(InvalidInput):
        cursors.decode(token, context=CONTEXT, key=b"k")


def test_a_refused_cursor_names_the_cursor_field():
    with pytest.raises(InvalidInput) as refused:
        cursors.decode("not a cursor", context=CONTEXT)
    assert refused.value.details == {"field": "cursor"}
    assert refused.value.message == "cursor is not one this API issued for this listing"


@pytest.mark.parametrize("position", [["offset", 50], "offset", 50])
def test_a_sealed_position_that_is_not_an_object_is_refused(monkeypatch, position):
    """Only this API seals cursors; still, a position must be a non-empty object."""
    token = (
        cursors._fernet(b"k").encrypt(json.dumps({"c": CONTEXT, "p": position}).encode()).decode()
    )
    with pytest.raises(InvalidInput):
        cursors.decode(token, context=CONTEXT, key=b"k")


def test_nothing_to_encode_is_no_cursor_and_no_cursor_is_the_first_page():
    assert cursors.encode({}, context=CONTEXT) is None and cursors.encode(None) is None
    assert (
        cursors.decode(None, context=CONTEXT) is None
        and cursors.decode("", context=CONTEXT) is None
    )
