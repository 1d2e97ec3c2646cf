"""One local runtime (moto + Ekos simulator with a small dataset) for the setup's
integration tests; each test works in its own tenant."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from . import harness

_tenants = itertools.count(1)


@pytest.fixture(scope="module")
def rt() -> Iterator[harness.LocalRuntime]:
    runtime = harness.start_runtime(env={"IMPORT_PAGE_SIZE": "5"})
    try:
        harness.register_ekos_client(runtime)
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def tenant(rt) -> Iterator[tuple[str, httpx.Client]]:
    """A fresh tenant with the home platform seeded and a signed-in admin's session."""
    tenant_id = f"brewery-{next(_tenants)}"
    harness.seed_home(rt, tenant_id)
    http = harness.session(rt, harness.sign_in(rt, tenant_id))
    harness.ekos(rt).faults.clear()
    yield tenant_id, http
    http.close()
