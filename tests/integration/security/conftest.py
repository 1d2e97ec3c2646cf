"""The outside-in security suites: independent clients against the whole local runtime.

Each module gets its own runtime (moto resets between modules) started inside a `LogScan`,
so every log line of the module (functions, local runtime, HTTP and OAuth libraries) is
captured and its last test scans it for every secret the module used. Figures (RFC cases,
schemathesis operations and requests, bad-input cases, log lines and secrets) are printed
in pytest's terminal summary under "security figures".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.helpers.logscan import LogScan

FIGURES: dict[str, dict[str, Any]] = {}
OUTCOMES: dict[str, dict[str, bool]] = {}  # module -> test name -> passed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        OUTCOMES.setdefault(item.module.__name__, {})[item.originalname] = report.passed


@pytest.fixture(scope="module")
def scan() -> Iterator[LogScan]:
    capture = LogScan().start()
    yield capture
    capture.stop()


@pytest.fixture(scope="module")
def runtime(scan: LogScan) -> Iterator[Any]:
    from syncbridge_local.runtime import LocalRuntime

    with LocalRuntime.start(
        REPO_ROOT / "template.yaml", schedules=False, retry_delay=0, poll_wait=1
    ) as rt:
        ekos = rt.simulators.get("EKOS_BASE_URL")
        if ekos is not None:
            scan.remember(*(c.client_secret for c in ekos.state.clients.values()))
        yield rt
        if ekos is not None:
            scan.remember(*ekos.state.access_tokens, *ekos.state.refresh_tokens)


def record(section: str, **values: Any) -> None:
    FIGURES.setdefault(section, {}).update(values)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("security figures")
    for section, values in FIGURES.items():
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{section}: {shown}")
