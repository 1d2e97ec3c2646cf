"""Peer: a standard `recordlinkage` pipeline, as the library's documentation builds one.

Index with sorted neighbourhood on the name plus blocks on exact keys (a block key that
would generate more than the per-rule budget of pairs is tightened with the first letters
of the name, as the documentation advises for oversized blocks), compare with
Jaro-Winkler / exact / geographic comparisons, sum the comparison vector, keep pairs
above a threshold, then one-to-one by best score. The threshold is fixed a priori at
half of the available evidence (the documentation's `features.sum(axis=1) > 3` for its
six comparisons), not tuned on any gold file.

    python -m benchmarks.peers.recordlinkage_peer --internal I --external E --profile P --out O
"""

from __future__ import annotations

import pandas as pd
import recordlinkage as rl
from recordlinkage.index import Block, SortedNeighbourhood

from benchmarks.peers.common import (
    affordable_rule,
    clean_location,
    clean_product,
    one_to_one,
    parse_args,
    read_records,
    write_output,
)

SORTED_NEIGHBOURHOOD_WINDOW = 9


def _location_features(internal: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    indexer = rl.Index()
    indexer.add(SortedNeighbourhood("name", window=SORTED_NEIGHBOURHOOD_WINDOW))
    for key in ("postal_code", "phone", "website"):
        indexer.add(Block(affordable_rule(external, internal, [key], "name_prefix")))
    pairs = indexer.index(external, internal)
    compare = rl.Compare()
    compare.string("name", "name", method="jarowinkler", label="name")
    compare.string("address", "address", method="jarowinkler", threshold=0.85, label="address")
    compare.exact("city", "city", label="city")
    compare.exact("postal_code", "postal_code", label="postal_code")
    compare.exact("phone", "phone", label="phone")
    compare.exact("website", "website", label="website")
    compare.geo("lat", "lon", "lat", "lon", method="gauss", offset=0.2, scale=2.0, label="geo")
    return compare.compute(pairs, external, internal)


def _product_features(internal: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    indexer = rl.Index()
    indexer.add(SortedNeighbourhood("name", window=SORTED_NEIGHBOURHOOD_WINDOW))
    indexer.add(Block("brand"))
    indexer.add(Block("sku"))
    pairs = indexer.index(external, internal)
    compare = rl.Compare()
    compare.string("name", "name", method="jarowinkler", label="name")
    compare.string("name", "name", method="cosine", label="name_tokens")
    compare.string("description", "description", method="cosine", label="description")
    compare.exact("brand", "brand", label="brand")
    compare.exact("sku", "sku", label="sku")
    compare.numeric("price", "price", method="gauss", offset=1.0, scale=20.0, label="price")
    return compare.compute(pairs, external, internal)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__ or "", argv)
    internal_raw = read_records(args.internal, args.profile)
    external_raw = read_records(args.external, args.profile)
    cleaner = clean_location if args.profile == "location" else clean_product
    internal, external = cleaner(internal_raw), cleaner(external_raw)
    build = _location_features if args.profile == "location" else _product_features
    features = build(internal, external)
    total = features.sum(axis=1)
    threshold = features.shape[1] / 2
    kept = features[total > threshold]
    kept_total = total[total > threshold]
    external_ids = kept.index.get_level_values(0).to_numpy(dtype=object)
    internal_ids = kept.index.get_level_values(1).to_numpy(dtype=object)
    links = one_to_one(
        external_ids.astype(str), internal_ids.astype(str), kept_total.to_numpy(dtype=float)
    )
    chosen = {(e, i) for e, i, _ in links}
    explanations = {
        key: {name: round(float(value), 4) for name, value in row.items()}
        for key, row in zip(kept.index, kept.to_dict("records"), strict=True)
        if key in chosen
    }
    write_output(args.out, external_raw["id"], links, explanations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
