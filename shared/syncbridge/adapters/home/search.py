"""Free-text matching shared by every HomePlatform implementation."""

from __future__ import annotations

from syncbridge.domain.home import HomeRecord
from syncbridge.domain.setup.records import search_text


def matches(record: HomeRecord, query: str) -> bool:
    """True when every word of `query` occurs in the record's searchable text or its id."""
    words = query.lower().split()
    if not words:
        return True
    haystack = f"{record.id.lower()} {search_text(record.kind, record.fields)}"
    return all(word in haystack for word in words)
