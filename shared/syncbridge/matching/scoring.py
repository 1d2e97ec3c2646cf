"""Vectorized pair scoring: Fellegi-Sunter log-likelihood weights, calibrated per run.

Each comparison puts a pair into a level (0 = a side is missing: no evidence). A level
carries the weight ln(m / u): m = P(level | same entity) is a documented prior about how
records of the same thing drift; u = P(level | different entities) is measured on the
data of this run, from random pairs (so "same city" counts for little in a one-city
dataset and a lot in a world-wide one), and for exact agreement on a value from that
value's frequency (term frequency: sharing "facebook.com" says less than sharing a rare
domain). The score is the posterior probability sigmoid(prior log-odds + sum of
weights), with the prior from the expected number of matches among all n*m pairs.

Geographic evidence is folded into two comparisons instead of four: `place` (street
address and coordinates, strongly correlated) and `area` (postal code and town), each
missing (no evidence) where the pair lacks its fields, so a tenant without coordinates is
not judged as if the records were far apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from syncbridge.matching import fellegi_sunter as fs
from syncbridge.matching.sides import Prepared, Side

EXPECTED_MATCH_SHARE = 0.5
"""Prior: about half the records of the smaller side have a partner."""
U_SAMPLE_PAIRS = 100_000
TF_SELF_SMOOTHING = 0.2
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Comparison:
    """A field's levels 1..k with their m probabilities; `tf` names the TF-adjusted column."""

    name: str
    m: tuple[float, ...]
    tf: str | None = None  # column whose value frequency replaces u at level 1
    given: str | None = None  # comparison this one is correlated with (see Scorer._given_u)


@dataclass
class PairFeatures:
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


def _name_similarity(Ex: Side, In: Side, e: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Similarity of distinctive names; where that is low, a near-identical full name
    (>= 0.92: a typo in a name made of common words) counts instead."""
    sim = _text_similarity(Ex, In, "name_core", e, i, name_similarity)
    with np.errstate(invalid="ignore"):
        low = np.flatnonzero(sim < 0.92)
    if len(low):
        full = _similarity(Ex.text["name_full"][e[low]], In.text["name_full"][i[low]])
        sim[low] = np.where(full >= 0.92, np.maximum(sim[low], full), sim[low])
    return sim


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


# ---------------------------------------------------------------- location


LOCATION = (
    # name: core equal, >=.92, >=.80, >=.60, lower (renames keep ~4%)
    Comparison("name", (0.80, 0.08, 0.05, 0.03, 0.04), tf="name_core"),
    # place (street address and coordinates): same spot, nearby, close, same region, far
    Comparison("place", (0.80, 0.08, 0.05, 0.04, 0.03)),
    # area (postal code and town): same postal code, same postal district or town, other
    Comparison("area", (0.85, 0.10, 0.05)),
    Comparison("phone", (0.94, 0.06), tf="phone"),
    # chains share a website across towns: when names agree, a shared site says less
    Comparison("website", (0.92, 0.08), tf="website", given="name"),
)


def _location(prep: Prepared, e: np.ndarray, i: np.ndarray) -> PairFeatures:
    Ex, In = prep.external, prep.internal
    name = _name_similarity(Ex, In, e, i)
    name_exact = Ex.cat["name_core"][e] == In.cat["name_core"][i]
    name_lv = _bin_levels(name, [(0.92, 2), (0.80, 3), (0.60, 4)], 5)
    name_lv[name_exact & (name_lv > 0)] = 1

    dist = haversine_m(Ex.num["lat"][e], Ex.num["lon"][e], In.num["lat"][i], In.num["lon"][i])
    addr = _text_similarity(Ex, In, "address", e, i, _similarity)
    postal = _eq(Ex.cat["postal_code"][e], In.cat["postal_code"][i])
    postal3 = _eq(Ex.cat["postal3"][e], In.cat["postal3"][i])
    city = _eq(Ex.cat["city"][e], In.cat["city"][i])
    with np.errstate(invalid="ignore"):
        addr_clash = addr < 0.6
        lv1 = (addr >= 0.95) | ((dist < 100) & ~addr_clash)
        lv2 = (dist < 1000) | (addr >= 0.8)
        lv3 = (dist < 5000) | (addr >= 0.6)
        lv4 = dist < 25000
    place = np.select([lv1, lv2, lv3, lv4], [1, 2, 3, 4], 5).astype(np.int8)
    place[np.isnan(dist) & np.isnan(addr)] = 0
    area = np.select([postal == 1, (postal3 == 1) | (city == 1)], [1, 2], 3).astype(np.int8)
    area[np.isnan(postal) & np.isnan(city)] = 0

    phone = _eq(Ex.cat["phone"][e], In.cat["phone"][i])
    web = _eq(Ex.cat["website"][e], In.cat["website"][i])
    return PairFeatures(
        tf_u={"name": _name_u(prep, e, i)},
        levels={
            "name": name_lv, "place": place, "area": area, "phone": _eq_levels(phone),
            "website": _eq_levels(web),
        },
        evidence={
            "name": name, "distance_m": dist, "address": addr, "postal_code": postal,
            "city": city, "phone": phone, "website": web,
        },
        tf_values={
            "name_core": In.cat["name_core"][i], "phone": In.cat["phone"][i],
            "website": In.cat["website"][i],
        },
    )  # fmt: skip


# ---------------------------------------------------------------- product

PRODUCT = (
    # shop titles differ in wording: similarity spreads wide even for the same item
    Comparison("name", (0.10, 0.25, 0.25, 0.20, 0.20), tf="name_core"),
    # model numbers: a shared one, one contained in another, both present but disjoint
    Comparison("model", (0.80, 0.10, 0.10), tf="*"),
    Comparison("sku", (0.95, 0.05), tf="sku"),
    Comparison("brand", (0.90, 0.10), tf="brand"),
    # price within 10 %, within 35 %, further apart
    Comparison("price", (0.60, 0.30, 0.10)),
)


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


def _product(prep: Prepared, e: np.ndarray, i: np.ndarray) -> PairFeatures:
    Ex, In = prep.external, prep.internal
    name = _name_similarity(Ex, In, e, i)
    name_exact = Ex.cat["name_core"][e] == In.cat["name_core"][i]
    name_lv = _bin_levels(name, [(0.90, 2), (0.75, 3), (0.60, 4)], 5)
    name_lv[name_exact & (name_lv > 0)] = 1

    shared, both, rarest = _models_shared(Ex.lists["models"], In.lists["models"], e, i)
    model_u = (np.maximum(np.minimum(rarest, In.n) - 1.0, 0.0) + TF_SELF_SMOOTHING) / In.n
    # a model code of one side appearing inside the other's name ("A590" in "A590IS")
    contained = np.zeros(len(e), dtype=bool)
    cand = np.flatnonzero(both & (shared == 0))
    if len(cand):
        contained[cand] = _model_contained(prep, e[cand], i[cand])
    model_lv = np.where(shared > 0, 1, np.where(contained, 2, 3)).astype(np.int8)
    model_lv[~both] = 0
    model_ev = np.where(shared > 0, 1.0, np.where(contained, 0.5, 0.0)).astype(np.float32)
    model_ev[~both] = np.nan

    sku = _eq(Ex.cat["sku"][e], In.cat["sku"][i])
    brand = _eq(Ex.cat["brand"][e], In.cat["brand"][i])
    pe, pi = Ex.num["price"][e], In.num["price"][i]
    with np.errstate(all="ignore"):
        ratio = (np.minimum(pe, pi) / np.maximum(pe, pi)).astype(np.float32)
    ratio[~((pe > 0) & (pi > 0))] = np.nan
    price_lv = _bin_levels(ratio, [(0.9, 1), (0.65, 2)], 3)
    return PairFeatures(
        levels={
            "name": name_lv, "model": model_lv, "sku": _eq_levels(sku),
            "brand": _eq_levels(brand), "price": price_lv,
        },
        evidence={"name": name, "model": model_ev, "sku": sku, "brand": brand, "price": ratio},
        tf_values={
            "name_core": In.cat["name_core"][i], "sku": In.cat["sku"][i],
            "brand": In.cat["brand"][i],
        },
        tf_u={"model": model_u, "name": _name_u(prep, e, i)},
    )  # fmt: skip


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


# ---------------------------------------------------------------- batch

BATCH = (
    Comparison("lot_code", (0.90, 0.10), tf="lot_code"),
    Comparison("product_id", (0.95, 0.05), tf="product_id"),
    Comparison("name", (0.70, 0.15, 0.07, 0.04, 0.04), tf="name_core"),
    # produced the same day, within 2 days, within 10 days, further apart
    Comparison("produced_at", (0.75, 0.15, 0.06, 0.04)),
    # quantity within 2 %, within 20 %, further apart
    Comparison("quantity", (0.70, 0.20, 0.10)),
)


def _batch(prep: Prepared, e: np.ndarray, i: np.ndarray) -> PairFeatures:
    Ex, In = prep.external, prep.internal
    lot = _eq(Ex.cat["lot_code"][e], In.cat["lot_code"][i])
    pid = _eq(Ex.cat["product_id"][e], In.cat["product_id"][i])
    name = _name_similarity(Ex, In, e, i)
    name_exact = Ex.cat["name_core"][e] == In.cat["name_core"][i]
    name_lv = _bin_levels(name, [(0.92, 2), (0.80, 3), (0.60, 4)], 5)
    name_lv[name_exact & (name_lv > 0)] = 1
    days = np.abs(Ex.num["produced_at"][e] - In.num["produced_at"][i]).astype(np.float32)
    days_lv = _bin_levels(-days, [(-0.5, 1), (-2.0, 2), (-10.0, 3)], 4)
    qe, qi = Ex.num["quantity"][e], In.num["quantity"][i]
    with np.errstate(all="ignore"):
        q = (np.minimum(qe, qi) / np.maximum(qe, qi)).astype(np.float32)
    q[~((qe > 0) & (qi > 0))] = np.nan
    q[(qe == qi) & np.isfinite(qe)] = 1.0
    q_lv = _bin_levels(q, [(0.98, 1), (0.8, 2)], 3)
    return PairFeatures(
        tf_u={"name": _name_u(prep, e, i)},
        levels={
            "lot_code": _eq_levels(lot), "product_id": _eq_levels(pid), "name": name_lv,
            "produced_at": days_lv, "quantity": q_lv,
        },
        evidence={
            "lot_code": lot, "product_id": pid, "name": name, "days_apart": days,
            "quantity": q,
        },
        tf_values={
            "lot_code": In.cat["lot_code"][i], "product_id": In.cat["product_id"][i],
            "name_core": In.cat["name_core"][i],
        },
    )  # fmt: skip


PROFILE_COMPARISONS: dict[str, tuple[tuple[Comparison, ...], Callable]] = {
    "location": (LOCATION, _location),
    "product": (PRODUCT, _product),
    "batch": (BATCH, _batch),
}


class Scorer:
    """Scores pairs for one run. u is measured on random pairs of this run's data; m and
    the match prior are learned by EM over this run's candidate pairs (`calibrate_prior`),
    starting from the documented `Comparison.m` values and refined by reviewer labels."""

    def __init__(
        self, prep: Prepared, profile: str, seed: int = 0, labels=None, start_m=None
    ) -> None:
        self.prep = prep
        self.comparisons, self._features = PROFILE_COMPARISONS[profile]
        n_i, n_e = prep.internal.n, prep.external.n
        expected = max(1.0, EXPECTED_MATCH_SHARE * min(n_i, n_e))
        self.prior_logit = float(np.log(expected) - np.log(max(n_i * n_e - expected, 1.0)))
        self.weights: dict[str, np.ndarray] = {}
        self.tf_weight: dict[str, np.ndarray] = {}
        self.u: dict[str, np.ndarray] = {}  # among candidate pairs, once learned
        self.u_random: dict[str, np.ndarray] = {}  # among random pairs
        self.m: dict[str, np.ndarray] = {}
        self.given_weight: dict[str, float] = {}
        self.match_share = EXPECTED_MATCH_SHARE
        self.partner_share = EXPECTED_MATCH_SHARE  # share of externals with a partner
        self.labels = labels  # (external idx, internal idx, 1.0/0.0) arrays, or None
        self.em: fs.EMResult | None = None
        self._fit(seed, start_m or {})

    def calibrate_prior(self, e: np.ndarray, i: np.ndarray, n_ext_sampled: int) -> np.ndarray:
        """Learn m and the match prior by EM over a sample of the candidate pairs.

        u stays as measured on random pairs; the reviewer's labelled pairs (if any) join
        the EM with their answer fixed. The prior is lambda, the share of matches among
        candidate pairs, so a score is the posterior P(match | levels) within the
        candidates, calibrated on this run. Returns the sample's scores.
        """
        if len(e) == 0 or n_ext_sampled == 0:
            return np.zeros(0)
        levels = self.features(e, i).levels
        labels = None
        if self.labels is not None and len(self.labels[0]):
            le, li, ly = self.labels
            lab_levels = self.features(le, li).levels
            levels = {k: np.concatenate([levels[k], lab_levels[k]]) for k in levels}
            labels = np.concatenate([np.full(len(e), np.nan), ly.astype(np.float64)])
        n_i, n_e = self.prep.internal.n, self.prep.external.n
        start = EXPECTED_MATCH_SHARE * min(n_i, n_e) / max(len(e) * n_e / n_ext_sampled, 1.0)
        names = [c.name for c in self.comparisons]
        most = min(n_i, n_e) * n_ext_sampled / n_e / max(len(e), 1)
        self.em = fs.expectation_maximisation(
            {k: levels[k] for k in names}, self.u_random, self.m, start, labels, most
        )
        for comp in self.comparisons:
            self.u[comp.name] = self.em.u[comp.name]
            self._set_m(comp, self.em.m[comp.name])
        self.prior_logit = float(np.log(self.em.match_share) - np.log1p(-self.em.match_share))
        expected = self.em.match_share * len(e) * n_e / n_ext_sampled
        self.match_share = float(min(expected / max(min(n_i, n_e), 1), 1.0))
        self.partner_share = float(min(expected / max(n_e, 1), 1.0))
        return probability(self.logit(self.features(e, i)))

    def learned_parameters(self) -> dict[str, list[float]]:
        """m per comparison (levels 1..k): a later run of this profile starts from it."""
        return {k: [round(float(x), 6) for x in v[1:]] for k, v in self.m.items()}

    def _fit(self, seed: int, start_m: dict[str, list[float]]) -> None:
        prep = self.prep
        rng = np.random.default_rng(seed)
        n_i, n_e = prep.internal.n, prep.external.n
        s = int(min(U_SAMPLE_PAIRS, max(1000, n_i * n_e)))
        e = rng.integers(0, n_e, s).astype(np.int32)
        i = rng.integers(0, n_i, s).astype(np.int32)
        feats = self._features(prep, e, i)
        for comp in self.comparisons:
            self.u_random[comp.name] = fs.estimate_u(feats.levels[comp.name], len(comp.m))
            self.u[comp.name] = self.u_random[comp.name]
            start = start_m.get(comp.name)
            if start is None or len(start) != len(comp.m) or not all(x > 0 for x in start):
                start = comp.m  # the documented starting values
            m = np.asarray(start, dtype=np.float64)
            self._set_m(comp, np.concatenate([[1.0], m / m.sum()]))

    def _set_m(self, comp: Comparison, m: np.ndarray) -> None:
        self.m[comp.name] = m
        self.weights[comp.name] = fs.match_weights(m, self.u[comp.name])
        if comp.tf and comp.tf != "*" and comp.name not in self.tf_weight:
            self.tf_weight[comp.name] = self._tf_base(comp) - np.log(
                tf_share(self.prep.internal.cat[comp.tf])
            )
        if comp.given:
            self._given_u(comp)

    def _tf_base(self, comp: Comparison) -> float:
        """ln of the random-pair share agreeing exactly on `comp` (its level 1)."""
        return float(np.log(self.u_random[comp.name][1]))

    def features(self, e: np.ndarray, i: np.ndarray) -> PairFeatures:
        return self._features(self.prep, e, i)

    def logit(self, feats: PairFeatures) -> np.ndarray:
        """Posterior log-odds: the prior plus every comparison's match weight."""
        total = np.full(len(next(iter(feats.levels.values()))), self.prior_logit)
        for w in self.comparison_weights(feats).values():
            total += w
        return total

    def comparison_weights(self, feats: PairFeatures) -> dict[str, np.ndarray]:
        """Each comparison's match weight ln(m/u) per pair (0 when a side is missing),
        term-frequency adjusted on exact agreement: what the explanation shows."""
        out: dict[str, np.ndarray] = {}
        for comp in self.comparisons:
            lv = feats.levels[comp.name]
            w = self.weights[comp.name][lv]
            # term frequency (as Splink): exact agreement on value v weighs the level's
            # weight plus ln(u_level / u_v), u_level the random-pair share agreeing
            if comp.name in feats.tf_u:
                tfw = (
                    self.weights[comp.name][1] + self._tf_base(comp) - np.log(feats.tf_u[comp.name])
                )
                w = np.where(lv == 1, tfw, w)
            elif comp.tf:
                vals = feats.tf_values[comp.tf]
                exact = (lv == 1) & (vals >= 0)
                tfw = self.weights[comp.name][1] + self.tf_weight[comp.name][np.maximum(vals, 0)]
                w = np.where(exact, tfw, w)
            if comp.given and comp.name in self.given_weight:
                # names that agree (levels 1-3): applying the cap to exact names only
                # would let a near-identical name outrank the identical one
                given = feats.levels[comp.given]
                both = (lv == 1) & (given >= 1) & (given <= 3)
                w = np.where(both, np.minimum(w, self.given_weight[comp.name]), w)
            out[comp.name] = w
        return out

    def explain(self, feats: PairFeatures) -> list[dict[str, float]]:
        """Per pair: the raw evidence (similarities, distance) and each comparison's match
        weight as `weight_<comparison>` (natural log-odds), plus `weight_prior`; the
        weights sum to the logit of the score, so a reviewer sees what decided it."""
        out = explanations(feats)
        prior = round(self.prior_logit, 3)
        columns = [
            (f"weight_{k}", np.round(v.astype(np.float64), 3).tolist())
            for k, v in self.comparison_weights(feats).items()
        ]
        for n, d in enumerate(out):
            d["weight_prior"] = prior
            for key, values in columns:
                d[key] = values[n]
        return out

    def _given_u(self, comp: Comparison) -> None:
        """u of agreeing on `comp` among different records that agree on `comp.given`.

        Measured on the internal side: of the pairs of internal records sharing a core
        name, the share that also share a website. Chains (one name, one site, many
        towns) push it towards 1, and then a shared site adds nothing to a shared name;
        where same-named records rarely share a site, it stays strong evidence.
        """
        internal = self.prep.internal
        a = internal.cat.get("name_core") if comp.given == "name" else None
        b = internal.cat.get(comp.tf or comp.name)
        if a is None or b is None:
            return
        ok = (a >= 0) & (b >= 0)
        a, b = a[ok].astype(np.int64), b[ok].astype(np.int64)
        _, per_a = np.unique(a, return_counts=True)
        _, per_ab = np.unique(a * (int(b.max(initial=0)) + 1) + b, return_counts=True)
        pairs_a = float((per_a * (per_a - 1) / 2).sum())
        pairs_ab = float((per_ab * (per_ab - 1) / 2).sum())
        if pairs_a < 20:
            return  # too few same-named records to say anything
        u = (pairs_ab + 0.5) / (pairs_a + 1.0)
        self.given_weight[comp.name] = float(np.log(self.m[comp.name][1]) - np.log(u))

    def score(self, e: np.ndarray, i: np.ndarray) -> tuple[np.ndarray, PairFeatures]:
        feats = self.features(e, i)
        return probability(self.logit(feats)), feats


def tf_share(ids: np.ndarray) -> np.ndarray:
    """Leave-one-out share of internal records holding each value id."""
    size = max(int(ids.max(initial=-1)) + 1, 1)
    valid = ids[ids >= 0]
    counts = np.bincount(valid, minlength=size).astype(np.float64)
    return (np.maximum(counts - 1.0, 0.0) + TF_SELF_SMOOTHING) / max(len(valid), 1)


def probability(logit: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))).astype(np.float64)


def explanations(feats: PairFeatures) -> list[dict[str, float]]:
    """Per-field evidence of every pair; missing (NaN) fields are left out."""
    columns = []
    for key, arr in feats.evidence.items():
        digits = 1 if key in ("distance_m", "days_apart") else 3
        columns.append((key, np.round(arr.astype(np.float64), digits).tolist()))
    n = len(next(iter(feats.evidence.values()))) if feats.evidence else 0
    out: list[dict[str, float]] = [{} for _ in range(n)]
    for key, values in columns:
        for d, v in zip(out, values, strict=True):
            if v == v:  # not NaN
                d[key] = v
    return out
