"""In-process moto for unit/integration tests: offline credentials, fresh boto3 clients, and
the template's own tables and queues (never declared again by hand in a test)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from syncbridge import aws
from syncbridge_local.provision import Provisioner, Stack
from syncbridge_local.template import Resolver, Template, references

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and no endpoint override: boto3 talks to `mock_aws`."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="module", autouse=True)
def fresh_clients() -> Iterator[None]:
    """boto3 clients built for this module's moto (not a runtime's endpoint); once per
    module, since building them is the slow part of a moto test. A conftest imports it
    to apply it to its folder."""
    aws.reset_clients()
    yield
    aws.reset_clients()


@cache
def _template() -> Template:
    return Template.load(TEMPLATE)


def template_resources(monkeypatch: pytest.MonkeyPatch, *logical_ids: str) -> Stack:
    """Create `logical_ids` (tables, queues... and what they reference) in the active moto
    exactly as template.yaml declares them (keys, indexes, FIFO, redrive), and set the
    Globals environment variables that name them (e.g. MAPPINGS_TABLE, EVENTS_QUEUE_URL).

        with mock_aws():
            stack = template_resources(monkeypatch, "MappingsTable", "EventsQueue")
            stack.ref("MappingsTable")      # the table's name
    """
    template = _template()
    resolver = Resolver(
        parameters=template.parameter_values({}),
        conditions=template.conditions,
        stack_name="test",
    )
    stack = Stack("test", template, resolver, aws.client)
    Provisioner(stack).run(only=set(logical_ids))
    variables: dict[str, Any] = (
        template.body.get("Globals", {}).get("Function", {}).get("Environment", {})
    ).get("Variables", {})
    created = set(stack.created)
    for name, value in variables.items():
        wanted = references(value)
        if wanted and wanted <= created:
            monkeypatch.setenv(name, str(resolver.resolve(value)))
    return stack
