"""Which layer carries what, checked without a build: each handler's import-time
dependencies are in a layer the template attaches to its function, and the layers' build
script trims what never runs.

Regressions caught: a handler that starts importing authlib/cryptography/httpx/regex at
init without `CryptoLayer`/`IntegrationLayer` (it would fail its cold start on AWS;
`make sizes` catches it too, but only after a `sam build`), and a build that ships test
suites, byte code or type stubs again.
"""

from __future__ import annotations

import ast
import csv
import os
import subprocess
import sys
from pathlib import Path

import lambda_layer  # shared/lambda_layer.py, the layers' build script
import pytest

from syncbridge_local.template import Template
from tests.helpers.functions import ROOT

# The libraries our code imports directly, by the layer that carries them.
LAYER_OF = {
    "authlib": "CryptoLayer",
    "cryptography": "CryptoLayer",
    "httpx": "IntegrationLayer",
    "regex": "IntegrationLayer",
}


def _functions() -> dict[str, dict]:
    """Each function's properties, Globals merged in (the global SharedLayer included)."""
    template = Template.load(ROOT / "template.yaml")
    return {
        name: template.function_properties(name)
        for name in template.of_type("AWS::Serverless::Function")
    }


def _layers(props: dict) -> set[str]:
    return {layer.get("Ref") for layer in props.get("Layers") or [] if isinstance(layer, dict)}


PROBE = """
import sys
missing = set(sys.argv[1:])

class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in missing:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Missing())
import app
"""


def _cold_start_without(code_dir: Path, libraries: set[str]) -> str:
    """'' when `import app` succeeds in a fresh interpreter without `libraries`, else why."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(code_dir), str(ROOT / "shared")])}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *sorted(libraries)],
        cwd=code_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    return "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("name", sorted(_functions()))
def test_each_handler_starts_with_only_its_layers(name: str) -> None:
    # Given the libraries of the layers the function does not have
    props = _functions()[name]
    absent = {lib for lib, layer in LAYER_OF.items() if layer not in _layers(props)}
    # Then its handler still imports (what it imports at init is in its layers)
    assert _cold_start_without(ROOT / props["CodeUri"], absent) == ""


def test_the_probe_fails_when_a_needed_library_is_absent() -> None:
    assert "authlib" in _cold_start_without(ROOT / "functions" / "oauth", {"authlib"})


def test_the_matcher_and_applier_carry_no_crypto_or_http_clients() -> None:
    # the two functions with the NumPy layer are the ones near Lambda's 250 MiB limit
    for name in ("MatcherFunction", "ApplierFunction"):
        layers = _layers(_functions()[name])
        assert not layers & {"CryptoLayer", "IntegrationLayer"}, name


def _distribution(target: Path, name: str, files: dict[str, str]) -> None:
    info = target / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    for path, text in files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text)
    with (info / "RECORD").open("w", newline="") as record:
        csv.writer(record).writerows([[path, "", ""] for path in files])


def test_the_build_drops_tests_bytecode_stubs_and_distributions_it_is_told(
    tmp_path: Path,
) -> None:
    _distribution(tmp_path, "keep", {"keep/__init__.py": "x = 1", "keep/tests/test_x.py": ""})
    _distribution(tmp_path, "typing_extensions", {"typing_extensions.py": "y = 2"})
    (tmp_path / "keep" / "__pycache__").mkdir()
    (tmp_path / "keep" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (tmp_path / "keep" / "__init__.pyi").write_text("x: int")
    lambda_layer.remove_tests(tmp_path)
    removed = lambda_layer.remove_distribution(tmp_path, "typing-extensions")
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert removed == ["typing_extensions-1.0.dist-info"]
    assert left == ["keep-1.0.dist-info/RECORD", "keep/__init__.py"]


def test_the_build_drops_c_sources_and_keeps_only_what_it_is_told(tmp_path: Path) -> None:
    for name in ("ext/_speed.c", "ext/_speed.h", "ext/cy.pyx", "ext/cy.pxd", "ext/_speed.so"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    lambda_layer.remove_tests(tmp_path)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["_speed.so"]
    (tmp_path / "ext" / "keep.js").write_text("x")
    lambda_layer.keep_only(tmp_path, ["ext/keep.js"])
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["keep.js"]
    with pytest.raises(SystemExit):  # a renamed asset fails the build, not the function
        lambda_layer.keep_only(tmp_path, ["ext/gone.js"])
    assert lambda_layer.remove_paths(tmp_path, ["ext", "nothing"]) == ["ext"]


def _imports(path: Path, root: Path) -> set[str]:
    """Absolute module names `path` (under import root `root`) imports, relative ones resolved."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_what_shared_layer_leaves_out_is_imported_by_nothing_it_ships() -> None:
    # Given the library parts the build drops from SharedLayer, as module names
    site = next(p for p in map(Path, sys.path) if (p / "pydantic").is_dir())
    dropped = {
        path.removesuffix(".py").replace("/", "."): site / path
        for path in lambda_layer.NEVER_LOADED
    }
    # When every module we ship, and every module of those libraries that stays, is read
    ours = [(path, ROOT / "shared") for path in (ROOT / "shared" / "syncbridge").rglob("*.py")]
    ours += [(path, path.parent) for path in (ROOT / "functions").rglob("*.py")]
    kept = [
        (path, site)
        for library in ("aws_lambda_powertools", "pydantic", "pydantic_settings", "aws_xray_sdk")
        for path in (site / library).rglob("*.py")
        if not any(path.is_relative_to(folder) for folder in dropped.values())
    ]
    # Then none of them imports a dropped part, but pydantic's schema builder, and only for a
    # pydantic 1 style type (one with `__get_validators__`), of which none is shipped
    offenders = {
        path.relative_to(root).as_posix(): sorted(
            name for name in _imports(path, root) if name.startswith(tuple(dropped))
        )
        for path, root in [*ours, *kept]
    }
    assert {path: names for path, names in offenders.items() if names} == {
        "pydantic/_internal/_generate_schema.py": ["pydantic.v1", "pydantic.v1.BaseModel"]
    }
    v1_style = [path for path, _ in [*ours, *kept] if "def __get_validators__" in path.read_text()]
    assert v1_style == []


def test_only_the_function_serving_swagger_ui_carries_its_assets() -> None:
    serving = {
        path.relative_to(ROOT / "shared").with_suffix("").as_posix().replace("/", ".")
        for path in (ROOT / "shared" / "syncbridge").rglob("*.py")
        if ".enable_swagger(" in path.read_text()
    }
    assert serving == {"syncbridge.api.routes.pest_app"}
    for name, props in _functions().items():
        handler = (ROOT / props["CodeUri"] / "app.py").read_text()
        serves = any(module in handler for module in serving)
        assert ("SwaggerUiLayer" in _layers(props)) == serves, name
