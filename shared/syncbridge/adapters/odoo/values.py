"""Odoo's wire values, translated once at the edge.

Odoo reads empty fields as `False` (never "" or null), many2one fields as
`[id, "display name"]` (or `False`), and datetimes as naive UTC strings truncated to whole
seconds ("2026-11-23 10:58:44").
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


def text(value: Any) -> str | None:
    """A char/text field: None for Odoo's False (and for "", which Odoo never sends)."""
    if value is False or value is None or value == "":
        return None
    return str(value)


def many2one_id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool) and value:
        return value
    return None


def many2one_name(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) > 1:
        return text(value[1])
    return None


def parse_datetime(value: Any) -> datetime:
    """Odoo's naive-UTC datetime string as an aware datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value.replace(" ", "T"))
    else:
        raise ValueError(f"not an Odoo datetime: {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """An aware datetime as Odoo's domain wants it (UTC, whole seconds, rounded down)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return value.astimezone(UTC).strftime(ODOO_DATETIME)


def html_paragraphs(lines: list[str]) -> str:
    """Plain text for an Odoo HTML field (a task description): one escaped `<p>` a line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)

