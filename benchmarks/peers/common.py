"""What the peers share: reading the inputs, light cleaning, one-to-one, writing output.

The cleaning is the light kind both libraries' documentation asks for before linking
(lower case, no accents or punctuation, digits-only phones, bare web domains, 5-digit
US ZIPs); it is deliberately the same for every peer.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

LOCATION_FIELDS = (
    "name",
    "address",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "website",
)
PRODUCT_FIELDS = ("name", "brand", "sku", "description", "price", "category")
PROFILES = ("location", "product")
# Both libraries' documentation asks that each blocking rule be checked for the number of
# comparisons it generates (Splink: `count_comparisons_from_blocking_rule`) and tightened
# when it is too many. The peers apply that check, with one fixed budget per rule.
PAIR_BUDGET_PER_RULE = 50_000_000


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--internal", type=Path, required=True)
    parser.add_argument("--external", type=Path, required=True)
    parser.add_argument("--profile", choices=PROFILES, required=True)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def read_records(path: Path, profile: str) -> pd.DataFrame:
    """Load one side as a DataFrame with every field of the profile (None where absent)."""
    fields = (*LOCATION_FIELDS, "lat", "lon") if profile == "location" else PRODUCT_FIELDS
    columns: dict[str, list[object]] = {"id": [], **{f: [] for f in fields}}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            columns["id"].append(str(record["id"]))
            for name in fields:
                columns[name].append(record.get(name))
    frame = pd.DataFrame(columns)
    return frame.set_index("id", drop=False)


def _nullable(values: pd.Series, keep: pd.Series) -> pd.Series:
    """Object column with None where `keep` is false or the value is missing."""
    out = values.where(keep.fillna(False)).astype(object)
    return out.where(out.notna(), None)


def clean_text(values: pd.Series) -> pd.Series:
    """Lower case, accents stripped, punctuation to spaces, whitespace collapsed."""
    text = values.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore")
    text = text.str.decode("ascii").str.lower()
    text = text.str.replace(r"[^a-z0-9 ]+", " ", regex=True)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    return _nullable(text, text.str.len() > 0)


def clean_phone(values: pd.Series) -> pd.Series:
    digits = values.astype("string").str.replace(r"\D+", "", regex=True).str[-10:]
    return _nullable(digits, digits.str.len() >= 7)


def clean_website(values: pd.Series) -> pd.Series:
    domain = values.astype("string").str.lower().str.strip()
    domain = domain.str.replace(r"^[a-z]+://", "", regex=True).str.replace(
        r"^www\.", "", regex=True
    )
    domain = domain.str.split("/").str[0].str.strip()
    return _nullable(domain, domain.str.len() > 0)


def clean_postal(values: pd.Series) -> pd.Series:
    code = values.astype("string").str.upper().str.replace(r"[^A-Z0-9]+", "", regex=True)
    us_zip = code.str.fullmatch(r"\d{9}|\d{5}").fillna(False)
    code = code.where(~us_zip, code.str[:5])
    return _nullable(code, code.str.len() > 0)


def to_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype(float)


def clean_location(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in ("name", "address", "city", "state", "country"):
        out[name] = clean_text(frame[name])
    out["postal_code"] = clean_postal(frame["postal_code"])
    out["phone"] = clean_phone(frame["phone"])
    out["website"] = clean_website(frame["website"])
    out["lat"] = to_float(frame["lat"])
    out["lon"] = to_float(frame["lon"])
    out["name_prefix"] = _nullable(out["name"].astype("string").str[:3], out["name"].notna())
    return out


def clean_product(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in ("name", "brand", "description", "category"):
        out[name] = clean_text(frame[name])
    out["sku"] = clean_postal(frame["sku"])  # same treatment: upper-case alphanumerics
    price = frame["price"].astype("string").str.replace(r"[^0-9.]+", "", regex=True)
    out["price"] = pd.to_numeric(price, errors="coerce").astype(float)
    first_word = out["name"].astype("string").str.split(" ").str[0]
    out["brand"] = out["brand"].where(out["brand"].notna(), first_word.astype(object))
    return out


def comparisons_for_rule(external: pd.DataFrame, internal: pd.DataFrame, columns: list[str]) -> int:
    """How many pairs blocking on equal `columns` generates (rows with a null never pair)."""

    def key_counts(frame: pd.DataFrame) -> pd.Series:
        keys = frame[columns].dropna()
        return keys.astype(str).agg("\x1f".join, axis=1).value_counts()

    left, right = key_counts(external), key_counts(internal)
    return int((left * right.reindex(left.index).fillna(0)).sum())


def affordable_rule(
    external: pd.DataFrame, internal: pd.DataFrame, columns: list[str], tighten_with: str
) -> list[str]:
    """`columns`, or `columns + [tighten_with]` when the rule would exceed the budget."""
    if comparisons_for_rule(external, internal, columns) <= PAIR_BUDGET_PER_RULE:
        return columns
    return [*columns, tighten_with]


def one_to_one(
    external_ids: np.ndarray, internal_ids: np.ndarray, scores: np.ndarray
) -> list[tuple[str, str, float]]:
    """Greedy one-to-one by best score first (ties broken by ids, so runs repeat)."""
    order = np.lexsort((internal_ids, external_ids, -scores))
    used_external: set[str] = set()
    used_internal: set[str] = set()
    chosen: list[tuple[str, str, float]] = []
    for index in order:
        external, internal = external_ids[index], internal_ids[index]
        if external in used_external or internal in used_internal:
            continue
        used_external.add(external)
        used_internal.add(internal)
        chosen.append((str(external), str(internal), float(scores[index])))
    return chosen


def write_output(
    path: Path,
    external_ids: Iterable[str],
    links: list[tuple[str, str, float]],
    explanations: dict[tuple[str, str], dict[str, object]] | None = None,
) -> None:
    """One line per external record: `match` for a chosen link, `create` for the rest."""
    by_external = {external: (internal, score) for external, internal, score in links}
    explanations = explanations or {}
    with path.open("w", encoding="utf-8") as handle:
        for external in external_ids:
            if external in by_external:
                internal, score = by_external[external]
                row = {
                    "external_id": external,
                    "internal_id": internal,
                    "score": round(score, 6),
                    "decision": "match",
                    "explanation": explanations.get((external, internal), {}),
                }
            else:
                row = {
                    "external_id": external,
                    "internal_id": None,
                    "score": 0.0,
                    "decision": "create",
                    "explanation": {},
                }
            handle.write(json.dumps(row) + "\n")
