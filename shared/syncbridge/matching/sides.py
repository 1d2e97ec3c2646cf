"""Columnar, interned form of both sides: what blocking and scoring work on.

Strings that are compared for equality (postal codes, phones, domains, cities, codes,
tokens) become int32 ids in a vocabulary shared by both sides (-1 = missing), so
blocking is integer sorting and equality is integer comparison. Strings compared
fuzzily (names, addresses) stay as numpy object arrays for rapidfuzz batch calls.
Token lists are CSR pairs (indptr, ids).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from syncbridge.matching.records import RawSide, Vocab
from syncbridge.matching.standardize import LEGAL_WORDS, model_stem, model_suffixes

COMMON_TOKEN_SHARE = 0.01
"""A name token in more than this share of records (and >= COMMON_TOKEN_MIN) is generic."""
COMMON_TOKEN_MIN = 25
BLOCK_TOKENS_PER_RECORD = {"location": 3, "product": 6, "batch": 3}
PAIR_TOKENS_PER_RECORD = 14  # products also block on pairs of these (common words included)


@dataclass
class Side:
    label: str
    ids: list[str]
    cat: dict[str, np.ndarray] = field(default_factory=dict)  # int32 ids, -1 missing
    num: dict[str, np.ndarray] = field(default_factory=dict)  # float64, NaN missing
    text: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays of str
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # CSR
    has: dict[str, np.ndarray] = field(default_factory=dict)  # text column non-empty

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class Prepared:
    """Both sides plus the shared vocabularies (needed for term-frequency weights)."""

    internal: Side
    external: Side
    vocab_sizes: dict[str, int]
    common_tokens: np.ndarray  # bool per name-token id: too frequent to tell records apart
    model_words: list[str] = field(default_factory=list)


def _cat(buf: array) -> np.ndarray:
    return np.frombuffer(buf, dtype=np.int32).copy() if len(buf) else np.zeros(0, np.int32)


def _csr(pair: tuple[array, array]) -> tuple[np.ndarray, np.ndarray]:
    flat, lens = pair
    indptr = np.zeros(len(lens) + 1, dtype=np.int64)
    if len(lens):
        np.cumsum(np.frombuffer(lens, dtype=np.int32), out=indptr[1:])
    flat_np = np.frombuffer(flat, dtype=np.int32).copy() if len(flat) else np.zeros(0, np.int32)
    return indptr, flat_np


def _floats(buf: array) -> np.ndarray:
    return np.frombuffer(buf, dtype=np.float64).copy() if len(buf) else np.zeros(0)


def _dense_ids(buf_a: array, buf_b: array) -> tuple[np.ndarray, np.ndarray, int]:
    """Integers (-1 missing) -> dense ids shared by both sides, for bincount-based TF."""
    va = np.frombuffer(buf_a, dtype=np.int64) if len(buf_a) else np.zeros(0, np.int64)
    vb = np.frombuffer(buf_b, dtype=np.int64) if len(buf_b) else np.zeros(0, np.int64)
    both = np.concatenate([va, vb])
    uniq, inv = np.unique(both, return_inverse=True)
    has_missing = len(uniq) > 0 and uniq[0] < 0
    ids = inv.astype(np.int32) - (1 if has_missing else 0)
    ids[both < 0] = -1
    return ids[: len(va)], ids[len(va) :], len(uniq) - int(has_missing)


def _remap(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    out = np.full(len(ids), -1, dtype=np.int32)
    ok = ids >= 0
    out[ok] = table[ids[ok]]
    return out


def _word_table(words: list[str], fn) -> tuple[np.ndarray, int]:
    """Map each vocabulary word through `fn` to a new (interned) id; "" -> -1."""
    vocab: dict[str, int] = {}
    table = np.fromiter(
        ((vocab.setdefault(k, len(vocab)) if (k := fn(w)) else -1) for w in words),
        dtype=np.int32,
        count=len(words),
    )
    return table, len(vocab)


def _objects(values: list[str]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _name_columns(
    a: Side,
    b: Side,
    ta: tuple[np.ndarray, np.ndarray],
    tb: tuple[np.ndarray, np.ndarray],
    vocab_words: list[str],
    sizes: dict[str, int],
    per_record: int,
) -> np.ndarray:
    """Generic-token flags, sorted core names and blocking tokens from the token CSR."""
    nv = sizes["name_tok"] = len(vocab_words)
    df = np.bincount(np.concatenate([ta[1], tb[1]]), minlength=nv)
    total = a.n + b.n
    common = df > max(COMMON_TOKEN_MIN, COMMON_TOKEN_SHARE * total)
    a.lists["name_tok"], b.lists["name_tok"] = ta, tb
    legal = np.fromiter((w in _LEGAL_SET for w in vocab_words), dtype=bool, count=nv)
    for side, (indptr, flat) in ((a, ta), (b, tb)):
        side.lists["block_tok"] = _rarest(indptr, flat, df, (common | legal)[flat], per_record)
        # a name made only of common words ("Red Fox Brewing") gets its rarest two
        # words as well, used within a town only (blocking.PASSES: common_name_city)
        rec = np.repeat(np.arange(side.n), np.diff(indptr))
        distinct = np.bincount(rec[~(common | legal)[flat]], minlength=side.n) > 0
        skip = legal[flat] | distinct[rec]
        side.lists["common_tok"] = _rarest(indptr, flat, df, skip, 2)
        if per_record > BLOCK_TOKENS_PER_RECORD["location"]:  # wordy titles: products
            side.lists["pair_tok"] = _rarest(indptr, flat, df, legal[flat], PAIR_TOKENS_PER_RECORD)
    # both sides at once, so equal cores get equal ids across sides
    both_ptr = np.concatenate([ta[0], ta[0][-1] + tb[0][1:]])
    core, core_id = _core_names(
        both_ptr, np.concatenate([ta[1], tb[1]]), common, legal, vocab_words
    )
    a.text["name_core"], b.text["name_core"] = core[: a.n], core[a.n :]
    a.cat["name_core"], b.cat["name_core"] = core_id[: a.n], core_id[a.n :]
    sizes["name_core"] = int(core_id.max(initial=-1)) + 1
    # all non-legal tokens, sorted: catches a typo in a name made of common words
    full, full_id = _core_names(
        both_ptr, np.concatenate([ta[1], tb[1]]), np.zeros(nv, dtype=bool), legal, vocab_words
    )
    a.text["name_full"], b.text["name_full"] = full[: a.n], full[a.n :]
    a.cat["name_full"], b.cat["name_full"] = full_id[: a.n], full_id[a.n :]
    return common


_LEGAL_SET = frozenset(LEGAL_WORDS.values())
_JOIN_SLICE = 65_536
_CORE_SLICE = 262_144


def _core_names(
    indptr: np.ndarray, flat: np.ndarray, common: np.ndarray, legal: np.ndarray, words: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Distinctive tokens, sorted and joined, and an id per distinct core (vectorized).

    Fuzzy ratio on sorted tokens ~ token_sort_ratio. Generic tokens ("brewing",
    "company") are dropped so they neither inflate nor dilute the similarity; when
    nothing distinctive is left the non-legal tokens are kept, else all tokens. Records
    are grouped by a 64-bit hash of their sorted core tokens, so each distinct core is
    joined into a string once. Work arrays are per slice of records, so their size is
    bounded whatever the input size.
    """
    n = len(indptr) - 1
    rank = np.empty(len(words), dtype=np.int64)
    rank[np.argsort(np.array(words, dtype=object))] = np.arange(len(words))
    digest = np.zeros(n, dtype=np.uint64)
    for lo in range(0, n, _CORE_SLICE):
        hi = min(n, lo + _CORE_SLICE)
        ptr, tok = _core_tokens(_rows(indptr, flat, np.arange(lo, hi)), common, legal, rank)
        digest[lo:hi] = _digest(ptr, tok)
    uniq, first, inv = np.unique(digest, return_index=True, return_inverse=True)
    del digest
    ptr, tok = _core_tokens(_rows(indptr, flat, first), common, legal, rank)
    # the tokens as references to the vocabulary's own str objects (no new objects), and
    # each distinct core's bounds in slices: a million Python ints at once would fragment
    # the heap for the rest of the run
    token_words = np.array(words, dtype=object)[tok].tolist()
    strings = np.empty(len(uniq), dtype=object)
    for lo in range(0, len(uniq), _JOIN_SLICE):
        hi = lo + _JOIN_SLICE
        strings[lo:hi] = [
            " ".join(token_words[a:b])
            for a, b in zip(ptr[lo:hi].tolist(), ptr[lo + 1 : hi + 1].tolist(), strict=False)
        ]
    del token_words
    return strings[inv], inv.astype(np.int32)


def _rows(indptr: np.ndarray, flat: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR of the given rows only."""
    from syncbridge.matching.blocking import _ranges

    lens = indptr[rows + 1] - indptr[rows]
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    return ptr, flat[_ranges(indptr[rows], lens)]


def _core_tokens(
    csr: tuple[np.ndarray, np.ndarray], common: np.ndarray, legal: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its core tokens sorted alphabetically (CSR)."""
    indptr, flat = csr
    n = len(indptr) - 1
    rec = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    strict = ~(common[flat] | legal[flat])
    loose = ~legal[flat]
    mode = np.where(
        np.bincount(rec[strict], minlength=n) > 0,
        0,
        np.where(np.bincount(rec[loose], minlength=n) > 0, 1, 2),
    ).astype(np.int8)[rec]
    keep = ((mode == 0) & strict) | ((mode == 1) & loose) | (mode == 2)
    rec, tok = rec[keep], flat[keep]
    order = np.lexsort((rank[tok] if len(tok) else tok, rec))
    rec, tok = rec[order], tok[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rec, minlength=n), out=ptr[1:])
    return ptr, tok


def _digest(ptr: np.ndarray, tok: np.ndarray) -> np.ndarray:
    """64-bit hash of each row's token sequence (0 for an empty row)."""
    n = len(ptr) - 1
    counts = np.diff(ptr)
    rec = np.repeat(np.arange(n, dtype=np.int64), counts)
    pos = np.arange(len(rec), dtype=np.int64) - ptr[rec]
    with np.errstate(over="ignore"):
        mixed = (tok.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        mixed ^= (pos.astype(np.uint64) + np.uint64(1)) * np.uint64(0xC2B2AE3D27D4EB4F)
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        digest = np.zeros(n, dtype=np.uint64)
        np.add.at(digest, rec, mixed)
    digest[counts == 0] = 0
    return digest


def _rarest(
    indptr: np.ndarray, flat: np.ndarray, df: np.ndarray, skip: np.ndarray, per_record: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per record, its `per_record` rarest tokens (CSR); `skip` flags entries of `flat`
    to leave out."""
    n = len(indptr) - 1
    rec = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    ok = ~skip
    rec, tok = rec[ok], flat[ok]
    if len(tok) == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    order = np.lexsort((tok, df[tok], rec))
    rec, tok = rec[order], tok[order]
    # drop repeats of the same token within a record
    dup = np.zeros(len(tok), dtype=bool)
    dup[1:] = (rec[1:] == rec[:-1]) & (tok[1:] == tok[:-1])
    rec, tok = rec[~dup], tok[~dup]
    start = np.searchsorted(rec, rec, side="left")
    rank = np.arange(len(rec)) - start
    keep = rank < per_record
    rec, tok = rec[keep], tok[keep]
    counts = np.bincount(rec, minlength=n)
    indptr_out = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr_out[1:])
    return indptr_out, tok.astype(np.int32)


def prepare(raw_a: RawSide, raw_b: RawSide, profile: str, vocabs: dict[str, Vocab]) -> Prepared:
    """Arrange both sides for `profile` (a = internal, b = external) as numpy columns."""
    a, b = Side(raw_a.label, raw_a.ids), Side(raw_b.label, raw_b.ids)
    ca, cb = raw_a.columns, raw_b.columns
    sizes: dict[str, int] = {}

    def cat(col: str) -> None:
        a.cat[col], b.cat[col] = _cat(ca[col]), _cat(cb[col])
        sizes[col] = len(vocabs[col])

    def num(col: str) -> None:
        a.num[col], b.num[col] = _floats(ca[col]), _floats(cb[col])

    def txt(col: str) -> None:
        a.text[col], b.text[col] = _objects(ca[col]), _objects(cb[col])

    common = _name_columns(
        a, b, _csr(ca["name"]), _csr(cb["name"]), vocabs["name"].words, sizes,
        BLOCK_TOKENS_PER_RECORD[profile],
    )  # fmt: skip
    model_words: list[str] = []
    if profile == "location":
        for col in ("city", "postal_code", "website"):
            cat(col)
        a.cat["phone"], b.cat["phone"], sizes["phone"] = _dense_ids(ca["phone"], cb["phone"])
        num("lat")
        num("lon")
        txt("address")
        cat("street")  # house number + first street word: survives renames in place
        table, sizes["postal3"] = _word_table(vocabs["postal_code"].words, lambda p: p[:3])
        a.cat["postal3"] = _remap(a.cat["postal_code"], table)
        b.cat["postal3"] = _remap(b.cat["postal_code"], table)
    elif profile == "product":
        cat("brand")
        cat("sku")
        num("price")
        a.lists["models"], b.lists["models"] = _csr(ca["models"]), _csr(cb["models"])
        model_words = vocabs["models"].words
        sizes["models"] = len(model_words)
        stem_vocab = Vocab()
        stems_of = [[stem_vocab.id(x) for x in _stems([w])] for w in model_words]
        for side in (a, b):
            indptr, flat = side.lists["models"]
            flat_l = flat.tolist()
            per_rec = [
                sorted({t for m in flat_l[indptr[r] : indptr[r + 1]] for t in stems_of[m]})
                for r in range(side.n)
            ]
            lens = np.fromiter((len(x) for x in per_rec), dtype=np.int64, count=side.n)
            ptr = np.zeros(side.n + 1, dtype=np.int64)
            np.cumsum(lens, out=ptr[1:])
            side.lists["model_stems"] = (
                ptr,
                np.fromiter((t for x in per_rec for t in x), dtype=np.int32, count=int(ptr[-1])),
            )
        sizes["model_stems"] = len(stem_vocab)
    elif profile == "batch":
        cat("lot_code")
        cat("product_id")
        num("produced_at")
        num("quantity")
    else:  # pragma: no cover - profiles are validated before
        raise ValueError(profile)
    for side in (a, b):
        for col, values in side.text.items():
            side.has[col] = values.astype(bool)
    return Prepared(a, b, sizes, common, model_words)


def _stems(models: list[str]) -> list[str]:
    """Blocking variants of model codes: stems and their tails, and tails of the codes."""
    out = {model_stem(m) for m in models}
    out.discard("")
    for code in [*out, *models]:
        out.update(model_suffixes(code))
    out.update(models)  # so a tail on one side meets the whole code on the other
    return sorted(out)
