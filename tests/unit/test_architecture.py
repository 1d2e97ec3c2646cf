"""The import rules of the shipped package, checked on its source (ast, no import needed).

- `syncbridge.domain` imports no adapter, store, API or AWS/HTTP framework: services depend
  on ports the domain owns; composition roots wire the concrete classes in.
- an adapter (`syncbridge.adapters.<name>`) imports no other adapter, no composition root
  and no API module; the shared HTTP core (`ADAPTER_INFRASTRUCTURE`) is not an adapter.

Imports inside functions count too (a lazy import is still a dependency). Violations that
predate the check are listed in `ALLOWED` with why; the list may only shrink: a new
violation fails, and so does an entry that no longer occurs (remove it and lower
`MAX_ALLOWED`).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "shared" / "syncbridge"

DOMAIN_MAY_NOT_IMPORT = (
    "syncbridge.adapters",
    "syncbridge.roots",  # the composition roots wire the domain, never the reverse
    "syncbridge.store",
    "syncbridge.api",
    "syncbridge.aws",
    "boto3",
    "botocore",
    "aws_lambda_powertools",
    "httpx",
)
ADAPTER_MAY_NOT_IMPORT = ("syncbridge.roots", "syncbridge.api")
ADAPTER_INFRASTRUCTURE = frozenset(
    {"syncbridge.adapters.http"}  # the one HTTP core every adapter builds on
)

# (importing module, imported module): why it is still there. May only shrink. Empty since
# the composition roots left domain/ (`syncbridge.roots`) and outbound scans got a domain
# port (`domain.sync.outbound.ScanSink`, `ScanRefused`).
ALLOWED: dict[tuple[str, str], str] = {}
MAX_ALLOWED = 0  # lower it with every entry removed


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, module: str) -> set[str]:
    """The absolute names of every module `path` imports (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.add(node.module)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _adapter_of(name: str) -> str | None:
    """`syncbridge.adapters.<adapter>` for a module of an adapter, else None."""
    parts = name.split(".")
    if len(parts) < 3 or parts[:2] != ["syncbridge", "adapters"]:
        return None
    adapter = ".".join(parts[:3])
    return None if adapter in ADAPTER_INFRASTRUCTURE else adapter


@cache
def violations() -> frozenset[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        module = _module_name(path)
        for name in _imported(path, module):
            if _within(module, "syncbridge.domain") and any(
                _within(name, banned) for banned in DOMAIN_MAY_NOT_IMPORT
            ):
                found.add((module, name))
            own, other = _adapter_of(module), _adapter_of(name)
            if own and other and own != other:
                found.add((module, name))
            if _within(module, "syncbridge.adapters") and any(
                _within(name, banned) for banned in ADAPTER_MAY_NOT_IMPORT
            ):
                found.add((module, name))
    return frozenset(found)


def test_the_checker_sees_the_package() -> None:
    modules = {_module_name(p) for p in PACKAGE_ROOT.rglob("*.py")}
    assert "syncbridge.domain.sync.events" in modules and len(modules) > 50


def test_the_checker_finds_a_violation_it_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "syncbridge" / "domain" / "x.py"
    path.parent.mkdir(parents=True)
    path.write_text("def f():\n    from ..store import sync\n")
    imported = _imported(path, "syncbridge.domain.x")
    assert "syncbridge.store" in imported
    assert any(_within(n, "syncbridge.store") for n in imported)


def test_no_new_import_rule_violations() -> None:
    new = sorted(violations() - ALLOWED.keys())
    assert new == [], "domain imports an adapter/store/api/framework, or an adapter another"


def test_the_allow_list_only_shrinks() -> None:
    stale = sorted(ALLOWED.keys() - violations())
    assert stale == [], "fixed: remove these from ALLOWED and lower MAX_ALLOWED"
    assert len(ALLOWED) <= MAX_ALLOWED
