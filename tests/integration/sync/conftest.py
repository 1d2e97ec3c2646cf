"""moto (in process) with the tables and queues the sync stores use, from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from tests.helpers.moto import (  # noqa: F401 (fresh_clients: autouse)
    fresh_clients,
    offline_aws,
    template_resources,
)


@dataclass
class SyncAws:
    mappings: Any
    home: Any
    audit: Any
    connections: Any
    setup: Any
    events_queue: str


@pytest.fixture
def sync_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SyncAws]:
    offline_aws(monkeypatch)
    with mock_aws():
        stack = template_resources(
            monkeypatch,
            "MappingsTable",
            "HomeTable",
            "AuditTable",
            "ConnectionsTable",
            "SetupTable",
            "EventsQueue",
        )
        env = SyncAws(
            mappings=aws.table("MAPPINGS_TABLE"),
            home=aws.table("HOME_TABLE"),
            audit=aws.table("AUDIT_TABLE"),
            connections=aws.table("CONNECTIONS_TABLE"),
            setup=aws.table("SETUP_TABLE"),
            events_queue=stack.ref("EventsQueue"),
        )
        yield env
