"""Fixtures every test area may use.

`local_runtime`: the whole product as `template.yaml` declares it, running on this machine
(moto, simulators, the local API Gateway, queue pollers), one per test module. Schedules
do not fire by themselves (call `local_runtime.fire_schedule(...)`), and failed queue
records are retried at once, so queue tests are fast. See `syncbridge_local.runtime`:

    def test_health(local_runtime):
        response = httpx.get(local_runtime.base_url + "/health")
        local_runtime.send_message("ImportQueue", {...}); local_runtime.wait_idle()
        local_runtime.table_name("MappingsTable"); local_runtime.invocations("ImporterFunction")

Module scope (not session): other tests use `moto.mock_aws`, which resets moto's state
when it starts, so a runtime must not outlive its module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parents[1]

# Property tests check behaviour, never speed (speed lives in `make bench`): no per-example
# deadline, which a loaded machine or `pytest -n 2` would otherwise turn into flakes.
settings.register_profile("syncbridge", deadline=None)
settings.load_profile("syncbridge")


def _atomic_moto_dynamodb() -> None:
    """In-process `mock_aws` gets the local runtime's atomic conditional writes (two threads
    of one test must not both win a conditional write, as they cannot on DynamoDB)."""
    from syncbridge_local.moto_server import atomic_dynamodb

    atomic_dynamodb()


_atomic_moto_dynamodb()


@pytest.fixture(scope="module")
def local_runtime() -> Iterator[object]:
    from syncbridge_local.runtime import LocalRuntime

    with LocalRuntime.start(
        REPO_ROOT / "template.yaml", schedules=False, retry_delay=0, poll_wait=1
    ) as runtime:
        yield runtime
