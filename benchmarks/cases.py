"""The cases a benchmark run covers: the real ones in `../shared/bench/cases/` and the
generated location cases (`synthetic-50k`, `synthetic-100k`, `synthetic-1m`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmarks import datasets, synthetic
from benchmarks.casefiles import CaseFiles

REPO_ROOT = Path(__file__).resolve().parents[1]
ENGINE_GENERATOR = REPO_ROOT / "shared" / "syncbridge" / "matching" / "synthetic.py"
GENERATORS = ("engine", "benchmarks")
ENGINE_SEED = 7
# ../shared beside the clone (as in CI); SYNCBRIDGE_SHARED_DIR points elsewhere (a worktree)
SHARED_DIR = Path(os.environ.get("SYNCBRIDGE_SHARED_DIR") or REPO_ROOT.parent / "shared")
REAL_CASES_DIR = SHARED_DIR / "bench" / "cases"
CACHE_DIR = REPO_ROOT / ".bench"
SYNTHETIC_SIZES = {"synthetic-50k": 50_000, "synthetic-100k": 100_000, "synthetic-1m": 1_000_000}
QUICK_SYNTHETIC = ("synthetic-50k",)
_SIZE_NAME = re.compile(r"^synthetic-(\d+)(k|m)?$")


@dataclass(frozen=True)
class Case(CaseFiles):
    name: str
    kind: Literal["real", "registry", "synthetic"]
    directory: Path

    @property
    def meta(self) -> dict[str, object]:
        return json.loads((self.directory / "case.json").read_text())

    @property
    def profile(self) -> str:
        return str(self.meta["profile"])


def child_env() -> dict[str, str]:
    """Environment for the commands the harness runs: the engine's package importable."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT / "shared"), str(REPO_ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def default_generator() -> str:
    """The engine's generator when it has one (one shared notion of the scale data),
    otherwise the harness's own (`benchmarks/synthetic.py`)."""
    return "engine" if ENGINE_GENERATOR.is_file() else "benchmarks"


def ensure_engine_case(cache: Path, size: int, seed: int = ENGINE_SEED) -> Path:
    """A case from `python -m syncbridge.matching.synthetic` (run as a command), with its
    ids relabelled and lines shuffled; cached per version of the generator's source."""
    fingerprint = hashlib.sha256(ENGINE_GENERATOR.read_bytes()).hexdigest()[:10]
    directory = cache / f"engine-{fingerprint}-{size}-{seed}"
    if (directory / "case.json").exists():
        return directory
    with tempfile.TemporaryDirectory(dir=cache.parent if cache.parent.exists() else None) as raw:
        command = [sys.executable, "-m", "syncbridge.matching.synthetic", raw]
        command += ["--size", str(size), "--seed", str(seed)]
        subprocess.run(command, env=child_env(), cwd=REPO_ROOT, check=True)
        staging = directory.with_name(directory.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        synthetic.relabel(Path(raw), staging)
        meta = json.loads((staging / "case.json").read_text())
        meta["generator"] = f"python -m syncbridge.matching.synthetic --size {size} --seed {seed}"
        (staging / "case.json").write_text(json.dumps(meta, indent=2) + "\n")
        staging.rename(directory)
    return directory


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


REGISTRY_CASES = tuple(datasets.BUILDERS)
"""Public datasets built from package registries (benchmarks/datasets.py)."""


def default_case_names(quick: bool, cases_dir: Path = REAL_CASES_DIR) -> list[str]:
    synthetic_names = QUICK_SYNTHETIC if quick else tuple(SYNTHETIC_SIZES)
    return [*real_case_names(cases_dir), *REGISTRY_CASES, *synthetic_names]


def resolve(
    names: list[str],
    cases_dir: Path = REAL_CASES_DIR,
    cache: Path = CACHE_DIR,
    generator: str | None = None,
) -> Iterator[Case]:
    """Yield each named case, generating synthetic ones on first use."""
    generator = generator or default_generator()
    real = set(real_case_names(cases_dir))
    for name in names:
        if name in real:
            yield Case(name, "real", cases_dir / name)
            continue
        if name in datasets.BUILDERS:
            try:
                yield Case(name, "registry", datasets.ensure(name, cache / "datasets"))
            except datasets.DatasetUnavailable as exc:
                print(f"skipping {name}: {exc}", file=sys.stderr, flush=True)
            continue
        base, _, chosen = name.partition("@")  # synthetic-50k@benchmarks picks a generator
        size = synthetic_size(base)
        if chosen and chosen not in GENERATORS:
            raise ValueError(f"unknown generator {chosen!r} in {name!r}: one of {GENERATORS}")
        if size is None:
            raise ValueError(
                f"unknown case {name!r}: not in {cases_dir} and not synthetic-<N>[k|m][@generator]"
            )
        source = chosen or generator
        print(f"preparing {name} ({source} generator) ...", file=sys.stderr, flush=True)
        if source == "engine":
            directory = ensure_engine_case(cache / "synthetic", size)
        else:
            directory = synthetic.ensure_case(cache / "synthetic", size).directory
        yield Case(name, "synthetic", directory)


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
