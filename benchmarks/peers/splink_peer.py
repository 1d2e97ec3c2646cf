"""Peer: Splink with the DuckDB backend, set up the way its documentation's examples are.

`link_only` between the two sides; blocking rules on exact keys (each checked for the
comparisons it generates and tightened with the name's first letters when over budget,
as the blocking docs advise); the model is trained
without labels as the tutorial does (probability two random records match from
deterministic rules, u by random sampling, m by expectation maximisation on two
blocking rules); predict; pairs with match probability above 0.5 (the Bayes decision)
are candidates, and one-to-one takes the most probable first.

    python -m benchmarks.peers.splink_peer --internal I --external E --profile P --out O
"""

from __future__ import annotations

import logging
from importlib.metadata import version

import duckdb
import numpy as np
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from benchmarks.peers.common import (
    affordable_rule,
    clean_location,
    clean_product,
    one_to_one,
    parse_args,
    read_records,
    write_output,
)

MATCH_PROBABILITY = 0.5
# DuckDB takes 80% of RAM by default; on a shared machine it gets a fixed budget below the
# harness's RSS cap, so that it spills to disk (as it is built to) instead of being stopped.
DUCKDB_MEMORY_LIMIT = "8GB"
U_SAMPLE_PAIRS = 1e7
SEED = 17


Model = tuple[list, list, list, list[str]]


def _location_model() -> Model:
    """(comparisons, prediction blocking rules, deterministic rules, EM rules), each a
    (columns used, Splink object) pair, so that fields absent from a file are left out."""
    comparisons = [
        (("name",), cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.8])),
        (("address",), cl.JaroWinklerAtThresholds("address", [0.95, 0.88])),
        (("city",), cl.ExactMatch("city").configure(term_frequency_adjustments=True)),
        (("postal_code",), cl.ExactMatch("postal_code")),
        (("phone",), cl.ExactMatch("phone")),
        (("website",), cl.ExactMatch("website")),
        (("lat", "lon"), cl.DistanceInKMAtThresholds("lat", "lon", [0.1, 1.0, 10.0])),
    ]
    # Plain column rules (None): built by `_rules`, tightened if over the pair budget.
    blocking = [
        (("postal_code",), None),
        (("phone",), None),
        (("website",), None),
        (("name",), None),
        (("city", "name_prefix"), None),
    ]
    deterministic = [(("phone",), None), (("website",), None), (("name", "city"), None)]
    em_rules = [(("postal_code",), None), (("name",), None)]
    return comparisons, blocking, deterministic, em_rules


def _product_model() -> Model:
    comparisons = [
        (("name",), cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.8])),
        (("name_tokens",), cl.ArrayIntersectAtSizes("name_tokens", [4, 2, 1])),
        (("name_codes",), cl.ArrayIntersectAtSizes("name_codes", [1])),
        (("description_tokens",), cl.ArrayIntersectAtSizes("description_tokens", [4, 2, 1])),
        (("brand",), cl.ExactMatch("brand")),
        (("sku",), cl.ExactMatch("sku")),
    ]
    blocking = [
        (("brand",), block_on("brand")),
        (("sku",), block_on("sku")),
        (("name",), block_on("substr(name, 1, 6)")),
    ]
    deterministic = [
        (("brand", "name"), "l.brand = r.brand and jaro_winkler_similarity(l.name, r.name) >= 0.9"),
        (("name_codes",), "len(list_intersect(l.name_codes, r.name_codes)) >= 1"),
        (("sku",), block_on("sku")),
    ]
    em_rules = [(("brand",), block_on("brand")), (("name",), block_on("substr(name, 1, 6)"))]
    return comparisons, blocking, deterministic, em_rules


def _tokens(values: pd.Series) -> pd.Series:
    return values.map(lambda text: sorted(set(text.split())) if isinstance(text, str) else None)


def _codes(values: pd.Series) -> pd.Series:
    """Model-number-like tokens (letters and digits, 4+ characters), as product names carry."""

    def codes(text: object) -> list[str] | None:
        if not isinstance(text, str):
            return None
        found = sorted({t for t in text.split() if len(t) >= 4 and any(c.isdigit() for c in t)})
        return found or None

    return values.map(codes)


def _prepare(raw: pd.DataFrame, profile: str) -> pd.DataFrame:
    cleaned = clean_location(raw) if profile == "location" else clean_product(raw)
    if profile == "product":
        cleaned["name_tokens"] = _tokens(cleaned["name"])
        cleaned["name_codes"] = _codes(cleaned["name"])
        cleaned["description_tokens"] = _tokens(cleaned["description"])
    frame = cleaned.copy()
    frame.insert(0, "unique_id", raw["id"].to_numpy())
    return frame.reset_index(drop=True)


def _rules(frames: list[pd.DataFrame], rules: list) -> list:
    """Keep the rules whose columns hold data on both sides; build the plain column rules,
    tightened with the name's first letters when they would exceed the pair budget."""
    kept = []
    for columns, rule in rules:
        if not all(frame[c].notna().any() for frame in frames for c in columns):
            continue
        if rule is None:
            external, internal = frames
            rule = block_on(*affordable_rule(external, internal, list(columns), "name_prefix"))
        kept.append(rule)
    return kept


def _linker(db_api: DuckDBAPI, tables: list[pd.DataFrame], settings: SettingsCreator) -> Linker:
    """Splink 5 registers tables on the DB API first; Splink 4 took the API as an argument."""
    if int(version("splink").split(".")[0]) >= 5:
        registered = [
            db_api.register(table, dataset_display_name=name)
            for table, name in zip(tables, ("external", "internal"), strict=True)
        ]
        return Linker(registered, settings)
    return Linker(tables, settings, db_api, input_table_aliases=["external", "internal"])  # type: ignore[call-arg]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__ or "", argv)
    logging.getLogger("splink").setLevel(logging.WARNING)
    internal_raw = read_records(args.internal, args.profile)
    external_raw = read_records(args.external, args.profile)
    external = _prepare(external_raw, args.profile)
    internal = _prepare(internal_raw, args.profile)
    frames = [external, internal]
    model = _location_model if args.profile == "location" else _product_model
    comparisons, blocking, deterministic_rules, em = model()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=_rules(frames, comparisons),
        blocking_rules_to_generate_predictions=_rules(frames, blocking),
        retain_intermediate_calculation_columns=False,
    )
    deterministic, em_rules = _rules(frames, deterministic_rules), _rules(frames, em)
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    linker = _linker(DuckDBAPI(connection=connection), frames, settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_PROBABILITY)
    scored = predictions.as_pandas_dataframe()
    # link_only: each pair has one id per side; put the external one first.
    left_is_external = scored["source_dataset_l"].to_numpy() == "external"
    ids_l = scored["unique_id_l"].to_numpy(dtype=str)
    ids_r = scored["unique_id_r"].to_numpy(dtype=str)
    external_ids = np.where(left_is_external, ids_l, ids_r)
    internal_ids = np.where(left_is_external, ids_r, ids_l)
    probabilities = scored["match_probability"].to_numpy(dtype=float)
    links = one_to_one(external_ids, internal_ids, probabilities)
    explanations = {(e, i): {"match_probability": round(p, 6)} for e, i, p in links}
    write_output(args.out, external_raw["id"], links, explanations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
