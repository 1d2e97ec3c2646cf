"""Load an organisation's existing records into the home platform before its first import.

The matcher links ERP records to records the home platform already holds; a new
organisation whose records live elsewhere would otherwise see every ERP record proposed
as new. The file is CSV (a header row) or JSON Lines, one record per row, with an `id`
(the record's id in your own system, kept as the home record's id) and the type's fields
(`records.FIELDS_BY_TYPE`, plus any other lower_snake_case column such as `website`,
kept with the record).
Records whose id is already there are left as they are, so loading twice is harmless.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.home import HomePlatform

from .records import FIELDS_BY_TYPE

Format = Literal["csv", "jsonl"]
MAX_ROWS = 50_000
MAX_COLUMNS = 40
COLUMN = re.compile(r"[a-z][a-z0-9_]{0,39}")
NUMBERS = {"lat", "lon", "quantity"}
BOOLEANS = {"active"}


@dataclass(frozen=True)
class HomeImportResult:
    resource_type: str
    received: int
    created: int

    @property
    def already_there(self) -> int:
        return self.received - self.created


def _value(field: str, raw: Any, line: int) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if field in NUMBERS:
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"line {line}: {field} must be a number", line=line, field=field
            ) from None
        return int(number) if field == "quantity" and number.is_integer() else number
    if field in BOOLEANS:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise InvalidInput(f"line {line}: {field} must be true or false", line=line, field=field)
    return raw.strip() if isinstance(raw, str) else raw


def _row(resource_type: str, raw: dict[str, Any], line: int) -> tuple[str, dict[str, Any]]:
    bad = sorted(str(k) for k in raw if not COLUMN.fullmatch(str(k)))
    if bad or len(raw) > MAX_COLUMNS:
        raise InvalidInput(
            f"line {line}: column names must be lower_snake_case (at most {MAX_COLUMNS})"
            + (f"; not {', '.join(bad[:5])}" if bad else ""),
            line=line,
        )
    record_id = str(raw.get("id") or "").strip()
    if not record_id or len(record_id) > 200:
        raise InvalidInput(f"line {line}: every record needs an id", line=line, field="id")
    fields = {str(k): _value(str(k), v, line) for k, v in raw.items() if k != "id"}
    return record_id, {k: v for k, v in fields.items() if v is not None}


def parse_rows(text: str, fmt: Format, resource_type: str) -> dict[str, dict[str, Any]]:
    """`id -> fields` of every row, or InvalidInput naming the first bad line."""
    if resource_type not in FIELDS_BY_TYPE:
        raise InvalidInput(f"unknown resource type {resource_type}", field="resource_type")
    raws: list[tuple[int, Any]] = []
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise InvalidInput("the file is empty (CSV needs a header row)")
        raws = [(n + 2, row) for n, row in enumerate(reader)]
    elif fmt == "jsonl":
        for n, text_line in enumerate(text.splitlines(), start=1):
            if not text_line.strip():
                continue
            try:
                raws.append((n, json.loads(text_line)))
            except ValueError:
                raise InvalidInput(f"line {n}: not valid JSON", line=n) from None
    else:
        raise InvalidInput("format must be csv or jsonl", field="format")
    if not raws:
        raise InvalidInput("the file has no records")
    if len(raws) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} records per file", limit=MAX_ROWS)
    rows: dict[str, dict[str, Any]] = {}
    for line, raw in raws:
        if not isinstance(raw, dict):
            raise InvalidInput(f"line {line}: a record must be an object", line=line)
        record_id, fields = _row(resource_type, raw, line)
        if record_id in rows:
            raise InvalidInput(f"line {line}: id {record_id} appears twice", line=line, field="id")
        rows[record_id] = fields
    return rows


def import_home_records(
    home: HomePlatform, tenant_id: str, resource_type: str, text: str, fmt: Format
) -> HomeImportResult:
    """Parse the whole file first (nothing is written when a line is bad), then create."""
    rows = parse_rows(text, fmt, resource_type)
    created = home.create_many(tenant_id, resource_type, rows)  # type: ignore[arg-type]
    return HomeImportResult(resource_type=resource_type, received=len(rows), created=len(created))
