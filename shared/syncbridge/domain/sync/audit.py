"""The audit trail of sync changes: what changed (before/after), who, from where, when.

Entries are append-only: every write adds one, a replayed message adds another (with the
same `entry_id`, the logical change it describes), nothing is ever overwritten. Reads are
per tenant, filtered by resource, actor and time, newest first, paginated by an opaque
cursor; exports stream the same query as CSV or JSON Lines. Each tenant's retention
policy (days) sets the expiry of the entries written under it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, Field

from syncbridge.domain.setup.models import Page

MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
EXPORT_LIMIT = 50_000
CSV_COLUMNS = (
    "at",
    "actor",
    "source",
    "action",
    "resource_type",
    "external_id",
    "internal_id",
    "entry_id",
    "before",
    "after",
)


class AuditQuery(BaseModel):
    """Which entries of one tenant to read (every given criterion must hold)."""

    resource_type: str | None = None
    external_id: str | None = Field(default=None, description="needs resource_type")
    actor: str | None = None
    action: str | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class RetentionPolicy(BaseModel):
    retention_days: int = Field(ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS)


class AuditReader(Protocol):
    def query(
        self, tenant_id: str, query: AuditQuery, cursor: str | None = None, limit: int = 50
    ) -> Page:
        """Entries (dicts with `audit_id`, `at`, `actor`, ..., `before`, `after`), newest
        first, and the cursor of the next page."""
        ...

    def retention(self, tenant_id: str) -> RetentionPolicy: ...

    def set_retention(self, tenant_id: str, policy: RetentionPolicy) -> RetentionPolicy: ...


def iter_entries(
    reader: AuditReader, tenant_id: str, query: AuditQuery, limit: int = EXPORT_LIMIT
) -> Iterator[dict[str, Any]]:
    """Every entry of the query, page after page (at most `limit`)."""
    cursor: str | None = None
    count = 0
    while True:
        page = reader.query(tenant_id, query, cursor, limit=200)
        for entry in page.items:
            yield entry
            count += 1
            if count >= limit:
                return
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def export(
    reader: AuditReader, tenant_id: str, query: AuditQuery, fmt: Literal["csv", "jsonl"]
) -> str:
    """The query's entries as CSV (before/after as JSON text) or JSON Lines."""
    entries = iter_entries(reader, tenant_id, query)
    if fmt == "jsonl":
        return "".join(json.dumps(e, default=str, sort_keys=True) + "\n" for e in entries)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for entry in entries:
        row = dict(entry)
        for name in ("before", "after"):
            row[name] = "" if row.get(name) is None else json.dumps(row[name], sort_keys=True)
        writer.writerow(row)
    return out.getvalue()


def stamp(moment: datetime) -> str:
    """The sortable form entries are keyed by (UTC, microseconds)."""
    from syncbridge.domain.sync.models import version_of

    return version_of(moment)
