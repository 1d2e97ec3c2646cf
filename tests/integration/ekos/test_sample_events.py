"""The sample events in events/api-connections-*.json drive the real API function."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tests.helpers.functions import FakeContext
from tests.integration.ekos.conftest import CLIENT_SECRET

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def api_function(aws_env, sim):
    path = ROOT / "functions" / "api" / "app.py"
    spec = importlib.util.spec_from_file_location("fn_api_app_ekos_events", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.mark.parametrize(
    ("name", "status", "content_type"),
    [
        ("start", 302, None),
        ("callback", 400, "text/html"),  # its state was never issued by this stack
        ("callback-denied", 400, "text/html"),
        ("list", 200, "application/json"),
        ("disconnect", 404, "application/json"),
    ],
)
def test_sample_event(api_function, sim, name, status, content_type):
    event = json.loads((ROOT / "events" / f"api-connections-{name}.json").read_text())
    result = api_function.lambda_handler(event, FakeContext())
    assert result["statusCode"] == status, result.get("body")
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    multi = {k.lower(): v[0] for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers = {**multi, **headers}
    if content_type:
        assert headers["content-type"].startswith(content_type)
    else:
        assert headers["location"].startswith(f"{sim.url}/oauth/authorize?")


def test_local_runtime_hook_registers_our_client_from_secrets_manager(aws_env, sim):
    """`on_stack_ready(runtime)` reads the template's EkosClientSecret and registers it."""
    import os

    from syncbridge import aws

    class ProvisionedRuntime:
        base_url = "http://127.0.0.1:4567"

        def ref(self, logical_id: str) -> str:
            assert logical_id == "EkosClientSecret"
            return os.environ["EKOS_CLIENT_SECRET_ARN"]

        def client(self, service: str):
            return aws.client(service)

    sim.state.clients.clear()
    sim.on_stack_ready(ProvisionedRuntime())
    [client] = sim.state.clients.values()
    assert client.client_id == "sync-bridge"
    assert client.redirect_uris == ["http://127.0.0.1:4567/oauth/ekos/callback"]
    assert sim.state.authenticate_client("sync-bridge", CLIENT_SECRET) is client
