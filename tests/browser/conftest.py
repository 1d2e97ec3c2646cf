"""What every browser test shares: Debian's chromium through Playwright (launched once per
test module) and the folder its screenshots go to, `.artifacts/screenshots/<module>/`,
which CI keeps (`.ci/run`). Each module starts with an empty folder of its own, so a run
leaves exactly its own pictures and parallel modules never remove each other's."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / ".artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Debian chromium (skips the test when it or Playwright is missing)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}: run `make chromium`")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is in requirements-dev.txt: run `make venv`"
    )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshots(request: pytest.FixtureRequest) -> Path:
    """This module's screenshot folder, emptied of an earlier run's pictures."""
    folder = SCREENSHOTS / Path(str(request.module.__file__)).stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
