"""Which layer carries what, checked without a build: each handler's import-time
dependencies are in a layer the template attaches to its function, and the layers' build
script trims what never runs.

Regressions caught: a handler that starts importing authlib/cryptography/httpx/regex at
init without `CryptoLayer`/`IntegrationLayer` (it would fail its cold start on AWS;
`make sizes` catches it too, but only after a `sam build`), and a build that ships test
suites, byte code or type stubs again.
"""

from __future__ import annotations

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
