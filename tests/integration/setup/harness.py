"""Drive a guided setup through the local runtime and the Ekos simulator (integration,
browser tests and nothing else): start, register our Ekos client, seed the home platform,
sign a person in, connect."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from syncbridge_local.runtime import LocalRuntime
from syncbridge_local.simulators import ekos as ekos_sim

SMALL_SIZES = {
    "customer-locations": 12,
    "storage-locations": 4,
    "products": 8,
    "product-batches": 16,
}
"""A dataset small enough for a browser to click through in seconds."""

ACCESS_TOKEN_TTL = 3600.0


def start(port: int = 0, **options: Any) -> ekos_sim.EkosSimulator:
    """The simulator module the runtime starts (`simulators={"EKOS_BASE_URL": __name__}`)."""
    return ekos_sim.start(port, seed=11, sizes=SMALL_SIZES, access_token_ttl=ACCESS_TOKEN_TTL)


def start_runtime(**options: Any) -> LocalRuntime:
    defaults: dict[str, Any] = {
        "simulators": {"EKOS_BASE_URL": __name__},
        "schedules": False,
        "retry_delay": 1,
        "poll_wait": 1,
    }
    return LocalRuntime.start(**(defaults | options))


def ekos(rt: LocalRuntime) -> ekos_sim.EkosSimulator:
    return rt.simulators["EKOS_BASE_URL"]


def register_ekos_client(rt: LocalRuntime) -> None:
    """Register Sync Bridge's client (the secret the template generated) at the simulator."""
    secret = rt.client("secretsmanager").get_secret_value(SecretId=rt.ref("EkosClientSecret"))
    data = json.loads(secret["SecretString"])
    ekos(rt).register_client(
        data["client_id"], data["client_secret"], [rt.base_url + "/oauth/ekos/callback"]
    )


def seed_home(rt: LocalRuntime, tenant_id: str) -> dict[str, int]:
    """The home platform's records from the simulator's dataset, for `tenant_id`."""
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform

    with rt.env_of("ApiFunction"):
        home = DynamoHomePlatform()
        return {
            kind: home.load(tenant_id, kind, rows) for kind, rows in ekos(rt).dataset.home.items()
        }


def sign_in(rt: LocalRuntime, tenant_id: str, username: str = "alice", role: str = "admin") -> str:
    """A browser session token (cookie `sb_session`) for a new person of `tenant_id`."""
    from syncbridge.authserver import service
    from syncbridge.authserver.store import OAuthStore

    with rt.env_of("ApiFunction"):
        store = OAuthStore()
        login = service.create_person(store, tenant_id, username, role)
        return service.sign_in(store, tenant_id, login.username, login.password)


def session(rt: LocalRuntime, token: str) -> httpx.Client:
    return httpx.Client(base_url=rt.base_url, cookies={"sb_session": token}, timeout=30.0)


def connect(rt: LocalRuntime, http: httpx.Client) -> httpx.Response:
    """Connect the signed-in tenant to Ekos with the simulator approving at once."""
    ekos(rt).auto_approve = True
    response = http.get("/connections/ekos/start", follow_redirects=True)
    assert response.status_code == 200, response.text
    return response


def wait_for(
    predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what or predicate}")


def wait_status(http: httpx.Client, resource_type: str, status: str, timeout: float = 30.0) -> dict:
    def reached() -> dict | None:
        state = http.get("/setup/state").json()  # "not_started" until the importer runs
        current = next((t for t in state["types"] if t["resource_type"] == resource_type), None)
        return current if current and current["status"] == status else None

    return wait_for(reached, timeout, what=f"{resource_type} to be {status}")
