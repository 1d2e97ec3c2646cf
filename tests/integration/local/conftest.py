"""A runtime on the tiny test template (tests/integration/local/template.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from syncbridge_local.runtime import LocalRuntime

TEST_TEMPLATE = Path(__file__).with_name("template.yaml")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalRuntime]:
    """Live pollers, immediate retries, schedules fired by hand."""
    with LocalRuntime.start(
        TEST_TEMPLATE, schedules=False, retry_delay=0, poll_wait=1, simulators=False
    ) as rt:
        yield rt


@pytest.fixture(scope="module")
def http(runtime: LocalRuntime) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.base_url, timeout=10) as client:
        yield client


def deliveries(rt: LocalRuntime, message_id: str) -> list[int]:
    """The receive counts with which `message_id` reached its handler, in order."""
    counts = []
    for call in rt.invocations():
        for record in (call.event or {}).get("Records", []) if isinstance(call.event, dict) else []:
            if record.get("messageId") == message_id:
                counts.append(int(record["attributes"]["ApproximateReceiveCount"]))
    return counts
