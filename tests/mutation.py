"""Mutation testing of the domain services and the matcher's decisions (`make mutation`).

    .venv/bin/python -m tests.mutation                 # every package, one after the other
    .venv/bin/python -m tests.mutation setup pest      # some packages
    .venv/bin/python -m tests.mutation --list          # the packages and their unit tests

Each package is mutated by mutmut against its fast unit tests only, in a staging copy
under `.artifacts/mutation/<package>/` (gitignored): the work tree is never mutated, and
mutmut sees `syncbridge` as a top-level package (the repository keeps it under `shared/`,
which mutmut 3 cannot map back to module names). Prints, per package, the killed / total
score and the surviving mutants (`mutmut show NAME` in the staging folder shows a diff),
and writes them to `.artifacts/mutation/summary.json`.

Every package is scored twice: over all its mutants, and over its domain logic only. The
second leaves out mutants that cannot show a missing test of behaviour: those of
composition roots (`domain/*/bootstrap.py`: wiring of real adapters, exercised by the
integration tests, and on its way out of `domain/`); of port declarations (a Protocol
method's defaults never run); and those that differ from the original only in a logging
call (observability), in the wording of a message for people (an "XX"-wrapped or re-cased
sentence; a message replaced by None still counts) or in the case of a codec name ("UTF-8"
is "utf-8": equivalent). They still run and are listed with the reason (`not_logic`).

    .venv/bin/python -m tests.mutation --rescore --diffs setup   # score the last run again
    .venv/bin/python -m tests.mutation --survivors setup         # its survivors, today's tests

CPU heavy: `MUTATION_JOBS` (default 1) sets how many mutants run at once.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / ".artifacts" / "mutation"


@dataclass(frozen=True)
class Package:
    """What to mutate (paths inside `syncbridge/`) and the unit tests that must notice."""

    sources: tuple[str, ...]
    tests: tuple[str, ...]
    # Only the mutants whose names match these globs run and count (None: all of them).
    only: tuple[str, ...] | None = None


PACKAGES: dict[str, Package] = {
    # The sealed pagination cursor (`domain/setup/cursor.py`) is tested at the API edge.
    "setup": Package(("domain/setup",), ("tests/unit/setup", "tests/unit/api/test_edge.py")),
    "sync": Package(("domain/sync",), ("tests/unit/sync",)),
    "pest": Package(("domain/pest",), ("tests/unit/pest", "tests/unit/adapters/test_deveui.py")),
    "connections": Package(("domain/connections",), ("tests/unit/ekos",)),
    # The matcher's one-to-one assignment, its decisions (link / review / create), and the
    # part of scoring that turns comparison levels into the match probability and its
    # explanation (not the feature extraction). Its tests are the unit tests of these three
    # modules. The engine's end-to-end tests (properties, strategies, CLI) also reach them
    # but take seconds each, and every survivor would run them all: they are left out, so
    # a survivor here is a mutant these unit tests miss (the engine's may still catch it).
    "matching": Package(
        ("matching/assign.py", "matching/decide.py", "matching/scoring.py"),
        (
            "tests/unit/matching/test_assign.py",
            "tests/unit/matching/test_assign_rules.py",
            "tests/unit/matching/test_comparison_weights.py",
            "tests/unit/matching/test_decide.py",
            "tests/unit/matching/test_fellegi_sunter.py",
            "tests/unit/matching/test_scoring.py",
        ),
        only=(
            "syncbridge.matching.assign.*",
            "syncbridge.matching.decide.*",
            "syncbridge.matching.scoring.xǁScorerǁlogit__mutmut_*",
            # the term-frequency adjustment (was `_tf`, now in the per-comparison weights)
            "syncbridge.matching.scoring.xǁScorerǁcomparison_weights__mutmut_*",
            "syncbridge.matching.scoring.xǁScorerǁ_tf_base__mutmut_*",
            "syncbridge.matching.scoring.xǁScorerǁexplain__mutmut_*",
            "syncbridge.matching.scoring.x_probability__mutmut_*",
            "syncbridge.matching.scoring.x_explanations__mutmut_*",
        ),
    ),
}

STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
                       34: "skipped", 35: "suspicious", 36: "timeout", 24: "timeout",
                       152: "timeout", 255: "timeout", -24: "timeout", 37: "caught by type check",
                       -11: "segfault", -9: "segfault"}  # fmt: skip


# Composition roots: wiring, not domain decisions (see the module docstring).
NOT_LOGIC_MODULES = ("syncbridge.domain.*.bootstrap.*",)
LOGGERS = ("logger", "log", "logging")


# mutmut 3.7 (the newest that accepts aws-sam-cli's click pin) reads `item._nodeid`,
# which pytest 9 spells `nodeid`.
LAUNCH_MUTMUT = """
import sys
import _pytest.nodes
if not hasattr(_pytest.nodes.Node, "_nodeid"):
    _pytest.nodes.Node._nodeid = property(lambda self: self.nodeid)
from mutmut.__main__ import cli
sys.argv[0] = "mutmut"
cli()
"""


def pyproject(package: Package) -> str:
    """The staging copy's config: mutmut's paths and pytest's, syncbridge at the top."""
    ours = (ROOT / "pyproject.toml").read_text()
    markers = ours.split("markers = [", 1)[1].split("]", 1)[0]
    sources = [f"syncbridge/{s}" for s in package.sources]
    return (
        "[tool.pytest.ini_options]\n"
        'pythonpath = ["."]\n'
        'addopts = "-p no:cacheprovider -p no:randomly"\n'
        "timeout = 120\n"
        f"markers = [{markers}]\n"
        'filterwarnings = ["ignore::DeprecationWarning", "ignore::UserWarning"]\n\n'
        "[tool.mutmut]\n"
        f"source_paths = {json.dumps(sources)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(list(package.tests))}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
        'also_copy = ["syncbridge", "syncbridge_local", "functions", "events", "template.yaml"]\n'
    )


def stage(name: str, package: Package) -> Path:
    """A fresh staging folder laid out as mutmut expects (package at the top)."""
    where = STAGING / name
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "shared" / "syncbridge", where / "syncbridge", ignore=ignore)
    shutil.copytree(ROOT / "local" / "syncbridge_local", where / "syncbridge_local", ignore=ignore)
    for folder in ("tests", "functions", "events"):
        shutil.copytree(ROOT / folder, where / folder, ignore=ignore)
    shutil.copy2(ROOT / "template.yaml", where / "template.yaml")
    (where / "pyproject.toml").write_text(pyproject(package))
    return where


def run(name: str, package: Package, jobs: int) -> dict[str, object]:
    where = stage(name, package)
    print(f"== {name}: mutating {', '.join(package.sources)} against {' '.join(package.tests)}")
    return _mutmut(where, package, jobs, package.only or ())


def rerun_survivors(name: str, package: Package, jobs: int) -> dict[str, object]:
    """Only the last run's survivors again, against today's tests (the sources must be
    unchanged since that run: a killed mutant stays killed when tests are only added)."""
    where = STAGING / name
    survivors = score(where, package)["survivors"]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for tests in (where / "tests", where / "mutants" / "tests"):
        shutil.rmtree(tests, ignore_errors=True)
        shutil.copytree(ROOT / "tests", tests, ignore=ignore)
    for config in (where / "pyproject.toml", where / "mutants" / "pyproject.toml"):
        config.write_text(pyproject(package))
    print(f"== {name}: {len(survivors)} survivors again against today's tests")
    if not survivors:
        return score(where, package)
    before = exit_codes(where)
    _mutmut(where, package, jobs, survivors)
    # A changed test selection makes mutmut regenerate its mutants and forget their
    # results; the mutants not rerun keep the result of the run they came from.
    rerun = set(survivors)
    keep_results(where, {m: code for m, code in before.items() if m not in rerun})
    return score(where, package)


def exit_codes(where: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in (where / "mutants").rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def keep_results(where: Path, earlier: dict[str, int | None]) -> None:
    """Give back the earlier result of every mutant that has none now."""
    for meta in (where / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        for mutant, code in codes.items():
            if code is None and earlier.get(mutant) is not None:
                codes[mutant] = earlier[mutant]
        meta.write_text(json.dumps(data))


def _mutmut(where: Path, package: Package, jobs: int, names: Sequence[str]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": "", "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            LAUNCH_MUTMUT,
            "run",
            "--max-children",
            str(jobs),
            *names,
        ],
        cwd=where,
        env=env,
        check=False,
    )
    return score(where, package)


def score(where: Path, package: Package) -> dict[str, object]:
    """Killed / total from mutmut's per-file results (`*.meta` in the staging folder)."""
    statuses: dict[str, str] = {}
    for meta in (where / "mutants").rglob("*.py.meta"):
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if package.only is None or any(fnmatch(mutant, glob) for glob in package.only):
                status = STATUS_BY_EXIT_CODE.get(code, f"exit {code}")
                statuses[mutant] = "not checked" if code is None else status
    counts = Counter(statuses.values())
    killed, total = _killed_total(counts)
    reasons = {m: why for m in statuses if (why := not_logic(where, m))}
    logic = {m: s for m, s in statuses.items() if m not in reasons}
    logic_killed, logic_total = _killed_total(Counter(logic.values()))
    return {
        "killed": killed,
        "total": total,
        "score": round(100 * killed / total, 1) if total else None,
        "counts": dict(counts),
        "logic_killed": logic_killed,
        "logic_total": logic_total,
        "logic_score": round(100 * logic_killed / logic_total, 1) if logic_total else None,
        "survivors": sorted(m for m, s in statuses.items() if s in ("survived", "no tests")),
        "not_logic": dict(sorted(reasons.items())),
        "not_logic_counts": dict(Counter(reasons.values())),
    }


def _killed_total(counts: Counter[str]) -> tuple[int, int]:
    # Timeouts count as killed (the mutant made the tests hang, which they noticed).
    return counts["killed"] + counts["timeout"], sum(counts.values()) - counts["skipped"]


def not_logic(where: Path, mutant: str) -> str | None:
    """Why a mutant is left out of the domain-logic score, or None when it counts.

    Its function is compared with the original after erasing, one layer at a time, what
    is not behaviour (a port's method, `...` only, is never run: its defaults are declarations):
    logging calls; the wording of messages for people (string constants
    of two words or more: an "XX"-wrapped or re-cased sentence still says the same; a
    message replaced by None still counts); and the case of codec names ("utf-8" and
    "UTF-8" are the same codec: an equivalent mutant)."""
    if any(fnmatch(mutant, glob) for glob in NOT_LOGIC_MODULES):
        return "composition root"
    module, _, function = mutant.rpartition(".")
    bodies = _functions(where / "mutants" / (module.replace(".", "/") + ".py"))
    original = bodies.get(function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    changed = bodies.get(function)
    if original is None or changed is None:
        return None
    if _is_stub(original):
        return "port declaration"
    for layer, reason in enumerate(("logging", "message wording", "codec name case")):
        if _normalised(original, layer) == _normalised(changed, layer):
            return reason
    return None


PROSE = re.compile(r"[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}.*\s|\s.*[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}")


class _Erase(ast.NodeTransformer):
    """Layer 0 drops `logger.*(...)` statements, 1 also blurs prose, 2 also codec case."""

    def __init__(self, layer: int) -> None:
        self.layer = layer

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in LOGGERS
        ):
            return ast.Pass()
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if self.layer >= 1 and isinstance(value, str) and " " in value and PROSE.search(value):
            return ast.Constant("<prose>")
        if self.layer >= 2 and isinstance(value, str) and value.lower() != value.upper():
            try:
                return ast.Constant(f"<codec {codecs.lookup(value).name}>")
            except LookupError:
                pass
        return node


def _is_stub(function_source: str) -> bool:
    """A port's method (`...` or a docstring only): its default values are never run."""
    definition = ast.parse(textwrap.dedent(function_source)).body[0]
    assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
    return all(
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        for statement in definition.body
    )


@cache
def _normalised(function_source: str, layer: int) -> str:
    definition = ast.parse(textwrap.dedent(function_source)).body[0]
    assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
    erase = _Erase(layer)
    return "\n".join(ast.dump(erase.visit(statement)) for statement in definition.body)


@cache
def _functions(path: Path) -> dict[str, str]:
    source = path.read_text()
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def diff(where: Path, mutant: str) -> str:
    """A survivor's change as `- original | + mutant` lines (read from mutmut's output)."""
    module, _, function = mutant.rpartition(".")
    bodies = _functions(where / "mutants" / (module.replace(".", "/") + ".py"))
    original = bodies.get(function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "")
    changed = bodies.get(function, "")
    lines = difflib.unified_diff(
        original.splitlines()[1:], changed.splitlines()[1:], lineterm="", n=0
    )
    return " | ".join(
        line.strip() for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help=" | ".join(PACKAGES))
    parser.add_argument("--list", action="store_true", help="show the packages and exit")
    parser.add_argument("--rescore", action="store_true", help="score the last run, run nothing")
    parser.add_argument(
        "--survivors", action="store_true", help="rerun the last run's survivors, new tests"
    )
    parser.add_argument("--diffs", action="store_true", help="show each survivor's change")
    args = parser.parse_args(argv)
    if args.list:
        for name, package in PACKAGES.items():
            print(f"{name}: {' '.join(package.sources)} <- {' '.join(package.tests)}")
        return 0
    unknown = [name for name in args.packages if name not in PACKAGES]
    if unknown:
        parser.error(f"unknown package(s) {unknown}: choose from {', '.join(PACKAGES)}")
    jobs = int(os.environ.get("MUTATION_JOBS", "1"))
    summary_path = STAGING / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for name in args.packages or list(PACKAGES):
        package = PACKAGES[name]
        if args.rescore:
            result = score(STAGING / name, package)
        elif args.survivors:
            result = rerun_survivors(name, package, jobs)
        else:
            result = run(name, package, jobs)
        summary[name] = result
        STAGING.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=2))
        print(
            f"{name}: {result['killed']}/{result['total']} killed ({result['score']}%) {result['counts']}; "
            f"domain logic only: {result['logic_killed']}/{result['logic_total']} ({result['logic_score']}%), "
            f"left out {result['not_logic_counts']}"
        )
        for mutant in result["survivors"]:
            shown = f"  {diff(STAGING / name, mutant)}" if args.diffs else ""
            why = result["not_logic"].get(mutant)
            kind = f"survived ({why})" if why else "survived"
            print(f"  {kind}: {mutant}{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
