"""Install a layer's requirements the way Lambda (python3.12, x86_64) will load them, minus
what the Lambda runtime already provides. Run by the layers' Makefiles (`sam build`).

    python3.12 shared/lambda_layer.py REQUIREMENTS ARTIFACTS_DIR [--package DIR ...]
                                      [--beside OTHER_REQUIREMENTS ...]

- wheels for manylinux x86_64 / CPython 3.12 whatever the build machine is, at the
  versions `constraints.txt` pins (the ones the tests ran with);
- distributions the python3.12 runtime ships in /var/runtime (boto3, botocore and their
  dependencies) are removed file by file from their RECORD: a second botocore in a layer
  (aws-xray-sdk pulls it in) would shadow the runtime's and cost ~30 MB;
- `tests` folders, `__pycache__`, type stubs (`*.pyi`) and C/Cython sources and headers
  (`*.c`, `*.h`, `*.pyx`, `*.pxd`: what compiled the extensions) of the installed packages
  are removed (never imported or read at run time);
- `--drop-never-loaded` removes `NEVER_LOADED` (SharedLayer: library parts no function
  imports); `--drop-swagger-ui` removes Powertools' Swagger UI assets, which only the
  function serving API docs reads (it gets them from SwaggerUiLayer, built with
  `--swagger-ui-only`);
- `--beside OTHER` drops every distribution OTHER's requirements resolve to: the layer
  goes beside SharedLayer on every function, so a second copy would only cost space;
- `--package DIR` copies our own package (e.g. shared/syncbridge) beside the libraries.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

# What the Lambda python3.12 runtime provides (AWS documents boto3 and botocore; the rest
# are their dependencies, installed with them in /var/runtime).
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python_dateutil",
    "six",
    "urllib3",
)
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to that.
PLATFORM_ARGS = [
    *("--platform", "manylinux_2_34_x86_64"),
    *("--platform", "manylinux_2_28_x86_64"),
    *("--platform", "manylinux_2_17_x86_64"),
    *("--platform", "manylinux2014_x86_64"),
    *("--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:"),
]


CONSTRAINTS = Path(__file__).resolve().parent.parent / "constraints.txt"

BUILD_ONLY_SUFFIXES = (".pyi", ".c", ".h", ".pyx", ".pxd")

# Parts of SharedLayer's libraries that nothing shipped imports, with why (every function
# has SharedLayer, so each byte here is paid by all of them). tests/unit/test_layers.py
# checks that neither our code nor the rest of the layer imports them.
NEVER_LOADED: dict[str, str] = {
    "pydantic/v1": "pydantic 1's compatibility package: nothing imports pydantic.v1",
    "pydantic/mypy.py": "pydantic's mypy plugin: type checking, not run time",
    **dict.fromkeys(
        (
            "aws_lambda_powertools/utilities/auth_alpha",
            "aws_lambda_powertools/utilities/circuit_breaker",
            "aws_lambda_powertools/utilities/data_masking",
            "aws_lambda_powertools/utilities/feature_flags",
            "aws_lambda_powertools/utilities/idempotency",
            "aws_lambda_powertools/utilities/kafka",
            "aws_lambda_powertools/utilities/metadata",
            "aws_lambda_powertools/utilities/streaming",
        ),
        "a Powertools utility no function uses (each is imported only by its own users)",
    ),
}
# Powertools reads these two files (1.7 MB) when it serves the Swagger UI page itself.
SWAGGER_UI_DIR = "aws_lambda_powertools/event_handler/openapi/swagger_ui"
SWAGGER_UI_ASSETS = ("swagger-ui-bundle.min.js", "swagger-ui.min.css")


def _constraints() -> list[str]:
    return ["-c", str(CONSTRAINTS)] if CONSTRAINTS.is_file() else []


def install(requirements: Path, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "-r",
            str(requirements),
            *_constraints(),
            "--target",
            str(target),
            *PLATFORM_ARGS,
        ],
        check=True,
    )


def resolved_names(requirements: Path) -> list[str]:
    """The distributions `requirements` resolve to for Lambda (pip's dry-run report)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--dry-run",
                "--ignore-installed",
                "--report",
                str(report),
                "-r",
                str(requirements),
                *_constraints(),
                "--target",
                str(Path(scratch) / "unused"),
                *PLATFORM_ARGS,
            ],
            check=True,
        )
        return [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def remove_distribution(target: Path, name: str) -> list[str]:
    """Delete every file a distribution installed into `target` (per its RECORD)."""
    removed = []
    for info in target.glob("*.dist-info"):
        if _normalized(info.name.removesuffix(".dist-info").rsplit("-", 1)[0]) != _normalized(name):
            continue
        with (info / "RECORD").open(newline="") as record:
            for row in csv.reader(record):
                path = (target / row[0]).resolve()
                if path.is_relative_to(target.resolve()) and path.is_file():
                    path.unlink()
        shutil.rmtree(info, ignore_errors=True)
        removed.append(info.name)
    _remove_empty_dirs(target)
    return removed


def _remove_empty_dirs(target: Path) -> None:
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def remove_tests(target: Path) -> None:
    """Test suites, byte code, type stubs and C sources: never imported by the function."""
    for name in ("tests", "__pycache__"):
        for folder in [p for p in target.rglob(name) if p.is_dir()]:
            shutil.rmtree(folder, ignore_errors=True)
    for path in [p for p in target.rglob("*") if p.suffix in BUILD_ONLY_SUFFIXES]:
        if path.is_file():
            path.unlink()


def remove_paths(target: Path, paths: Iterable[str]) -> list[str]:
    """Delete files or folders (relative to `target`); the ones that existed."""
    removed = []
    for relative in paths:
        path = target / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
        else:
            continue
        removed.append(relative)
    return removed


def keep_only(target: Path, relatives: Iterable[str]) -> None:
    """Delete everything in `target` but `relatives` (files)."""
    keep = {(target / r).resolve() for r in relatives}
    missing = [str(k) for k in keep if not k.is_file()]
    if missing:
        raise SystemExit(f"not in the installed packages: {missing}")
    for path in [p for p in target.rglob("*") if p.is_file()]:
        if path.resolve() not in keep:
            path.unlink()
    _remove_empty_dirs(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("artifacts_dir", type=Path)
    parser.add_argument("--package", type=Path, action="append", default=[])
    parser.add_argument("--beside", type=Path, action="append", default=[])
    parser.add_argument("--drop-never-loaded", action="store_true")
    parser.add_argument("--drop-swagger-ui", action="store_true")
    parser.add_argument("--swagger-ui-only", action="store_true")
    args = parser.parse_args(argv)
    target = args.artifacts_dir / "python"
    target.mkdir(parents=True, exist_ok=True)
    install(args.requirements, target)
    for name in RUNTIME_PROVIDED:
        for removed in remove_distribution(target, name):
            print(f"not shipped (the Lambda runtime provides it): {removed}")
    for other in args.beside:
        for name in resolved_names(other):
            for removed in remove_distribution(target, name):
                print(f"not shipped (its layer beside this one carries it): {removed}")
    remove_tests(target)
    swagger_ui = [f"{SWAGGER_UI_DIR}/{name}" for name in SWAGGER_UI_ASSETS]
    if args.swagger_ui_only:
        keep_only(target, swagger_ui)
    if args.drop_never_loaded:
        for removed_path in remove_paths(target, NEVER_LOADED):
            print(f"not shipped ({NEVER_LOADED[removed_path]}): {removed_path}")
    if args.drop_swagger_ui:
        for removed_path in remove_paths(target, swagger_ui):
            print(f"not shipped (SwaggerUiLayer carries it): {removed_path}")
    for package in args.package:
        shutil.copytree(
            package,
            target / package.name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
