"""A guided import that fails mid-way resumes after its last staged page (local runtime +
the Ekos simulator): a transient outage is retried by SQS from the checkpoint; a
persistent one parks the type as failed, with the reason, until a person retries."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from syncbridge.store.setup import DynamoSetupRepository
from syncbridge.store.staging import DynamoStagingRepository
from tests.conftest import REPO_ROOT
from tests.integration.sync.test_runtime_flows import connect_to_ekos

pytestmark = pytest.mark.integration
PAGE_SIZE = 25
TYPE = "customer-locations"
PATH = f"/api/v1/{TYPE}"
TRIES_PER_PAGE = 6  # the Ekos adapter's RetryPolicy.max_attempts


@pytest.fixture(scope="module")
def runtime() -> Iterator[Any]:
    from syncbridge_local.runtime import LocalRuntime

    with LocalRuntime.start(
        REPO_ROOT / "template.yaml",
        schedules=False,
        retry_delay=0,
        poll_wait=1,
        env={"IMPORT_PAGE_SIZE": str(PAGE_SIZE), "SETUP_MATCHER": "exact"},
    ) as rt:
        yield rt


def _progress(rt: Any, tenant: str) -> Any:
    with rt.env_of("ImporterFunction"):
        setup = DynamoSetupRepository().latest(tenant)
        assert setup is not None
        progress = setup.progress(TYPE)
        from syncbridge.domain.setup.models import staging_key

        staged = list(
            DynamoStagingRepository().iter_records(
                staging_key(tenant, setup.connection_id, TYPE, setup.run_id)
            )
        )
    return progress, staged


def test_an_outage_mid_import_resumes_from_the_checkpoint(runtime: Any) -> None:
    rt, sim = runtime, runtime.simulators["EKOS_BASE_URL"]
    total = len(sim.dataset.ekos[TYPE])
    pages = math.ceil(total / PAGE_SIZE)
    sim.faults.clear()
    reads = sim.faults.add("slow", path_prefix=PATH, times=None, delay=0)  # counts requests
    # Ekos answers 4 pages, then 503s for two whole import attempts, then recovers
    sim.faults.add(
        "server_error", path_prefix=PATH, after=4, times=2 * TRIES_PER_PAGE, retry_after=0
    )
    connect_to_ekos(rt, "resume-brewery")
    rt.wait_idle(timeout=120)
    progress, staged = _progress(rt, "resume-brewery")
    # the third attempt finished the import: every record staged once, counted once
    assert progress.status == "awaiting_review", progress
    assert (progress.pages, progress.records, progress.attempts) == (pages, total, 3)
    assert len({r["id"] for r in staged}) == len(staged) == total
    # and Ekos served page 1-4 once, the failures, then only pages 5.. (no restart)
    assert reads.seen == pages + 2 * TRIES_PER_PAGE
    sim.faults.clear()


def test_a_persistent_failure_is_visible_and_a_person_retries_it(runtime: Any) -> None:
    rt, sim = runtime, runtime.simulators["EKOS_BASE_URL"]
    total = len(sim.dataset.ekos[TYPE])
    sim.faults.clear()
    sim.faults.add("server_error", path_prefix=PATH, after=3, times=None, retry_after=0)
    connect_to_ekos(rt, "stuck-brewery")
    rt.wait_idle(timeout=120)
    progress, staged = _progress(rt, "stuck-brewery")
    assert progress.status == "failed"
    assert "after 3 attempts" in progress.error and "503" in progress.error
    assert progress.pages == 3 and len(staged) == 3 * PAGE_SIZE
    assert sum(rt.queue_counts("ImportDLQ").values()) == 0  # acknowledged, not dead-lettered

    from syncbridge.authserver.service import create_person, sign_in
    from syncbridge.authserver.store import OAuthStore

    with rt.env_of("ApiFunction"):
        store = OAuthStore()
        login = create_person(store, "stuck-brewery", "ops", "operator")
        session = sign_in(store, "stuck-brewery", "ops", login.password)
    with httpx.Client(base_url=rt.base_url, cookies={"sb_session": session}, timeout=30) as http:
        state = http.get("/setup/state").json()
        shown = next(t for t in state["types"] if t["resource_type"] == TYPE)
        assert shown["status"] == "failed" and shown["can_retry"] and shown["error"]
        sim.faults.clear()
        reads = sim.faults.add("slow", path_prefix=PATH, times=None, delay=0)
        assert http.post(f"/setup/{TYPE}/retry").status_code == 202
        again = http.post(f"/setup/{TYPE}/retry")
        assert again.status_code == 409 and again.json()["error"]["code"] == "import_not_failed"
    rt.wait_idle(timeout=120)
    progress, staged = _progress(rt, "stuck-brewery")
    assert progress.status == "awaiting_review"
    assert len({r["id"] for r in staged}) == total
    assert reads.seen == math.ceil(total / PAGE_SIZE) - 3  # resumed after page 3
