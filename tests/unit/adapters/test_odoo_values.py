"""Odoo's wire values (False, many2one pairs, second-precision datetimes) at the edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from syncbridge.adapters.odoo import values


def test_false_and_empty_become_none_and_text_stays_text():
    assert values.text(False) is None and values.text(None) is None and values.text("") is None
    assert values.text("ERP024_025_01") == "ERP024_025_01"


def test_many2one_pairs_and_false():
    assert values.many2one_id([4, "Inspection Points"]) == 4
    assert values.many2one_name([4, "Inspection Points"]) == "Inspection Points"
    assert values.many2one_id(False) is None and values.many2one_name(False) is None
    assert values.many2one_id(7) == 7 and values.many2one_id(True) is None


def test_datetimes_are_utc_and_whole_seconds_on_the_wire():
    parsed = values.parse_datetime("2026-11-23 10:58:44")
    assert parsed == datetime(2026, 11, 23, 10, 58, 44, tzinfo=UTC)
    local = datetime(2026, 11, 23, 11, 58, 44, 900_000, tzinfo=timezone(timedelta(hours=1)))
    assert values.format_datetime(local) == "2026-11-23 10:58:44"  # rounded down
    with pytest.raises(ValueError):
        values.format_datetime(datetime(2026, 11, 23))
    with pytest.raises(ValueError):
        values.parse_datetime(False)


def test_plain_text_becomes_escaped_html_paragraphs_for_odoo_html_fields():
    assert values.html_paragraphs(["Rodent <3 min> & more", "", "[sync-bridge:k]"]) == (
        "<p>Rodent &lt;3 min&gt; &amp; more</p><p>[sync-bridge:k]</p>"
    )
