"""Audit exports: every page of the query, at most the export limit, in CSV (before/after as
JSON text, columns fixed) or JSON Lines."""

from __future__ import annotations

import csv
import io
import json

from syncbridge.domain.setup.models import Page
from syncbridge.domain.sync.audit import CSV_COLUMNS, AuditQuery, export, iter_entries


class FakeAuditReader:
    """A tenant's audit entries served in pages, as the store does (opaque cursor)."""

    def __init__(self, entries):
        self.entries, self.calls = entries, []

    def query(self, tenant_id, query, cursor=None, limit=50):
        self.calls.append((tenant_id, cursor, limit))
        start = int(cursor or 0)
        page = self.entries[start : start + limit]
        more = start + limit < len(self.entries)
        return Page(items=page, next_cursor=str(start + limit) if more else None)

    def retention(self, tenant_id):  # pragma: no cover - not used here
        raise NotImplementedError

    def set_retention(self, tenant_id, policy):  # pragma: no cover - not used here
        raise NotImplementedError


def entries(n):
    return [
        {"entry_id": f"e{k}", "actor": "ekos", "before": None, "after": {"n": k}} for k in range(n)
    ]


def test_every_page_is_read_in_pages_of_200():
    reader = FakeAuditReader(entries(450))
    got = list(iter_entries(reader, "tenant-a", AuditQuery()))
    assert [e["entry_id"] for e in got] == [f"e{k}" for k in range(450)]
    assert reader.calls == [
        ("tenant-a", None, 200),
        ("tenant-a", "200", 200),
        ("tenant-a", "400", 200),
    ]


def test_an_export_stops_at_its_limit_without_reading_further():
    reader = FakeAuditReader(entries(450))
    got = list(iter_entries(reader, "tenant-a", AuditQuery(), limit=200))
    assert len(got) == 200 and len(reader.calls) == 1
    assert len(list(iter_entries(FakeAuditReader(entries(3)), "t", AuditQuery(), limit=3))) == 3


def test_csv_has_the_fixed_columns_and_json_text_for_before_and_after():
    rows = [
        {
            "entry_id": "e1",
            "actor": "ekos",
            "before": None,
            "after": {"b": 1, "a": "x"},
            "extra": "?",
        }
    ]
    text = export(FakeAuditReader(rows), "t", AuditQuery(), "csv")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    [row] = list(reader)
    assert row["before"] == "" and row["after"] == '{"a": "x", "b": 1}' and row["entry_id"] == "e1"


def test_json_lines_are_one_sorted_object_per_entry():
    text = export(FakeAuditReader(entries(2)), "t", AuditQuery(), "jsonl")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 3
    assert [json.loads(line) for line in lines[:2]] == entries(2)
    assert lines[0] == json.dumps(entries(1)[0], sort_keys=True)
