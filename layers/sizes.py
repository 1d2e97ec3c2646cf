"""What `sam build` produced, in the unit Lambda's limits use: unzipped bytes per layer and
per function with its layers (limit 250 MiB), and the zipped size of each layer. Then each
handler is imported from the built artifacts alone, as Lambda would: its code folder, its
layers, and only the AWS SDK beside the standard library (what the python3.12 runtime
provides in /var/runtime), so a dependency missing from a layer fails here, not on AWS.

    python layers/sizes.py [.aws-sam/build]          # make sizes (builds first)
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from syncbridge_local.template import Template

LAMBDA_UNZIPPED_LIMIT = 250 * 2**20
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
MB = 1_000_000


def unzipped_bytes(folder: Path) -> int:
    return sum(
        (Path(root) / name).stat().st_size for root, _, files in os.walk(folder) for name in files
    )


def zipped_bytes(folder: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                archive.write(path, path.relative_to(folder))
    return buffer.tell()


def runtime_sdk_dir(folder: Path) -> Path:
    """A stand-in for /var/runtime: links to this interpreter's boto3 and its dependencies."""
    for name in RUNTIME_SDK:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        (folder / source.name).symlink_to(source)
    return folder


def import_check(build: Path, handler_dir: Path, layer_dirs: list[Path], sdk: Path) -> str:
    """'' when the handler module imports from the artifacts alone, else the error."""
    path = [str(handler_dir), *(str(d / "python") for d in layer_dirs), str(sdk)]
    code = f"import sys; sys.path[:0] = {path!r}; import app"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=build
    )
    return "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


def main(argv: list[str]) -> int:
    build = Path(argv[0] if argv else ".aws-sam/build").resolve()
    template = Template.load(build / "template.yaml")
    layers = {
        logical_id: unzipped_bytes(build / logical_id)
        for logical_id in template.of_type("AWS::Serverless::LayerVersion")
    }
    print(f"{'layer':<28} {'unzipped MB':>12} {'zipped MB':>10}")
    for logical_id, size in layers.items():
        print(f"{logical_id:<28} {size / MB:>12.1f} {zipped_bytes(build / logical_id) / MB:>10.1f}")
    print(f"\n{'function (+ its layers)':<28} {'unzipped MB':>12} {'of 250 MiB':>10}")
    over = False
    failures: dict[str, str] = {}
    sdk = runtime_sdk_dir(Path(tempfile.mkdtemp(prefix="lambda-runtime-sdk-")))
    for logical_id in template.of_type("AWS::Serverless::Function"):
        props = template.function_properties(logical_id)
        used = [
            layer["Ref"]
            for layer in props.get("Layers") or []
            if isinstance(layer, dict) and layer.get("Ref") in layers
        ]
        total = unzipped_bytes(build / logical_id) + sum(layers[name] for name in used)
        over = over or total > LAMBDA_UNZIPPED_LIMIT
        share = f"{100 * total / LAMBDA_UNZIPPED_LIMIT:.0f}%"
        print(f"{logical_id:<28} {total / MB:>12.1f} {share:>10}   {' + '.join(used)}")
        error = import_check(build, build / logical_id, [build / name for name in used], sdk)
        if error:
            failures[logical_id] = error
    for logical_id, error in failures.items():
        print(f"{logical_id}: the handler does not import from its artifacts: {error}")
    if not failures:
        print("\nevery handler imports from its artifacts (layers + the runtime's AWS SDK)")
    return 1 if over or failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
