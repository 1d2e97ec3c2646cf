"""schemathesis against every published OpenAPI document, over HTTP through the local API
Gateway: the main API (/openapi.json), the OAuth server (/oauth/openapi.json) and the
pest-control API (/api/v1/erp/openapi.json) and the insights API
(/api/v1/erp/insights/openapi.json). Every operation gets generated requests
(valid and invalid: schemathesis' positive and negative modes) with an admin token of a tenant that has its own credentials; the
check is schemathesis' `not_a_server_error`: no 5xx, whatever the input.

Bounded so the suite stays fast: MAX_EXAMPLES per operation, derandomized (the same
requests every run), no shrinking phase.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.helpers.logscan import LogScan
from tests.integration.security.conftest import record

pytestmark = pytest.mark.integration

TENANT = "fuzzed-bakery"
MAX_EXAMPLES = 5  # per operation and generation mode (valid, invalid)
DOCUMENTS = {
    "main": "/openapi.json",
    "oauth": "/oauth/openapi.json",
    "pest": "/api/v1/erp/openapi.json",
    "insights": "/api/v1/erp/insights/openapi.json",
}
REQUESTS: Counter[str] = Counter()
SERVER_ERRORS: list[str] = []
OPERATIONS: dict[str, set[str]] = {name: set() for name in DOCUMENTS}

BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def admin_headers(runtime: Any, scan: LogScan) -> dict[str, str]:
    """A bearer token of the tenant's bootstrap admin (every scope, admin role); the tenant
    has set its own Odoo and Microshare credentials, so pest routes reach the simulators."""
    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore
    from syncbridge_local.demo.pest_walkthrough import (
        install_simulator_credentials,
        simulator_credentials,
    )

    with runtime.env_of("OAuthFunction"):
        admin = bootstrap_tenant(OAuthStore(), TENANT, name="fuzz admin")
    scan.remember(admin.client_secret)
    token = httpx.post(
        runtime.base_url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(admin.client_id, admin.client_secret or ""),
    ).json()["access_token"]
    scan.remember(token)
    with httpx.Client(base_url=runtime.base_url, timeout=30) as http:
        install_simulator_credentials(runtime, http, token)
    for values in simulator_credentials(runtime).values():
        scan.remember(values.get("api_key"), values.get("password"))
    return {"Authorization": f"Bearer {token}"}


def _schema(runtime: Any, name: str) -> Any:
    spec = httpx.get(runtime.base_url + DOCUMENTS[name], timeout=60).json()  # a cold start
    assert spec["paths"], f"{name}: no operations published"
    return schemathesis.openapi.from_dict(spec)


@pytest.fixture(scope="module")
def main_schema(runtime: Any) -> Any:
    return _schema(runtime, "main")


@pytest.fixture(scope="module")
def oauth_schema(runtime: Any) -> Any:
    return _schema(runtime, "oauth")


@pytest.fixture(scope="module")
def pest_schema(runtime: Any) -> Any:
    return _schema(runtime, "pest")


def _run(name: str, case: Any, runtime: Any, headers: dict[str, str]) -> None:
    label = f"{case.method.upper()} {case.path}"
    OPERATIONS[name].add(label)
    response = case.call(base_url=runtime.base_url, headers=headers, timeout=30)
    REQUESTS[name] += 1
    if response.status_code >= 500:
        SERVER_ERRORS.append(f"{label} -> {response.status_code}")
    case.validate_response(response, checks=[not_a_server_error])


def _fuzz(name: str, schema: Any, runtime: Any, headers: dict[str, str]) -> None:
    """Every operation of the document, MAX_EXAMPLES generated cases each (hypothesis
    drives schemathesis' strategies directly: its pytest plugin does not run on pytest 9)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception:
                continue

            @BOUNDED
            @given(case=strategy)
            def run(case: Any) -> None:
                _run(name, case, runtime, headers)

            try:
                run()
            except Unsatisfiable:
                # nothing to make invalid (no parameters, no body): positive mode covers it
                assert mode is GenerationMode.NEGATIVE, operation.label


def test_main_api(main_schema: Any, runtime: Any, admin_headers: dict[str, str]) -> None:
    _fuzz("main", main_schema, runtime, admin_headers)


def test_oauth_server(oauth_schema: Any, runtime: Any, admin_headers: dict[str, str]) -> None:
    _fuzz("oauth", oauth_schema, runtime, admin_headers)


def test_pest_api(pest_schema: Any, runtime: Any, admin_headers: dict[str, str]) -> None:
    _fuzz("pest", pest_schema, runtime, admin_headers)


@pytest.fixture(scope="module")
def insights_schema(runtime: Any) -> Any:
    return _schema(runtime, "insights")


def test_insights_api(insights_schema: Any, runtime: Any, admin_headers: dict[str, str]) -> None:
    _fuzz("insights", insights_schema, runtime, admin_headers)


def test_zz_figures_and_no_secret_in_any_log(scan: LogScan) -> None:
    operations = sum(len(ops) for ops in OPERATIONS.values())
    record(
        "schemathesis",
        documents=len(DOCUMENTS),
        operations=operations,
        requests=sum(REQUESTS.values()),
        server_errors=len(SERVER_ERRORS),
        **{f"{name}_operations": len(ops) for name, ops in OPERATIONS.items()},
    )
    record("logs_schemathesis", **scan.figures())
    assert operations >= 40 and all(REQUESTS[name] > 0 for name in DOCUMENTS)
    assert SERVER_ERRORS == []
    assert scan.leaks() == []
