"""Reading and validating input records (JSON Lines files or in-memory dicts).

Bad input raises `InputError` naming the source and line: the CLI prints it as its one
line and exits 2; the Lambda turns it into a failed batch item. Records are reduced to
standardized, interned columns while they are read (compact `array` buffers, strings
stored once in vocabularies shared by both sides), so raw records are never held and a
million records a side fit in a few hundred megabytes.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import orjson
from pydantic import BaseModel

from syncbridge.matching.profiles import Keyed, ProfileSpec, Words, type_error


class InputError(ValueError):
    """Unusable input: the message names the source and, when there is one, the line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.reason = source, line, message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class _CanonIds(dict):
    """Raw word -> vocabulary id of its canonical form, each distinct raw word mapped once."""

    def __init__(self, vocab: Vocab, canon: dict[str, str]) -> None:
        super().__init__()
        self.vocab, self.canon = vocab, canon

    def __missing__(self, word: str) -> int:
        got = self[word] = self.vocab[self.canon.get(word, word)]
        return got


class Vocab(dict):
    """String -> dense int id, shared by both sides so equal strings get equal ids.

    A dict whose misses assign the next id: `vocab[word]` is a C-level lookup for
    known words, the hot path when reading a million records.
    """

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def __missing__(self, word: str) -> int:
        got = self[word] = len(self.words)
        self.words.append(word)
        return got

    def id(self, word: str) -> int:
        return self[word]


@dataclass
class RawSide:
    """One side's ids and column buffers (see ProfileSpec.columns for the kinds)."""

    label: str
    ids: list[str]
    columns: dict[str, object] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


class SideBuilder:
    """Accumulates one side, column by column, as records arrive."""

    def __init__(self, spec: ProfileSpec, label: str, vocabs: dict[str, Vocab]) -> None:
        self.spec, self.label = spec, label
        self.ids: list[str] = []
        self.seen: set[str] = set()
        self.columns: dict[str, object] = {}
        self._appenders = []
        self._extenders = []
        for name, kind in spec.columns:
            self._appenders.append(self._appender(name, kind, vocabs))
            self._extenders.append(self._extender(name, kind, vocabs))
        self._allowed = {f: {*types, type(None)} for f, types in spec.schema.items()}

    def add_many(self, recs: list, lines: Sequence[int] | None = None) -> None:
        """Add a batch of records column-wise: equal to `add` on each in turn.

        Validation is proved for the whole batch with C-level set operations (every
        record a dict, every id a new non-empty string, every field of an accepted
        type); when that fails the batch goes record by record, so the error names the
        same line it always did."""
        if not recs:
            return
        ids = [r.get("id") for r in recs] if set(map(type, recs)) == {dict} else None
        cols: dict[str, list] = {}
        ok = (
            ids is not None
            and set(map(type, ids)) == {str}
            and "" not in ids
            and len(set(ids)) == len(ids)
            and self.seen.isdisjoint(ids)
            and self.spec.extract_many is not None
        )
        for name, allowed in self._allowed.items():
            if not ok:
                break
            col = cols[name] = [r.get(name) for r in recs]
            ok = set(map(type, col)) <= allowed
        if not ok:
            for k, rec in enumerate(recs):
                self.add(rec, lines[k] if lines is not None else None)
            return
        self.seen.update(ids)  # type: ignore[arg-type]
        self.ids.extend(ids)  # type: ignore[arg-type]
        for extend, values in zip(self._extenders, self.spec.extract_many(cols), strict=True):  # type: ignore[misc]
            extend(values)

    def _extender(self, name: str, kind: str, vocabs: dict[str, Vocab]):
        """Column-wise twin of `_appender` (the same buffers)."""
        import numpy as np

        col = self.columns[name]
        if kind in ("tokens", "list"):
            vocab = vocabs.setdefault(name, Vocab())
            flat, lens = col  # type: ignore[misc]
            raw_ids: dict[int, _CanonIds] = {}

            def extend_lists(values) -> None:
                if isinstance(values, Words):
                    key = id(values.canon)
                    if key not in raw_ids:
                        raw_ids[key] = _CanonIds(vocab, values.canon)
                    get, values = raw_ids[key].__getitem__, values.lists
                else:
                    get = vocab.__getitem__
                lens.extend(map(len, values))
                flat.extend(map(get, chain.from_iterable(values)))

            return extend_lists
        if kind == "cat":
            vid = vocabs.setdefault(name, Vocab()).__getitem__

            def extend_cat(values) -> None:
                if isinstance(values, Keyed):  # distinct values in first-seen order: the
                    # same vocabulary ids as interning record by record
                    ids = {raw: vid(k) if k else -1 for raw, k in values.keys.items()}
                    col.extend(map(ids.__getitem__, values.values))  # type: ignore[attr-defined]
                    return
                col.extend([vid(v) if v else -1 for v in values])  # type: ignore[attr-defined]

            return extend_cat
        if kind in ("int", "float"):
            dtype = np.int64 if kind == "int" else np.float64

            def extend_numbers(values) -> None:
                col.frombytes(np.asarray(values, dtype=dtype).tobytes())  # type: ignore[attr-defined]

            return extend_numbers
        return col.extend  # type: ignore[attr-defined]

    def _appender(self, name: str, kind: str, vocabs: dict[str, Vocab]):
        if kind in ("tokens", "list"):
            vocab = vocabs.setdefault(name, Vocab())
            flat, lens = array("i"), array("i")
            self.columns[name] = (flat, lens)
            vid, fext, lapp = vocab.__getitem__, flat.extend, lens.append

            def add_list(values: list[str]) -> None:
                fext([vid(v) for v in values])
                lapp(len(values))

            return add_list
        if kind == "cat":
            vocab = vocabs.setdefault(name, Vocab())
            buf = array("i")
            self.columns[name] = buf
            vid, app = vocab.__getitem__, buf.append

            def add_cat(value: str) -> None:
                app(vid(value) if value else -1)

            return add_cat
        buf_kind = {"int": "q", "float": "d"}.get(kind)
        if buf_kind:
            buf = array(buf_kind)
            self.columns[name] = buf
            return buf.append
        if kind == "text":
            texts: list[str] = []
            self.columns[name] = texts
            return texts.append
        raise ValueError(kind)  # pragma: no cover

    def add(self, rec: object, line: int | None) -> None:
        if type(rec) is not dict:  # fast path first: isinstance on pydantic's ABC is slow
            if isinstance(rec, BaseModel):
                rec = rec.model_dump()
            if not isinstance(rec, dict):
                raise InputError(self.label, line, f"expected a JSON object, got {_kind(rec)}")
        rid = rec.get("id")
        if rid is None:
            raise InputError(self.label, line, "record has no 'id'")
        if type(rid) is not str:
            raise InputError(self.label, line, f"'id' must be a string, got {_kind(rid)}")
        if not rid:
            raise InputError(self.label, line, "'id' is empty")
        if rid in self.seen:
            raise InputError(self.label, line, f"duplicate id {rid!r}")
        problem = type_error(rec, self.spec.schema)
        if problem:
            raise InputError(self.label, line, f"record {rid!r}: {problem}")
        self.seen.add(rid)
        self.ids.append(rid)
        for appender, value in zip(self._appenders, self.spec.extract(rec), strict=True):
            appender(value)

    def finish(self) -> RawSide:
        if not self.ids:
            raise InputError(self.label, None, "no records (empty input)")
        self.seen = set()
        return RawSide(self.label, self.ids, self.columns)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number"
    )


def load_jsonl(
    path: str, spec: ProfileSpec, vocabs: dict[str, Vocab], progress: object | None = None
) -> RawSide:
    """Read one JSON Lines file. Blank lines are skipped; everything else must be a record."""
    builder = SideBuilder(spec, path, vocabs)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, errors mapped to InputError
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    loads = orjson.loads
    first = 1  # line number of the batch's first line
    with handle:
        try:
            while batch := handle.readlines(READ_BATCH_BYTES):
                if first == 1 and batch[0].startswith(b"\xef\xbb\xbf"):
                    batch[0] = batch[0][3:]  # a UTF-8 byte-order mark, as some exports write
                try:
                    recs = [loads(raw) for raw in batch]
                    builder.add_many(recs, range(first, first + len(batch)))  # type: ignore[arg-type]
                except orjson.JSONDecodeError:  # a blank or broken line: one by one
                    recs, lines = [], []
                    for lineno, raw in enumerate(batch, start=first):
                        try:
                            recs.append(loads(raw))
                        except orjson.JSONDecodeError as exc:
                            if not raw.strip():
                                continue
                            raise InputError(path, lineno, f"malformed JSON: {exc}") from None
                        lines.append(lineno)
                    builder.add_many(recs, lines)
                if progress is not None:
                    progress.update(len(batch))  # type: ignore[attr-defined]
                first += len(batch)
        except OSError as exc:
            raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return builder.finish()


READ_BATCH_BYTES = 4 << 20
"""Lines are parsed and standardized in batches of about this many bytes."""


def count_records(path: str) -> tuple[int, int]:
    """(lines, bytes) of a file, read in blocks: what the memory check needs before
    loading. (0, 0) when unreadable; the loader then reports the error properly."""
    lines = size = 0
    last = b"\n"
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 22):
                lines += block.count(b"\n")
                size += len(block)
                last = block[-1:]
    except OSError:
        return 0, 0
    return lines + (last != b"\n"), size


def load_records(records, spec: ProfileSpec, label: str, vocabs: dict[str, Vocab]) -> RawSide:
    """Validate and standardize in-memory records (dicts or pydantic models).

    Errors name the record by its 1-based position: "external:3: duplicate id 'x'".
    """
    builder = SideBuilder(spec, label, vocabs)
    records = records if isinstance(records, list) else list(records)
    for lo in range(0, len(records), RECORD_BATCH):
        batch = records[lo : lo + RECORD_BATCH]
        builder.add_many(batch, range(lo + 1, lo + 1 + len(batch)))  # type: ignore[arg-type]
    return builder.finish()


RECORD_BATCH = 50_000


def _parallel_threshold() -> int | None:
    raw = os.environ.get("SYNCBRIDGE_MATCH_PARALLEL_READ_MB", "")
    return int(raw) * 1024 * 1024 if raw.isdigit() else DEFAULT_PARALLEL_MIN_BYTES


DEFAULT_PARALLEL_MIN_BYTES = 16 * 1024 * 1024
PARALLEL_MIN_BYTES: int | None = _parallel_threshold()
"""Inputs at least this large are read by two processes (one file each), when the memory
limit leaves room for the second reader (`memory.parallel_read_fits`). Below it a fork
costs more than it saves. SYNCBRIDGE_MATCH_PARALLEL_READ_MB overrides the size."""

_SEND_CHUNK = 100_000
"""The forked reader sends lists in slices of this many items: one pickle of a million
strings would be a copy of the side held twice at once."""


def load_files(
    path_i: str, path_e: str, spec: ProfileSpec, parallel: bool = True
) -> tuple[RawSide, RawSide, dict]:
    """Read both files; large inputs in parallel (a forked reader for the external file)
    unless `parallel` is False (the memory limit has no room for a second reader).

    The result is identical to reading sequentially: the external side's vocabulary ids
    are re-mapped into the internal side's vocabularies in first-seen order.
    """
    vocabs: dict[str, Vocab] = {}
    if not (parallel and _worth_parallel(path_i, path_e)):
        return load_jsonl(path_i, spec, vocabs), load_jsonl(path_e, spec, vocabs), vocabs
    import multiprocessing

    from syncbridge.matching import memory

    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_load_in_child, args=(path_e, spec, sender), daemon=True)
    at_fork = memory.current_rss()  # pages the child shares with this process at first
    proc.start()
    sender.close()
    try:
        raw_i = load_jsonl(path_i, spec, vocabs)
        status, *payload = receiver.recv()
        if status == "ok":
            ids, columns, child_words = _receive(receiver, *payload)
    except BaseException:
        proc.terminate()
        proc.join()
        raise
    proc.join()
    if status == "error":
        raise InputError(*payload)
    # both processes were alive at once: what the run held is this process now (the
    # child's side received) plus the child's own pages (its peak less what it shared)
    memory.note_combined_peak(memory.current_rss() + max(memory.children_peak() - at_fork, 0))
    tables = {name: _vocab_table(vocabs.setdefault(name, Vocab()), words)
              for name, words in child_words.items()}  # fmt: skip
    kinds = dict(spec.columns)
    for name, col in columns.items():
        kind = kinds[name]
        if kind in ("tokens", "list"):
            flat, lens = col
            columns[name] = (_apply(tables[name], flat), lens)
        elif kind == "cat":
            columns[name] = _apply(tables[name], col)
    return raw_i, RawSide(path_e, ids, columns), vocabs


def _worth_parallel(path_i: str, path_e: str) -> bool:
    try:
        size = os.path.getsize(path_i) + os.path.getsize(path_e)
    except OSError:
        return False  # let the sequential reader report the error
    threshold = PARALLEL_MIN_BYTES
    if threshold is None:
        return False
    return size >= threshold and hasattr(os, "fork") and (os.cpu_count() or 1) > 1


def _load_in_child(path: str, spec: ProfileSpec, conn) -> None:
    try:
        vocabs: dict[str, Vocab] = {}
        raw = load_jsonl(path, spec, vocabs)
        kinds = dict(spec.columns)
        lists = [name for name, kind in spec.columns if kind == "text"]
        conn.send(("ok", lists, [name for name in vocabs]))
        _send_list(conn, raw.ids)
        for name in lists:
            _send_list(conn, raw.columns.pop(name))  # type: ignore[arg-type]
        conn.send({k: v for k, v in raw.columns.items() if kinds[k] != "text"})
        for vocab in vocabs.values():
            _send_list(conn, vocab.words)
    except InputError as exc:
        conn.send(("error", exc.source, exc.line, exc.reason))
    finally:
        conn.close()


def _send_list(conn, values: list) -> None:
    conn.send(len(values))
    for lo in range(0, len(values), _SEND_CHUNK):
        conn.send(values[lo : lo + _SEND_CHUNK])


def _receive_list(conn) -> list:
    n = conn.recv()
    out: list = []
    while len(out) < n:
        out.extend(conn.recv())
    return out


def _receive(conn, lists: list[str], vocab_names: list[str]):
    """The forked reader's side, in the order `_load_in_child` sends it."""
    ids = _receive_list(conn)
    texts = {name: _receive_list(conn) for name in lists}
    columns = conn.recv()
    columns.update(texts)
    words = {name: _receive_list(conn) for name in vocab_names}
    return ids, columns, words


def _vocab_table(vocab: Vocab, words: list[str]):
    import numpy as np

    return np.fromiter(map(vocab.__getitem__, words), dtype=np.int32, count=len(words))


def _apply(table, buf: array):
    import numpy as np

    ids = np.frombuffer(buf, dtype=np.int32) if len(buf) else np.zeros(0, np.int32)
    out = np.full(len(ids), -1, dtype=np.int32)
    ok = ids >= 0
    out[ok] = table[ids[ok]]
    return out
