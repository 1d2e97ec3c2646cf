"""Connect -> tokens sealed in DynamoDB -> import enqueued -> pages read through 429/5xx/
expiry -> refresh rotation -> disconnect revokes at Ekos. moto + the simulator on loopback."""

from __future__ import annotations

import threading

import httpx
import pytest

from syncbridge.adapters.ekos import EkosClient, RetryPolicy
from syncbridge.domain.connections.errors import ReauthorizationRequired
from syncbridge.domain.connections.messages import ImportCommand
from syncbridge.roots.keg import ekos_client, token_provider
from tests.integration.ekos.conftest import CLIENT_SECRET, TENANT_A

pytestmark = pytest.mark.integration


def _fast_client(tenant: str, sleeps: list[float]) -> EkosClient:
    retry = RetryPolicy(attempts=6, base_delay=0.01, max_retry_after=5, sleep=sleeps.append)
    return EkosClient(ekos_client(tenant).base_url, token_provider(tenant), retry=retry)


def _secrets_in_sim(sim) -> list[str]:
    return [*sim.state.access_tokens, *sim.state.refresh_tokens]


def test_connect_stores_sealed_tokens_and_enqueues_the_import(api, aws_env, sim):
    # When tenant A walks the connect flow
    page = api.connect(TENANT_A)
    # Then they see a success page
    assert page.status == 200 and "Connected to Ekos" in page.body
    assert page.headers["content-type"].startswith("text/html")
    # ... the connection is active with its tokens encrypted (no plaintext token anywhere)
    [item] = aws_env.connection_items()
    assert item["status"] == "active" and item["version"] == 1
    dumped = repr(aws_env.items())
    issued = _secrets_in_sim(sim)
    assert issued and not any(token in dumped for token in issued)
    assert CLIENT_SECRET not in dumped
    # ... and one import command for customer locations is on the queue
    [message] = aws_env.import_messages()
    command = ImportCommand.model_validate(message)
    assert (command.tenant_id, command.connection_id, command.resource_type) == (
        TENANT_A, "ekos", "customer-locations",
    )  # fmt: skip
    # ... and the page never echoes a token
    assert not any(token in page.body for token in issued)


def test_reads_every_page_through_rate_limits_outages_and_token_expiry(api, aws_env, sim):
    api.connect(TENANT_A)
    prefix = "/api/v1/customer-locations"
    sim.faults.add("rate_limit", path_prefix=prefix, times=1, after=1, retry_after=2)
    sim.faults.add("rate_limit", path_prefix=prefix, times=1, after=2, retry_after="date:3")
    sim.faults.add("server_error", path_prefix=prefix, status=502, times=1, after=3)
    sim.faults.add("server_error", path_prefix=prefix, status=503, times=1, after=4, retry_after=1)
    sim.faults.add("server_error", path_prefix=prefix, status=500, times=1, after=5)
    sim.faults.add("expire_token", path_prefix=prefix, times=1, after=6)  # mid-pagination
    sleeps: list[float] = []
    # When the importer reads every page
    with _fast_client(TENANT_A, sleeps) as client:
        pages = list(client.iter_pages("customer-locations", page_size=25))
    # Then nothing was lost or duplicated
    ids = [r.id for p in pages for r in p.records]
    assert len(ids) == len(set(ids)) == len(sim.dataset.ekos["customer-locations"])
    # ... the Retry-After values (seconds and HTTP-date) were honoured
    assert sleeps[0] == 2.0 and 1.0 <= sleeps[1] <= 3.0 and 1.0 in sleeps
    # ... and the expired token was refreshed once, with rotation stored atomically
    assert sim.state.token_requests == ["authorization_code", "refresh_token"]
    [item] = aws_env.connection_items()
    assert item["version"] == 2 and "lease_holder" not in item
    assert not sim.state.revoked_families
    assert sim.faults.active == []  # every injected fault really fired


def test_concurrent_workers_share_one_refresh(api, aws_env, sim):
    api.connect(TENANT_A)
    sim.state.expire_all_access_tokens()
    results: dict[int, int] = {}

    def worker(n: int) -> None:
        with _fast_client(TENANT_A, []) as client:
            results[n] = sum(len(p.records) for p in client.iter_pages("storage-locations"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # Every worker finished, Ekos saw one refresh, and no token family was killed for reuse
    assert results == {n: len(sim.dataset.ekos["storage-locations"]) for n in range(3)}
    assert sim.state.token_requests.count("refresh_token") == 1
    assert not sim.state.revoked_families


def test_list_and_disconnect_revoke_at_ekos(api, aws_env, sim):
    api.connect(TENANT_A)
    issued = _secrets_in_sim(sim)
    # When the tenant lists its connections, no token is in the answer
    listed = api.call("GET", "/connections", tenant=TENANT_A)
    assert listed.status == 200
    [conn] = listed.json()["connections"]
    assert conn["status"] == "active" and conn["erp"] == "ekos"
    assert not any(t in listed.body for t in issued) and "token" not in listed.body
    [access] = sim.state.live_access_tokens()
    # When it disconnects
    gone = api.call("DELETE", "/connections/ekos", tenant=TENANT_A)
    # Then the grant is revoked at Ekos (RFC 7009) and forgotten here
    assert gone.status == 200 and gone.json()["connection"]["status"] == "disconnected"
    assert sim.state.revoked_families
    probe = httpx.get(f"{sim.url}/api/v1/products", headers={"Authorization": f"Bearer {access}"})
    assert probe.status_code == 401
    [item] = aws_env.connection_items()
    assert item["status"] == "disconnected" and "token_ciphertext" not in item
    with pytest.raises(ReauthorizationRequired):
        token_provider(TENANT_A).get_access_token()
    # ... and a second disconnect is a clear 404
    again = api.call("DELETE", "/connections/ekos", tenant=TENANT_A)
    assert again.status == 404 and again.json()["error"]["code"] == "connection_not_found"
