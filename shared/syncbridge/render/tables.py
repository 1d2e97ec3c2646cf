"""CSV from lists of pydantic rows: one header, the models' own field order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from pydantic import BaseModel


def to_csv(rows: Iterable[BaseModel], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV text; `columns` picks and orders fields (default: every field)."""
    rows = list(rows)
    if columns is None:
        columns = list(type(rows[0]).model_fields) if rows else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        data = row.model_dump(mode="json")
        writer.writerow(["" if data.get(c) is None else data.get(c) for c in columns])
    return out.getvalue()
