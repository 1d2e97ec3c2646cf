"""The cases a benchmark run covers: the real ones in `../shared/bench/cases/` and the
generated location cases (`synthetic-50k`, `synthetic-100k`, `synthetic-1m`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmarks import synthetic

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_CASES_DIR = REPO_ROOT.parent / "shared" / "bench" / "cases"
CACHE_DIR = REPO_ROOT / ".bench"
SYNTHETIC_SIZES = {"synthetic-50k": 50_000, "synthetic-100k": 100_000, "synthetic-1m": 1_000_000}
QUICK_SYNTHETIC = ("synthetic-50k",)
_SIZE_NAME = re.compile(r"^synthetic-(\d+)(k|m)?$")


@dataclass(frozen=True)
class Case:
    name: str
    kind: Literal["real", "synthetic"]
    directory: Path

    @property
    def internal(self) -> Path:
        return self.directory / "internal.jsonl"

    @property
    def external(self) -> Path:
        return self.directory / "external.jsonl"

    @property
    def gold(self) -> Path:
        return self.directory / "gold.jsonl"

    @property
    def meta(self) -> dict[str, object]:
        return json.loads((self.directory / "case.json").read_text())

    @property
    def profile(self) -> str:
        return str(self.meta["profile"])


def real_case_names(cases_dir: Path = REAL_CASES_DIR) -> list[str]:
    if not cases_dir.is_dir():
        return []
    return sorted(p.name for p in cases_dir.iterdir() if (p / "case.json").is_file())


def synthetic_size(name: str) -> int | None:
    """`synthetic-50k` -> 50000, `synthetic-1m` -> 1000000, anything else -> None."""
    match = _SIZE_NAME.match(name.lower())
    if not match:
        return None
    unit = {"k": 1_000, "m": 1_000_000, None: 1}[match.group(2)]
    return int(match.group(1)) * unit


def default_case_names(quick: bool, cases_dir: Path = REAL_CASES_DIR) -> list[str]:
    synthetic_names = QUICK_SYNTHETIC if quick else tuple(SYNTHETIC_SIZES)
    return [*real_case_names(cases_dir), *synthetic_names]


def resolve(
    names: list[str], cases_dir: Path = REAL_CASES_DIR, cache: Path = CACHE_DIR
) -> Iterator[Case]:
    """Yield each named case, generating synthetic ones on first use."""
    real = set(real_case_names(cases_dir))
    for name in names:
        if name in real:
            yield Case(name, "real", cases_dir / name)
            continue
        size = synthetic_size(name)
        if size is None:
            raise ValueError(
                f"unknown case {name!r}: not in {cases_dir} and not synthetic-<N>[k|m]"
            )
        generated = synthetic.ensure_case(cache / "synthetic", size)
        yield Case(name, "synthetic", generated.directory)


def read_ids(path: Path) -> list[str]:
    ids = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                ids.append(str(json.loads(line)["id"]))
    return ids


def read_gold(path: Path) -> list[tuple[str, str]]:
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                pairs.append((str(row["external_id"]), str(row["internal_id"])))
    return pairs
