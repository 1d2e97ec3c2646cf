"""Reading and validating input records (JSON Lines files or in-memory dicts).

Bad input raises `InputError` naming the source and line: the CLI prints it as its one
line and exits 2; the Lambda turns it into a failed batch item. Records are reduced to
standardized columns while they are read, so raw records are never all held at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import orjson
from pydantic import BaseModel

from syncbridge.matching.profiles import ProfileSpec, type_error


class InputError(ValueError):
    """Unusable input: the message names the source and, when there is one, the line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.reason = source, line, message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclass
class RawSide:
    """One side's ids and standardized column values (lists, one entry per record)."""

    label: str
    ids: list[str]
    columns: dict[str, list] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


class _Collector:
    def __init__(self, spec: ProfileSpec, label: str) -> None:
        self.spec, self.label = spec, label
        self.ids: list[str] = []
        self.rows: list[tuple] = []
        self.first_line: dict[str, int] = {}

    def add(self, rec: object, line: int | None) -> None:
        if isinstance(rec, BaseModel):
            rec = rec.model_dump()
        if not isinstance(rec, dict):
            raise InputError(self.label, line, f"expected a JSON object, got {_kind(rec)}")
        rid = rec.get("id")
        if rid is None:
            raise InputError(self.label, line, "record has no 'id'")
        if not isinstance(rid, str):
            raise InputError(self.label, line, f"'id' must be a string, got {_kind(rid)}")
        if rid == "":
            raise InputError(self.label, line, "'id' is empty")
        where = line if line is not None else len(self.ids)
        first = self.first_line.setdefault(rid, where)
        if first != where:
            raise InputError(self.label, line, f"duplicate id {rid!r} (first at {first})")
        problem = type_error(rec, self.spec.schema)
        if problem:
            raise InputError(self.label, line, f"record {rid!r}: {problem}")
        self.ids.append(rid)
        self.rows.append(self.spec.extract(rec))

    def finish(self) -> RawSide:
        if not self.ids:
            raise InputError(self.label, None, "no records (empty input)")
        cols = list(zip(*self.rows, strict=True))
        self.rows = []
        self.first_line = {}
        return RawSide(
            self.label, self.ids, {c: list(v) for c, v in zip(self.spec.columns, cols, strict=True)}
        )


def _kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def load_jsonl(path: str, spec: ProfileSpec, progress: object | None = None) -> RawSide:
    """Read one JSON Lines file. Blank lines are skipped; everything else must be a record."""
    label = os.path.basename(path) if path else "<input>"
    collector = _Collector(spec, path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, errors mapped to InputError
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            for lineno, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    rec = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    raise InputError(path, lineno, f"malformed JSON: {exc}") from None
                collector.add(rec, lineno)
                if progress is not None and lineno % 20000 == 0:
                    progress.update(20000)  # type: ignore[attr-defined]
        except OSError as exc:
            raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(path, None, f"not UTF-8: {exc}") from None
    del label
    return collector.finish()


def load_records(records: Iterable[object], spec: ProfileSpec, label: str) -> RawSide:
    """Validate and standardize in-memory records (dicts or pydantic models)."""
    collector = _Collector(spec, label)
    for index, rec in enumerate(records):
        collector.add(rec, index)
    return collector.finish()


def iter_lines(path: str) -> Iterator[bytes]:  # pragma: no cover - helper for tools
    with open(path, "rb") as handle:
        yield from handle
