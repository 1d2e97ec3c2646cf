"""The product's own template.yaml under the local runtime (the `local_runtime` fixture)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_health_answers_through_the_api_with_every_table_reachable(local_runtime) -> None:
    response = httpx.get(f"{local_runtime.base_url}/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["tables"] and set(body["tables"].values()) == {"ok"}


def test_every_template_resource_of_a_supported_type_exists(local_runtime) -> None:
    template = local_runtime.template
    created = set(local_runtime.stack.created)
    for kind in (
        "AWS::SQS::Queue",
        "AWS::DynamoDB::Table",
        "AWS::KMS::Key",
        "AWS::SecretsManager::Secret",
        "AWS::Scheduler::Schedule",
    ):
        assert set(template.of_type(kind)) <= created, kind


def test_globals_environment_resolves_to_local_resources(local_runtime) -> None:
    env = local_runtime.process_env
    assert env["IMPORT_QUEUE_URL"] == local_runtime.queue_url("ImportQueue")
    assert env["MAPPINGS_TABLE"] == local_runtime.table_name("MappingsTable")
    assert env["PUBLIC_BASE_URL"] == local_runtime.base_url
    assert env["EKOS_CLIENT_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_every_function_imports_in_its_own_environment(local_runtime) -> None:
    broken = {k: repr(error) for k, error in local_runtime.init_errors().items()}
    assert broken == {}
    assert all(host.environments >= 1 for host in local_runtime.functions.values())


def test_unknown_route_and_wrong_method_are_json(local_runtime) -> None:
    assert (
        httpx.get(f"{local_runtime.base_url}/no/such/route").json()["error"]["code"] == "not_found"
    )
    response = httpx.delete(f"{local_runtime.base_url}/health")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


def test_the_sample_api_events_are_handled_by_the_api_function(local_runtime) -> None:
    import json
    from pathlib import Path

    events = Path(__file__).resolve().parents[3] / "events"
    health = local_runtime.invoke(
        "ApiFunction", json.loads((events / "api-health.json").read_text())
    )
    assert health["statusCode"] == 200
    missing = local_runtime.invoke(
        "ApiFunction", json.loads((events / "api-not-found.json").read_text())
    )
    assert missing["statusCode"] == 404
    assert json.loads(missing["body"])["error"]["code"] == "not_found"
