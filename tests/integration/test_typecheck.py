"""The domain package type-checks clean (what `make typecheck` runs), so CI keeps it so: with
every library's types (stubs in requirements-dev.txt), not by ignoring the missing ones."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_the_domain_package_type_checks_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is a dev requirement (make venv)")
    monkeypatch.setenv("MYPYPATH", str(SHARED))
    report, errors, status = api.run(
        [
            "-p",
            "syncbridge.domain",
            "--python-version",
            "3.12",
            "--follow-imports=silent",
            "--cache-dir=/dev/null",  # never a stale cache, never a file left behind
        ]
    )
    assert status == 0, report + errors
