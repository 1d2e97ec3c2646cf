"""Blocking: cheap passes that together keep the true pairs, never the cross product.

Each pass turns records into integer keys (a postal code id, a rare name token, a
geographic cell, a token within a cell, ...). Two records become a candidate pair when
they share a key in some pass. Keys are joined with sort/unique/searchsorted on numpy
arrays, never per-record Python loops. A key shared by too many pairs
(`max_block_pairs`) says little and is skipped: that is what keeps the candidate count
linear in the input size.

Planning (`plan_blocks`) only counts: it yields per-key group sizes, so the engine can
estimate memory from the block-size histogram before a single pair exists.
Generation (`generate_pairs`) then materializes pairs, optionally for a slice of the
external records only (sharding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from syncbridge.matching.sides import Prepared, Side

FINE_CELL_DEG = 0.005  # ~550 m north-south: same place, re-geocoded or jittered
COARSE_CELL_DEG = 0.5  # ~55 km: same town or region, for name tokens that are common
_GRID_W = np.int64(1 << 20)


@dataclass(frozen=True)
class PassSpec:
    """One blocking pass: `kind` says how keys are made from which columns."""

    name: str
    kind: str  # cat | list | list_pairs | cat_x_cat | list_x_cat | pairs_x_cat | geo | list_x_geo
    column: str = ""
    other: str = ""
    cell_deg: float = 0.0
    cap_factor: float = 1.0  # multiplies max_block_pairs for this pass


PASSES: dict[str, tuple[PassSpec, ...]] = {
    "location": (
        PassSpec("phone", "cat", "phone"),
        PassSpec("website", "cat", "website"),
        PassSpec("postal_code", "cat", "postal_code", cap_factor=0.5),
        PassSpec("street", "cat_x_cat", "street", "postal3"),
        PassSpec("name_token", "list", "block_tok", cap_factor=0.2),
        PassSpec("name_token_city", "list_x_cat", "block_tok", "city"),
        PassSpec("common_name_city", "pairs_x_cat", "common_tok", "city"),
        PassSpec("street_city", "cat_x_cat", "street", "city"),
        PassSpec("name_token_cell", "list_x_geo", "block_tok", cell_deg=COARSE_CELL_DEG),
        PassSpec("geo_cell", "geo", cell_deg=FINE_CELL_DEG, cap_factor=0.2),
    ),
    "product": (
        PassSpec("sku", "cat", "sku"),
        PassSpec("model_number", "list", "models"),
        PassSpec("model_stem", "list", "model_stems", cap_factor=0.2),
        PassSpec("name_token", "list", "block_tok"),
        PassSpec("name_token_pair", "list_pairs", "pair_tok"),
    ),
    "batch": (
        PassSpec("lot_code", "cat", "lot_code"),
        PassSpec("product_id", "cat", "product_id", cap_factor=0.2),
        PassSpec("name_token", "list", "block_tok", cap_factor=0.5),
    ),
}


@dataclass
class BlockPlan:
    """Kept keys of one pass: where each key's records sit in the sorted record arrays."""

    name: str
    rec_i: np.ndarray  # internal record index, sorted by key
    rec_e: np.ndarray  # external record index, sorted by key
    start_i: np.ndarray
    count_i: np.ndarray
    start_e: np.ndarray
    count_e: np.ndarray
    skipped_keys: int

    @property
    def pairs(self) -> int:
        return int(np.dot(self.count_i.astype(np.int64), self.count_e.astype(np.int64)))

    @property
    def nbytes(self) -> int:
        return sum(
            a.nbytes
            for a in (
                self.rec_i,
                self.rec_e,
                self.start_i,
                self.count_i,
                self.start_e,
                self.count_e,
            )
        )

    def pairs_per_external(self, n_ext: int) -> np.ndarray:
        """How many pairs each external record gets from this pass (for shard sizing)."""
        kidx = np.repeat(np.arange(len(self.count_e)), self.count_e)
        pos = _ranges(self.start_e, self.count_e)
        return np.bincount(self.rec_e[pos], weights=self.count_i[kidx], minlength=n_ext).astype(
            np.int64
        )


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + n) for each (s, n), vectorized."""
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts.astype(np.int64) - (ends - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _list_entries(side: Side, column: str) -> tuple[np.ndarray, np.ndarray]:
    indptr, flat = side.lists[column]
    rec = np.repeat(np.arange(side.n, dtype=np.int32), np.diff(indptr))
    return flat.astype(np.int64), rec


def _cat_entries(side: Side, column: str) -> tuple[np.ndarray, np.ndarray]:
    ids = side.cat[column]
    rec = np.flatnonzero(ids >= 0).astype(np.int32)
    return ids[rec].astype(np.int64), rec


def _pair_entries(side: Side, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair of a record's tokens as one key: two shared words, even
    common ones ("door" + "refrigerator"), are far more selective than either alone."""
    indptr, flat = side.lists[column]
    lengths = np.diff(indptr)
    width = int(lengths.max(initial=0))
    keys, recs = [], []
    for a in range(width):
        for b in range(a + 1, width):
            rows = np.flatnonzero(lengths > b)
            if len(rows) == 0:
                continue
            ta = flat[indptr[rows] + a].astype(np.int64)
            tb = flat[indptr[rows] + b].astype(np.int64)
            lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
            keys.append(lo * (1 << 31) + hi)
            recs.append(rows.astype(np.int32))
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    return np.concatenate(keys), np.concatenate(recs)


def _cells(side: Side, cell_deg: float, neighbours: bool) -> tuple[np.ndarray, np.ndarray]:
    """Grid cell keys; with `neighbours`, also the 3 cells toward the nearest corner.

    An internal record sits in its own cell; an external one looks in its cell and the
    three cells around its nearest corner, so any pair closer than half a cell in both
    axes shares a key, at 4 keys per record instead of 9.
    """
    lat, lon = side.num["lat"], side.num["lon"]
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    fy = (lat[ok] + 90.0) / cell_deg
    fx = (lon[ok] + 180.0) / cell_deg
    iy, ix = np.floor(fy).astype(np.int64), np.floor(fx).astype(np.int64)
    rec = ok.astype(np.int32)
    if not neighbours:
        return iy * _GRID_W + ix, rec
    dy = np.where(fy - iy < 0.5, -1, 1)
    dx = np.where(fx - ix < 0.5, -1, 1)
    keys = np.concatenate(
        [iy * _GRID_W + ix, (iy + dy) * _GRID_W + ix, iy * _GRID_W + ix + dx,
         (iy + dy) * _GRID_W + ix + dx]
    )  # fmt: skip
    return keys, np.tile(rec, 4)


def _cross(
    a_keys: np.ndarray, a_rec: np.ndarray, b_keys: np.ndarray, b_rec: np.ndarray, b_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keys of (a, b) entries of the same record combined into one int64 key."""
    if len(a_keys) == 0 or len(b_keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    order = np.argsort(b_rec, kind="stable")
    b_rec_s, b_keys_s = b_rec[order], b_keys[order]
    lo = np.searchsorted(b_rec_s, a_rec, side="left")
    hi = np.searchsorted(b_rec_s, a_rec, side="right")
    n = hi - lo
    pos = _ranges(lo, n)
    rep = np.repeat(np.arange(len(a_keys)), n)
    return a_keys[rep] * np.int64(b_size) + b_keys_s[pos], a_rec[rep]


def pass_entries(
    spec: PassSpec, side: Side, is_external: bool, vocab_sizes: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(key, record) entries of one side for one pass."""
    if spec.kind == "cat":
        return _cat_entries(side, spec.column)
    if spec.kind == "list":
        return _list_entries(side, spec.column)
    if spec.kind == "list_pairs":
        return _pair_entries(side, spec.column)
    if spec.kind == "cat_x_cat":
        ak, ar = _cat_entries(side, spec.column)
        ck, cr = _cat_entries(side, spec.other)
        return _cross(ak, ar, ck, cr, vocab_sizes[spec.other] + 1)
    if spec.kind == "pairs_x_cat":
        pk, pr = _pair_entries(side, spec.column)
        ck, cr = _cat_entries(side, spec.other)
        return _cross(pk, pr, ck, cr, vocab_sizes[spec.other] + 1)
    if spec.kind == "list_x_cat":
        tk, tr = _list_entries(side, spec.column)
        ck, cr = _cat_entries(side, spec.other)
        return _cross(tk, tr, ck, cr, vocab_sizes[spec.other] + 1)
    if spec.kind == "geo":
        return _cells(side, spec.cell_deg, neighbours=is_external)
    if spec.kind == "list_x_geo":
        tk, tr = _list_entries(side, spec.column)
        ck, cr = _cells(side, spec.cell_deg, neighbours=is_external)
        return _cross(tk, tr, ck, cr, int((180.0 / spec.cell_deg + 3) * int(_GRID_W)))
    raise ValueError(spec.kind)  # pragma: no cover


def _group(keys: np.ndarray, recs: np.ndarray):
    order = np.argsort(keys, kind="stable")
    k, r = keys[order], recs[order]
    del order
    uk, start, count = np.unique(k, return_index=True, return_counts=True)
    return uk, start, count, r


def plan_pass(spec: PassSpec, prep: Prepared, max_block_pairs: int) -> BlockPlan:
    """Group both sides by key and keep keys whose pair count is under the cap."""
    ki, ri = pass_entries(spec, prep.internal, False, prep.vocab_sizes)
    ke, re_ = pass_entries(spec, prep.external, True, prep.vocab_sizes)
    ui, si, ci, ri = _group(ki, ri)
    del ki
    ue, se, ce, re_ = _group(ke, re_)
    del ke
    _, xi, xe = np.intersect1d(ui, ue, assume_unique=True, return_indices=True)
    ci_k, ce_k = ci[xi].astype(np.int64), ce[xe].astype(np.int64)
    cap = max(1, int(max_block_pairs * spec.cap_factor))
    keep = ci_k * ce_k <= cap
    return BlockPlan(
        spec.name,
        ri.astype(np.int32),
        re_.astype(np.int32),
        si[xi][keep].astype(np.int64),
        ci_k[keep].astype(np.int32),
        se[xe][keep].astype(np.int64),
        ce_k[keep].astype(np.int32),
        int((~keep).sum()),
    )


def plan_blocks(prep: Prepared, profile: str, max_block_pairs: int) -> list[BlockPlan]:
    return [plan_pass(spec, prep, max_block_pairs) for spec in PASSES[profile]]


def generate_pairs(
    plans: list[BlockPlan], n_int: int, ext_lo: int = 0, ext_hi: int | None = None
) -> np.ndarray:
    """Unique candidate pairs as sorted int64 codes `ext * n_int + int` (ext in [lo, hi))."""
    chunks = []
    for plan in plans:
        codes = _pass_codes(plan, n_int, ext_lo, ext_hi)
        if len(codes):
            chunks.append(codes)
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    codes = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    del chunks
    codes.sort()
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _pass_codes(plan: BlockPlan, n_int: int, ext_lo: int, ext_hi: int | None) -> np.ndarray:
    kidx = np.repeat(np.arange(len(plan.count_e), dtype=np.int64), plan.count_e)
    pos_e = _ranges(plan.start_e, plan.count_e)
    ext = plan.rec_e[pos_e]
    del pos_e
    if ext_lo > 0 or ext_hi is not None:
        sel = (ext >= ext_lo) & (ext < (ext_hi if ext_hi is not None else np.iinfo(np.int32).max))
        ext, kidx = ext[sel], kidx[sel]
    ci = plan.count_i[kidx].astype(np.int64)
    pos_i = _ranges(plan.start_i[kidx], ci)
    del kidx
    codes = np.repeat(ext.astype(np.int64) * np.int64(n_int), ci)
    codes += plan.rec_i[pos_i]
    return codes


def split_pairs(codes: np.ndarray, n_int: int) -> tuple[np.ndarray, np.ndarray]:
    return (codes // n_int).astype(np.int32), (codes % n_int).astype(np.int32)
