"""Vectorized pair scoring: Fellegi-Sunter weights learned on each run.

The profile's declared comparisons (`profiles.COMPARISONS`, computed by `comparisons`)
put each pair into graded levels (0 = a side is missing: no evidence). A level weighs
ln(m / u); u starts from random pairs of this run, m from the profile's documented
values, and both plus the match prior are then learned by EM over this run's candidate
pairs (`fellegi_sunter`), refined by a reviewer's labels when there are any. Exact
agreement on a value weighs by that value's frequency (term frequency: sharing
"facebook.com" says less than sharing a rare domain). The score of a pair is the posterior
sigmoid(prior log-odds + sum of weights) among the candidates.

`haversine_m` and `tf_share` are re-exported from `comparisons` for callers.
"""

from __future__ import annotations

import numpy as np

from syncbridge.matching import fellegi_sunter as fs
from syncbridge.matching.comparisons import PairFeatures, compare, haversine_m, tf_share

__all__ = ["Scorer", "haversine_m", "probability", "tf_share"]
from syncbridge.matching.profiles import COMPARISONS, ComparisonSpec
from syncbridge.matching.sides import Prepared

NEGLIGIBLE_LOGIT = -12.0
"""Posterior log-odds below which a candidate cannot matter: never kept (the possible
threshold is far above), and its odds (< 6e-6) vanish beside its rivals'."""
EXPECTED_MATCH_SHARE = 0.5
"""Prior: about half the records of the smaller side have a partner."""
U_SAMPLE_PAIRS = 100_000


class Scorer:
    """Scores pairs for one run. u is measured on random pairs of this run's data; m and
    the match prior are learned by EM over this run's candidate pairs (`calibrate_prior`),
    starting from the profile's documented `ComparisonSpec.m` values and refined by reviewer labels."""

    def __init__(
        self, prep: Prepared, profile: str, seed: int = 0, labels=None, start_m=None
    ) -> None:
        self.prep = prep
        self.comparisons = COMPARISONS[profile]
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
        levels = self.features(e, i, evidence=False).levels
        labels = None
        if self.labels is not None and len(self.labels[0]):
            le, li, ly = self.labels
            lab_levels = self.features(le, li, evidence=False).levels
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
        return probability(self.logit(self.features(e, i, evidence=False)))

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
        feats = compare(prep, e, i, self.comparisons, evidence=False)
        for comp in self.comparisons:
            self.u_random[comp.name] = fs.estimate_u(feats.levels[comp.name], len(comp.m))
            self.u[comp.name] = self.u_random[comp.name]
            start = start_m.get(comp.name)
            if start is None or len(start) != len(comp.m) or not all(x > 0 for x in start):
                start = comp.m  # the documented starting values
            m = np.asarray(start, dtype=np.float64)
            self._set_m(comp, np.concatenate([[1.0], m / m.sum()]))

    def _set_m(self, comp: ComparisonSpec, m: np.ndarray) -> None:
        self.m[comp.name] = m
        self.weights[comp.name] = fs.match_weights(m, self.u[comp.name])
        if comp.tf and comp.tf != "*" and comp.name not in self.tf_weight:
            self.tf_weight[comp.name] = self._tf_base(comp) - np.log(
                tf_share(self.prep.internal.cat[comp.tf])
            )
        if comp.given:
            self._given_u(comp)

    def _tf_base(self, comp: ComparisonSpec) -> float:
        """ln of the random-pair share agreeing exactly on `comp` (its level 1)."""
        return float(np.log(self.u_random[comp.name][1]))

    def features(self, e: np.ndarray, i: np.ndarray, evidence: bool = True) -> PairFeatures:
        return compare(self.prep, e, i, self.comparisons, evidence)

    def candidate_logit(self, e: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Posterior log-odds of many candidate pairs, the costly name comparisons spared
        where they cannot matter.

        Every comparison but the name ones is computed first (integer equality, distance,
        address). A pair whose log-odds could not reach `NEGLIGIBLE_LOGIT` even with its
        names as alike as names that are not identical can be (the best weight of the
        levels below "same name") is scored with its names at the least alike level:
        its true log-odds lie between that and the bound, both below the threshold, so
        it is never kept and adds at most e^NEGLIGIBLE_LOGIT to its external's odds.
        Identical names (an integer test) are always scored exactly."""
        named = [c for c in self.comparisons if c.type == "name"]
        if not named or len(e) == 0:
            return self.logit(self.features(e, i, evidence=False))
        rest = tuple(c for c in self.comparisons if c.type != "name")
        feats = compare(self.prep, e, i, rest, evidence=False)
        bound = np.full(len(e), self.prior_logit)
        for comp in rest:  # uncapped by `given`: the cap only lowers a weight
            bound += self._weight(comp, feats)
        need = np.zeros(len(e), dtype=bool)
        for comp in named:
            w = self.weights[comp.name]
            exact = self._names_identical(e, i)
            need |= exact | (bound + float(w[2:].max()) >= NEGLIGIBLE_LOGIT)
        sub = np.flatnonzero(need)
        got = compare(self.prep, e[sub], i[sub], tuple(named), evidence=False)
        for comp in named:
            lv = np.full(len(e), len(comp.m), dtype=np.int8)  # least alike
            lv[~self._names_present(e, i)] = 0
            lv[sub] = got.levels[comp.name]
            feats.levels[comp.name] = lv
            if comp.name in got.tf_u:
                tf_u = np.ones(len(e))
                tf_u[sub] = got.tf_u[comp.name]
                feats.tf_u[comp.name] = tf_u
        for col, vals in got.tf_values.items():
            full = np.full(len(e), -1, dtype=vals.dtype)
            full[sub] = vals
            feats.tf_values[col] = full
        return self.logit(feats)

    def _names_present(self, e: np.ndarray, i: np.ndarray) -> np.ndarray:
        return self.prep.external.has["name_core"][e] & self.prep.internal.has["name_core"][i]

    def _names_identical(self, e: np.ndarray, i: np.ndarray) -> np.ndarray:
        same = self.prep.external.cat["name_core"][e] == self.prep.internal.cat["name_core"][i]
        return same & self._names_present(e, i)

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
            w = self._weight(comp, feats)
            if comp.given and comp.name in self.given_weight:
                # names that agree (levels 1-3): applying the cap to exact names only
                # would let a near-identical name outrank the identical one
                given = feats.levels[comp.given]
                both = (lv == 1) & (given >= 1) & (given <= 3)
                w = np.where(both, np.minimum(w, self.given_weight[comp.name]), w)
            out[comp.name] = w
        return out

    def _weight(self, comp: ComparisonSpec, feats: PairFeatures) -> np.ndarray:
        """ln(m/u) of each pair's level, term-frequency adjusted on exact agreement."""
        lv = feats.levels[comp.name]
        w = self.weights[comp.name][lv]
        # term frequency (as Splink): exact agreement on value v weighs the level's
        # weight plus ln(u_level / u_v), u_level the random-pair share agreeing
        if comp.name in feats.tf_u:
            tfw = self.weights[comp.name][1] + self._tf_base(comp) - np.log(feats.tf_u[comp.name])
            w = np.where(lv == 1, tfw, w)
        elif comp.tf:
            vals = feats.tf_values[comp.tf]
            exact = (lv == 1) & (vals >= 0)
            tfw = self.weights[comp.name][1] + self.tf_weight[comp.name][np.maximum(vals, 0)]
            w = np.where(exact, tfw, w)
        return w

    def explain(self, feats: PairFeatures, extra=()) -> list[dict[str, float]]:
        """Per pair: the raw evidence (similarities, distance) and each comparison's match
        weight as `weight_<comparison>` (natural log-odds), plus `weight_prior`; the
        weights sum to the logit of the score, so a reviewer sees what decided it.
        `extra` columns (key, values, present or None) follow, as in `explanations`."""
        n = _pairs(feats)
        columns = [(f"weight_{k}", np.round(v.astype(np.float64), 3), None)
                   for k, v in self.comparison_weights(feats).items()]  # fmt: skip
        prior = (("weight_prior", np.full(n, round(self.prior_logit, 3)), None),)
        return explanations(feats, (*prior, *columns, *extra))

    def _given_u(self, comp: ComparisonSpec) -> None:
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


def probability(logit: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))).astype(np.float64)


def _pairs(feats: PairFeatures) -> int:
    return len(next(iter(feats.levels.values()))) if feats.levels else 0


def explanations(feats: PairFeatures, extra=()) -> list[dict[str, float]]:
    """Per-field evidence of every pair; missing (NaN) fields are left out. `extra`
    columns (key, float values, bool mask of the pairs that have it or None for all)
    follow the evidence in that order.

    Pairs are grouped by which keys they have, so each pair's dict is made in one call
    (the keys of its group zipped with its values), not key by key."""
    columns = []
    for key, arr in feats.evidence.items():
        digits = 1 if key in ("distance_m", "days_apart") else 3
        values = np.round(arr.astype(np.float64), digits)
        columns.append((key, values, ~np.isnan(values)))
    columns.extend(extra)
    n = len(columns[0][1]) if columns else _pairs(feats)
    if not columns:
        return [{} for _ in range(n)]
    pattern = np.zeros(n, dtype=np.int64)
    for bit, (_, _, present) in enumerate(columns):
        if present is not None:
            pattern |= present.astype(np.int64) << bit
    out: list[dict[str, float]] = [None] * n  # type: ignore[list-item] # every group fills its own
    groups = np.unique(pattern)
    for group in groups.tolist():
        idx = np.flatnonzero(pattern == group) if len(groups) > 1 else np.arange(n)
        have = [c for bit, c in enumerate(columns) if c[2] is None or group >> bit & 1]
        if not have:
            for k in idx.tolist():
                out[k] = {}
            continue
        keys = [key for key, _, _ in have]
        rows = zip(*(v[idx].tolist() for _, v, _ in have), strict=True)
        for k, row in zip(idx.tolist(), rows, strict=True):
            out[k] = dict(zip(keys, row, strict=True))
    return out
