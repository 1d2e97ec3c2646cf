"""Comparison types: how two records' fields are put into graded levels, vectorised.

A profile (`profiles.COMPARISONS`) declares its comparisons as (name, type, fields, m,
cuts, ...); each type here turns the fields of many pairs at once into an int8 level
(1 = most alike ... k = least, 0 = a side is missing: no evidence) plus the raw evidence
the explanation shows. Types:

| type | levels (most alike first) | evidence |
| --- | --- | --- |
| `name` (person / business name, product title) | same distinctive name, then similarity >= each cut, then lower | `name` |
| `address` (street address and coordinates) | same spot, < 1 km or address >= .8, < 5 km or >= .6, < 25 km, farther | `address`, `distance_m` |
| `postal_area` (postcode and town) | same postcode, same district or town, other | `postal_code`, `city` |
| `exact` (phone, website, SKU, brand, lot code, any code) | equal, different | the comparison's name |
| `model_number` (model / part codes in titles) | a shared code, one inside the other, disjoint | `model` |
| `ratio` (price, quantity: numbers) | min/max ratio >= each cut, lower | the comparison's name |
| `date` (days apart) | <= each cut in days, farther | `days_apart` |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from syncbridge.matching.profiles import ComparisonSpec
from syncbridge.matching.sides import Prepared, Side

TF_SELF_SMOOTHING = 0.2
EARTH_RADIUS_M = 6_371_008.8


def tf_share(ids: np.ndarray) -> np.ndarray:
    """Leave-one-out share of internal records holding each value id."""
    size = max(int(ids.max(initial=-1)) + 1, 1)
    valid = ids[ids >= 0]
    counts = np.bincount(valid, minlength=size).astype(np.float64)
    return (np.maximum(counts - 1.0, 0.0) + TF_SELF_SMOOTHING) / max(len(valid), 1)


@dataclass
class PairFeatures:
    """The comparisons of many pairs: levels, raw evidence, term-frequency inputs."""

    levels: dict[str, np.ndarray]  # int8 level per comparison
    evidence: dict[str, np.ndarray]  # float32 raw similarity / distance, NaN = missing
    tf_values: dict[str, np.ndarray]  # internal value id per pair, for TF weights
    tf_u: dict[str, np.ndarray] = field(default_factory=dict)  # per-pair u at level 1


def _similarity(a: np.ndarray, b: np.ndarray, scorer: Callable = fuzz.ratio) -> np.ndarray:
    """rapidfuzz batch similarity in [0, 1]; 0 where either string is empty."""
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    workers = -1 if len(a) >= 20_000 else 1  # threads only pay off on big batches
    sim = process.cpdist(a, b, scorer=scorer, dtype=np.float32, workers=workers)
    sim *= np.float32(0.01)
    return sim


def name_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ratio of the sorted distinctive tokens; token-set ratio (x0.9) rescues sub/supersets.

    "4 stitch" vs "4 stitch taproom" gets 0.9, not the 0.67 plain ratio gives.
    """
    sim = _similarity(a, b)
    low = np.flatnonzero((sim < 0.9) & (sim >= 0.3))
    if len(low):
        alt = _similarity(a[low], b[low], fuzz.token_set_ratio) * np.float32(0.9)
        sim[low] = np.maximum(sim[low], alt)
    return sim


def _house_numbers(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Per record, an id of its address's house number (first token, when it holds a
    digit), shared by both sides; -1 without one. Built once per run."""
    cache = prep.__dict__.setdefault("_tf_cache", {})
    if "house_number" not in cache:
        vocab: dict[str, int] = {}

        def number_id(first: str) -> int:  # once per distinct first word
            if first and any(c.isdigit() for c in first):
                return vocab.setdefault(first, len(vocab))
            return -1

        out = []
        for side in (prep.external, prep.internal):
            firsts = [text.partition(" ")[0] for text in side.text["address"].tolist()]
            table = {w: number_id(w) for w in dict.fromkeys(firsts)}
            out.append(np.fromiter(map(table.__getitem__, firsts), dtype=np.int32, count=side.n))
        cache["house_number"] = (out[0], out[1])
    return cache["house_number"]


def _address_similarity(
    prep: Prepared, e: np.ndarray, i: np.ndarray, dist: np.ndarray | None = None
) -> np.ndarray:
    """Street addresses, NaN where a side has none. Where the house numbers agree but the
    plain ratio is low, word order ("13 towns crescent korrelocking" / "13 korrelocking
    towns crescent") and added localities or units are forgiven: the best of token-sort
    and (x0.9) token-set ratio counts. Only there: those scorers cost 3x the plain one.

    With `dist` (levels only): a pair without the same house number whose place level is
    the same at similarity 0 and at its similarity's upper bound (`_ratio_bound`) gets 0
    without a rapidfuzz call: the level only falls as the similarity falls, so any value
    in between gives that level too."""
    Ex, In = prep.external, prep.internal
    num_e, num_i = _house_numbers(prep)
    if dist is None:
        sim = _text_similarity(Ex, In, "address", e, i, _similarity)
    else:
        both = Ex.has["address"][e] & In.has["address"][i]
        sim = np.full(len(e), np.nan, dtype=np.float32)
        sim[both] = 0.0
        cand = np.flatnonzero(both & ((num_e[e] != num_i[i]) | (num_i[i] < 0)))
        bound = _ratio_bound(prep, "address", e[cand], i[cand])
        zero = np.zeros(len(cand), dtype=np.float32)
        settled = cand[_place_levels(dist[cand], zero) == _place_levels(dist[cand], bound)]
        both[settled] = False
        todo = np.flatnonzero(both)
        if len(todo):
            sim[todo] = _similarity(Ex.text["address"][e[todo]], In.text["address"][i[todo]])
    with np.errstate(invalid="ignore"):
        gate = (sim < 0.9) & (sim >= 0.2)
    same = num_e[e] == num_i[i]
    low = np.flatnonzero(gate & same & (num_i[i] >= 0))
    if len(low):
        a, b = Ex.text["address"][e[low]], In.text["address"][i[low]]
        alt = np.maximum(
            _similarity(a, b, fuzz.token_sort_ratio),
            _similarity(a, b, fuzz.token_set_ratio) * np.float32(0.9),
        )
        sim[low] = np.maximum(sim[low], alt)
    return sim


FULL_NAME_RESCUE = 0.92
"""A full name at least this similar stands in for a low distinctive-name similarity."""


def _name_similarity(
    prep: Prepared, e: np.ndarray, i: np.ndarray, exact: np.ndarray | None = None
) -> np.ndarray:
    """Similarity of distinctive names; where that is low, a near-identical full name
    (>= 0.92: a typo in a name made of common words) counts instead.

    `exact` (levels only, no evidence wanted): pairs whose cores are identical get 1.0
    without a rapidfuzz call, and the full-name rescue is tried only where the lengths
    allow a ratio of 0.92 (ratio <= 2 min(len) / (len_a + len_b)): the levels are the
    same, the calls far fewer."""
    Ex, In = prep.external, prep.internal
    if exact is None:
        sim = _text_similarity(Ex, In, "name_core", e, i, name_similarity)
    else:
        sim = np.full(len(e), np.nan, dtype=np.float32)
        both = Ex.has["name_core"][e] & In.has["name_core"][i]
        sim[both & exact] = 1.0
        rest = np.flatnonzero(both & ~exact)
        if len(rest):
            sim[rest] = name_similarity(
                Ex.text["name_core"][e[rest]], In.text["name_core"][i[rest]]
            )
    with np.errstate(invalid="ignore"):
        low = sim < FULL_NAME_RESCUE
    if exact is not None:
        len_e, len_i = _text_lengths(prep, "name_full")
        la, lb = len_e[e], len_i[i]
        low &= 2 * np.minimum(la, lb) >= FULL_NAME_RESCUE * (la + lb)
    low = np.flatnonzero(low)
    if len(low):
        full = _similarity(Ex.text["name_full"][e[low]], In.text["name_full"][i[low]])
        sim[low] = np.where(full >= FULL_NAME_RESCUE, np.maximum(sim[low], full), sim[low])
    return sim


def _char_masks(prep: Prepared, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Per record, a 64-bit set of the characters of a text column (code point mod 64),
    external and internal, built once, in slices (bounded work arrays)."""
    cache = prep.__dict__.setdefault("_tf_cache", {})
    key = "mask_" + col
    if key not in cache:
        out = []
        for side in (prep.external, prep.internal):
            texts = side.text[col].tolist()
            masks = np.zeros(side.n, dtype=np.uint64)
            for lo in range(0, side.n, 65_536):
                chunk = texts[lo : lo + 65_536]
                lens = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
                cps = np.frombuffer("".join(chunk).encode("utf-32-le"), dtype=np.uint32)
                if len(cps) == 0:
                    continue
                bits = np.left_shift(np.uint64(1), (cps % 64).astype(np.uint64))
                starts = np.cumsum(lens) - lens
                filled = lens > 0
                masks[lo : lo + len(chunk)][filled] = np.bitwise_or.reduceat(bits, starts[filled])
            out.append(masks)
        cache[key] = (out[0], out[1])
    return cache[key]


def _ratio_bound(prep: Prepared, col: str, e: np.ndarray, i: np.ndarray) -> np.ndarray:
    """An upper bound of rapidfuzz's ratio per pair, from integers only.

    ratio = 1 - indel / (len_a + len_b), and the indel distance is at least the length
    difference and at least the number of characters (mod 64) one side has and the
    other lacks."""
    len_e, len_i = _text_lengths(prep, col)
    mask_e, mask_i = _char_masks(prep, col)
    la, lb = len_e[e].astype(np.int64), len_i[i].astype(np.int64)
    missing = np.bitwise_count(mask_e[e] ^ mask_i[i]).astype(np.int64)
    least = np.maximum(np.abs(la - lb), missing)
    return (1.0 - least / np.maximum(la + lb, 1)).astype(np.float32)


def _text_lengths(prep: Prepared, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Character length of a text column per record (external, internal), built once."""
    cache = prep.__dict__.setdefault("_tf_cache", {})
    key = "len_" + col
    if key not in cache:
        cache[key] = tuple(
            np.fromiter(map(len, side.text[col].tolist()), dtype=np.int32, count=side.n)
            for side in (prep.external, prep.internal)
        )
    return cache[key]


def _name_u(prep: Prepared, e: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Per-pair u of an exact name: the share of other internal records with the same
    full name when the full names agree ("Havenford Twin Falls Craft Brewery" is rarer
    than its distinctive core "havenford"), else with the same core."""
    cache = prep.__dict__.setdefault("_tf_cache", {})
    Ex, In = prep.external, prep.internal
    for col in ("name_full", "name_core"):
        if col not in cache:
            cache[col] = tf_share(In.cat[col])
    full_i = In.cat["name_full"][i]
    same_full = (Ex.cat["name_full"][e] == full_i) & (full_i >= 0)
    core_i = np.maximum(In.cat["name_core"][i], 0)
    return np.where(
        same_full, cache["name_full"][np.maximum(full_i, 0)], cache["name_core"][core_i]
    )


def _text_similarity(Ex: Side, In: Side, col: str, e: np.ndarray, i: np.ndarray, fn) -> np.ndarray:
    """Similarity of a text column, NaN where either side is empty (computed only where both)."""
    out = np.full(len(e), np.nan, dtype=np.float32)
    both = np.flatnonzero(Ex.has[col][e] & In.has[col][i])
    if len(both):
        out[both] = fn(Ex.text[col][e[both]], In.text[col][i[both]])
    return out


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return (2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))).astype(np.float32)


def _eq(ids_e: np.ndarray, ids_i: np.ndarray) -> np.ndarray:
    """Equality evidence: 1 equal, 0 different, NaN when either is missing."""
    out = (ids_e == ids_i).astype(np.float32)
    out[(ids_e < 0) | (ids_i < 0)] = np.nan
    return out


def _bin_levels(value: np.ndarray, cuts: list[tuple[float, int]], default: int) -> np.ndarray:
    """Level per value: first cut with value >= threshold wins; NaN -> 0."""
    out = np.full(len(value), default, dtype=np.int8)
    assigned = np.zeros(len(value), dtype=bool)
    for threshold, level in cuts:
        hit = ~assigned & (value >= threshold)
        out[hit] = level
        assigned |= hit
    out[np.isnan(value)] = 0
    return out


def _eq_levels(ev: np.ndarray) -> np.ndarray:
    out = np.where(ev == 1.0, 1, 2).astype(np.int8)
    out[np.isnan(ev)] = 0
    return out


def _models_shared(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], e: np.ndarray, i: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: shared model ids, whether both have any, internal count of the rarest shared."""
    ea, fa = a
    ib, fb = b
    ne, ni = np.diff(ea)[e], np.diff(ib)[i]
    both = (ne > 0) & (ni > 0)
    shared = np.zeros(len(e), dtype=np.int32)
    model_df = np.bincount(fb, minlength=int(max(fa.max(initial=0), fb.max(initial=0))) + 1)
    rarest = np.full(len(e), np.iinfo(np.int64).max, dtype=np.int64)
    idx = np.flatnonzero(both)
    if len(idx):
        # explode external models of each pair, test membership in the internal set
        cnt = ne[idx]
        pair_rep = np.repeat(idx, cnt)
        starts = ea[e[idx]]
        from syncbridge.matching.blocking import _ranges

        m_e = fa[_ranges(starts, cnt)].astype(np.int64)
        # internal models as (pair, model) codes, sorted
        cnt_i = ni[idx]
        pair_rep_i = np.repeat(idx, cnt_i)
        m_i = fb[_ranges(ib[i[idx]], cnt_i)].astype(np.int64)
        big = np.int64(max(int(fa.max(initial=0)), int(fb.max(initial=0))) + 1)
        codes_i = np.sort(pair_rep_i.astype(np.int64) * big + m_i)
        codes_e = pair_rep.astype(np.int64) * big + m_e
        pos = np.searchsorted(codes_i, codes_e)
        pos[pos >= len(codes_i)] = 0
        hit = codes_i[pos] == codes_e
        shared = np.bincount(pair_rep[hit], minlength=len(e)).astype(np.int32)
        np.minimum.at(rarest, pair_rep[hit], model_df[m_e[hit]])
    return shared, both, rarest


def _model_contained(prep: Prepared, e: np.ndarray, i: np.ndarray) -> np.ndarray:
    words = prep.model_words
    Ex, In = prep.external, prep.internal
    out = np.zeros(len(e), dtype=bool)
    (ea, fa), (ib, fb) = Ex.lists["models"], In.lists["models"]
    for k in range(len(e)):
        me = [words[t] for t in fa[ea[e[k]] : ea[e[k] + 1]]]
        mi = [words[t] for t in fb[ib[i[k]] : ib[i[k] + 1]]]
        out[k] = any((len(x) >= 4 and len(y) >= 4) and (x in y or y in x) for x in me for y in mi)
    return out


@dataclass
class Compared:
    """One comparison over many pairs."""

    levels: np.ndarray
    evidence: dict[str, np.ndarray]
    tf_values: dict[str, np.ndarray] = field(default_factory=dict)
    tf_u: np.ndarray | None = None  # per-pair u of exact agreement (names, model codes)


def _level_cuts(spec: ComparisonSpec, first: int) -> list[tuple[float, int]]:
    return [(cut, first + n) for n, cut in enumerate(spec.cuts)]


def _name(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    Ex, In = prep.external, prep.internal
    exact = Ex.cat["name_core"][e] == In.cat["name_core"][i]
    sim = _name_similarity(prep, e, i, None if evidence else exact)
    levels = _bin_levels(sim, _level_cuts(spec, 2), len(spec.cuts) + 2)
    levels[exact & (levels > 0)] = 1
    return Compared(
        levels, {"name": sim}, {"name_core": In.cat["name_core"][i]}, _name_u(prep, e, i)
    )


def _address(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    """Street address and coordinates together: they say the same thing twice."""
    Ex, In = prep.external, prep.internal
    dist = haversine_m(Ex.num["lat"][e], Ex.num["lon"][e], In.num["lat"][i], In.num["lon"][i])
    addr = _address_similarity(prep, e, i, None if evidence else dist)
    return Compared(_place_levels(dist, addr), {"distance_m": dist, "address": addr})


def _place_levels(dist: np.ndarray, addr: np.ndarray) -> np.ndarray:
    """Same spot, < 1 km or address >= .8, < 5 km or >= .6, < 25 km, farther; 0 when
    neither coordinates nor addresses compare. Never rises as `addr` falls."""
    with np.errstate(invalid="ignore"):
        addr_clash = addr < 0.6
        lv1 = (addr >= 0.95) | ((dist < 100) & ~addr_clash)
        lv2 = (dist < 1000) | (addr >= 0.8)
        lv3 = (dist < 5000) | (addr >= 0.6)
        lv4 = dist < 25000
    levels = np.select([lv1, lv2, lv3, lv4], [1, 2, 3, 4], 5).astype(np.int8)
    levels[np.isnan(dist) & np.isnan(addr)] = 0
    return levels


def _postal_area(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    Ex, In = prep.external, prep.internal
    postal = _eq(Ex.cat["postal_code"][e], In.cat["postal_code"][i])
    postal3 = _eq(Ex.cat["postal3"][e], In.cat["postal3"][i])
    city = _eq(Ex.cat["city"][e], In.cat["city"][i])
    levels = np.select([postal == 1, (postal3 == 1) | (city == 1)], [1, 2], 3).astype(np.int8)
    levels[np.isnan(postal) & np.isnan(city)] = 0
    return Compared(levels, {"postal_code": postal, "city": city})


def _exact(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    col = spec.fields[0]
    ids_i = prep.internal.cat[col][i]
    ev = _eq(prep.external.cat[col][e], ids_i)
    return Compared(_eq_levels(ev), {spec.name: ev}, {col: ids_i})


def _model_number(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    Ex, In = prep.external, prep.internal
    shared, both, rarest = _models_shared(Ex.lists["models"], In.lists["models"], e, i)
    model_u = (np.maximum(np.minimum(rarest, In.n) - 1.0, 0.0) + TF_SELF_SMOOTHING) / In.n
    # a model code of one side appearing inside the other's name ("A590" in "A590IS")
    contained = np.zeros(len(e), dtype=bool)
    cand = np.flatnonzero(both & (shared == 0))
    if len(cand):
        contained[cand] = _model_contained(prep, e[cand], i[cand])
    levels = np.where(shared > 0, 1, np.where(contained, 2, 3)).astype(np.int8)
    levels[~both] = 0
    ev = np.where(shared > 0, 1.0, np.where(contained, 0.5, 0.0)).astype(np.float32)
    ev[~both] = np.nan
    return Compared(levels, {"model": ev}, tf_u=model_u)


def _ratio(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    col = spec.fields[0]
    a, b = prep.external.num[col][e], prep.internal.num[col][i]
    with np.errstate(all="ignore"):
        ratio = (np.minimum(a, b) / np.maximum(a, b)).astype(np.float32)
    ratio[~((a > 0) & (b > 0))] = np.nan
    ratio[(a == b) & np.isfinite(a)] = 1.0
    return Compared(
        _bin_levels(ratio, _level_cuts(spec, 1), len(spec.cuts) + 1), {spec.name: ratio}
    )


def _date(
    prep: Prepared, e: np.ndarray, i: np.ndarray, spec: ComparisonSpec, evidence: bool = True
) -> Compared:
    col = spec.fields[0]
    days = np.abs(prep.external.num[col][e] - prep.internal.num[col][i]).astype(np.float32)
    cuts = [(-cut, level) for cut, level in _level_cuts(spec, 1)]
    return Compared(_bin_levels(-days, cuts, len(spec.cuts) + 1), {"days_apart": days})


TYPES: dict[str, Callable[..., Compared]] = {
    "name": _name,
    "address": _address,
    "postal_area": _postal_area,
    "exact": _exact,
    "model_number": _model_number,
    "ratio": _ratio,
    "date": _date,
}


def compare(
    prep: Prepared,
    e: np.ndarray,
    i: np.ndarray,
    specs: tuple[ComparisonSpec, ...],
    evidence: bool = True,
) -> PairFeatures:
    """Every declared comparison of a profile over the pairs (e[k], i[k]).

    `evidence=False` when only the levels matter (scoring, EM): a type may then skip
    work that changes no level, and its evidence values are not the explanation's."""
    feats = PairFeatures(levels={}, evidence={}, tf_values={})
    for spec in specs:
        got = TYPES[spec.type](prep, e, i, spec, evidence)
        feats.levels[spec.name] = got.levels
        feats.evidence.update(got.evidence)
        feats.tf_values.update(got.tf_values)
        if got.tf_u is not None:
            feats.tf_u[spec.name] = got.tf_u
    return feats
