"""Columnar, interned form of both sides: what blocking and scoring work on.

Strings that are compared for equality (postal codes, phones, domains, cities, codes,
tokens) become int32 ids in a vocabulary shared by both sides (-1 = missing), so
blocking is integer sorting and equality is integer comparison. Strings compared
fuzzily (names, addresses) stay as numpy object arrays for rapidfuzz batch calls.
Token lists are CSR pairs (indptr, ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from syncbridge.matching.records import RawSide
from syncbridge.matching.standardize import LEGAL_WORDS, model_stem, model_suffixes

COMMON_TOKEN_SHARE = 0.01
"""A name token in more than this share of records (and >= COMMON_TOKEN_MIN) is generic."""
COMMON_TOKEN_MIN = 25
BLOCK_TOKENS_PER_RECORD = {"location": 3, "product": 6, "batch": 3}


@dataclass
class Side:
    label: str
    ids: list[str]
    cat: dict[str, np.ndarray] = field(default_factory=dict)  # int32 ids, -1 missing
    num: dict[str, np.ndarray] = field(default_factory=dict)  # float64, NaN missing
    text: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays of str
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # CSR

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


def _intern(values_a: list[str], values_b: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    vocab: dict[str, int] = {}
    get = vocab.setdefault

    def ids(values: list[str]) -> np.ndarray:
        return np.fromiter(
            (get(v, len(vocab)) if v else -1 for v in values), dtype=np.int32, count=len(values)
        )

    a, b = ids(values_a), ids(values_b)
    return a, b, len(vocab)


def _intern_lists(
    lists_a: list[list[str]], lists_b: list[list[str]]
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], list[str]]:
    vocab: dict[str, int] = {}
    get = vocab.setdefault

    def csr(lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        indptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = np.fromiter(
            (get(t, len(vocab)) for x in lists for t in x), dtype=np.int32, count=int(indptr[-1])
        )
        return indptr, flat

    a, b = csr(lists_a), csr(lists_b)
    return a, b, list(vocab)


def _split(values: list[str]) -> list[list[str]]:
    return [v.split() for v in values]


def _objects(values: list[str]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _name_columns(
    a: Side, b: Side, names_a: list[str], names_b: list[str], sizes: dict[str, int], per_record: int
) -> np.ndarray:
    """Name token CSR, generic-token flags, sorted core names and blocking tokens."""
    ta, tb, vocab_words = _intern_lists(_split(names_a), _split(names_b))
    nv = sizes["name_tok"] = len(vocab_words)
    df = np.bincount(np.concatenate([ta[1], tb[1]]), minlength=nv)
    total = a.n + b.n
    common = df > max(COMMON_TOKEN_MIN, COMMON_TOKEN_SHARE * total)
    a.lists["name_tok"], b.lists["name_tok"] = ta, tb
    legal = np.array([w in _LEGAL_SET for w in vocab_words], dtype=bool)
    for side, (indptr, flat) in ((a, ta), (b, tb)):
        side.text["name"] = _objects(names_a if side is a else names_b)
        side.text["name_core"] = _core_names(indptr, flat, common, legal, vocab_words)
        side.lists["block_tok"] = _rarest(indptr, flat, df, common | legal, per_record)
    return common


_LEGAL_SET = frozenset(LEGAL_WORDS.values())


def _core_names(
    indptr: np.ndarray, flat: np.ndarray, common: np.ndarray, legal: np.ndarray, words: list[str]
) -> np.ndarray:
    """Distinctive tokens, sorted and joined: fuzzy ratio on these ~ token_sort_ratio.

    Generic tokens ("brewing", "company") are dropped so they neither inflate nor dilute
    the similarity; when nothing distinctive is left, the non-legal tokens are kept.
    """
    n = len(indptr) - 1
    out = np.empty(n, dtype=object)
    keep_strict = ~(common[flat] | legal[flat])
    keep_loose = ~legal[flat]
    cache: dict[tuple[int, ...], str] = {}
    starts, ends = indptr[:-1].tolist(), indptr[1:].tolist()
    flat_l = flat.tolist()
    strict_l = keep_strict.tolist()
    loose_l = keep_loose.tolist()
    for r in range(n):
        s, e = starts[r], ends[r]
        key = tuple(flat_l[s:e])
        hit = cache.get(key)
        if hit is None:
            chosen = [flat_l[k] for k in range(s, e) if strict_l[k]]
            if not chosen:
                chosen = [flat_l[k] for k in range(s, e) if loose_l[k]] or list(key)
            hit = " ".join(sorted(words[t] for t in chosen))
            if len(cache) < 2_000_000:
                cache[key] = hit
        out[r] = hit
    return out


def _rarest(
    indptr: np.ndarray, flat: np.ndarray, df: np.ndarray, generic: np.ndarray, per_record: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per record, its `per_record` rarest non-generic tokens (CSR)."""
    n = len(indptr) - 1
    rec = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    ok = ~generic[flat]
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


def prepare(raw_a: RawSide, raw_b: RawSide, profile: str) -> Prepared:
    """Intern and arrange both sides for `profile` (a = internal, b = external)."""
    a, b = Side(raw_a.label, raw_a.ids), Side(raw_b.label, raw_b.ids)
    ca, cb = raw_a.columns, raw_b.columns
    sizes: dict[str, int] = {}

    def cat(col: str) -> None:
        a.cat[col], b.cat[col], sizes[col] = _intern(ca[col], cb[col])

    def num(col: str) -> None:
        a.num[col] = np.asarray(ca[col], dtype=np.float64)
        b.num[col] = np.asarray(cb[col], dtype=np.float64)

    def txt(col: str) -> None:
        a.text[col], b.text[col] = _objects(ca[col]), _objects(cb[col])

    common = _name_columns(
        a, b, ca["name"], cb["name"], sizes, BLOCK_TOKENS_PER_RECORD[profile]
    )
    a.cat["name_core"], b.cat["name_core"], sizes["name_core"] = _intern(
        a.text["name_core"].tolist(), b.text["name_core"].tolist()
    )
    model_vocab: list[str] = []
    if profile == "location":
        for col in ("city", "postal_code", "phone", "website"):
            cat(col)
        num("lat")
        num("lon")
        txt("address")
        # house number + first street word: survives renames at the same address
        a.cat["street"], b.cat["street"], sizes["street"] = _intern(
            [_street_key(x) for x in ca["address"]], [_street_key(x) for x in cb["address"]]
        )
        a.cat["postal3"], b.cat["postal3"], sizes["postal3"] = _intern(
            [p[:3] for p in ca["postal_code"]], [p[:3] for p in cb["postal_code"]]
        )
    elif profile == "product":
        cat("brand")
        cat("sku")
        num("price")
        txt("description")
        a.lists["models"], b.lists["models"], model_vocab = _intern_lists(
            ca["models"], cb["models"]
        )
        sizes["models"] = len(model_vocab)
        a.lists["model_stems"], b.lists["model_stems"], stems = _intern_lists(
            [_stems(x) for x in ca["models"]], [_stems(x) for x in cb["models"]]
        )
        sizes["model_stems"] = len(stems)
    elif profile == "batch":
        cat("lot_code")
        cat("product_id")
        num("produced_at")
        num("quantity")
    else:  # pragma: no cover - profiles are validated before
        raise ValueError(profile)
    return Prepared(a, b, sizes, common, model_vocab)


def _street_key(addr: str) -> str:
    parts = addr.split()
    if len(parts) < 2 or not parts[0][:1].isdigit():
        return ""
    for word in parts[1:]:
        if len(word) > 2 and word.isalpha():
            return parts[0] + " " + word
    return parts[0] + " " + parts[1]


def _stems(models: list[str]) -> list[str]:
    out = {model_stem(m) for m in models}
    out.discard("")
    for stem in list(out):
        out.update(model_suffixes(stem))
    return sorted(out)
