"""The one lease (`store.lease`) on moto, and the three stores that take it: a holder is
exclusive until its time runs out, only the holder gives it back, and each store's own
condition (token version, device existing) still decides."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.domain.connections.models import Connection
from syncbridge.store import lease
from syncbridge.store.connections import DynamoConnectionRepository
from syncbridge.store.devices import DynamoDeviceStore
from syncbridge.store.pest import DynamoPestStore
from tests.helpers.moto import (  # noqa: F401 (fresh_clients: autouse)
    fresh_clients,
    offline_aws,
    template_resources,
)

pytestmark = pytest.mark.integration
KEY = {"pk": "TENANT#a#PEST", "sk": "LEASE#test"}


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    offline_aws(monkeypatch)
    with mock_aws():
        template_resources(monkeypatch, "PestTable", "DevicesTable", "ConnectionsTable")
        yield


def _item(table: Any, key: dict[str, str]) -> dict[str, Any] | None:
    return table.get_item(Key=key, ConsistentRead=True).get("Item")


def test_a_lease_is_exclusive_until_it_runs_out(tables: None) -> None:
    table = aws.table("PEST_TABLE")
    assert lease.acquire(table, KEY, "one", now=100.0, until=130.0)
    assert not lease.acquire(table, KEY, "two", now=129.9, until=160.0)
    assert not lease.acquire(table, KEY, "one", now=110.0, until=140.0)  # not re-entrant
    assert lease.acquire(table, KEY, "two", now=130.1, until=160.0)  # ran out: taken over
    assert _item(table, KEY) == {**KEY, "lease_holder": "two", "lease_until_ms": 160_000}


def test_only_the_holder_gives_it_back(tables: None) -> None:
    table = aws.table("PEST_TABLE")
    assert lease.acquire(table, KEY, "one", now=100.0, until=130.0)
    assert lease.acquire(table, KEY, "two", now=131.0, until=161.0)
    lease.release(table, KEY, "one")  # one's lease ran out long ago: frees nothing
    assert not lease.acquire(table, KEY, "three", now=132.0, until=162.0)
    lease.release(table, KEY, "two")
    assert _item(table, KEY) == KEY  # the lease attributes are gone, the item stays
    assert lease.acquire(table, KEY, "three", now=132.0, until=162.0)
    lease.release(table, KEY, "three", delete_item=True)
    assert _item(table, KEY) is None


def test_reentrant_condition_and_attributes_written_with_it(tables: None) -> None:
    table = aws.table("PEST_TABLE")
    held = {"now": 100.0, "until": 130.0, "reentrant": True}
    assert not lease.acquire(table, KEY, "one", **held, condition="attribute_exists(pk)")
    assert _item(table, KEY) is None  # a refused lease creates nothing
    assert lease.acquire(table, KEY, "one", **held, also_set={"expires_at": 999})
    assert lease.acquire(table, KEY, "one", now=110.0, until=140.0, reentrant=True)
    assert not lease.acquire(table, KEY, "two", now=110.0, until=140.0, reentrant=True)
    assert _item(table, KEY)["expires_at"] == 999


def test_the_pest_refresh_lease_is_an_item_of_its_own_with_a_ttl(tables: None) -> None:
    store = DynamoPestStore()
    assert store.try_lease("a", "refresh", "one", 30)
    assert not store.try_lease("a", "refresh", "two", 30)
    item = _item(store.table, {"pk": "TENANT#a#PEST", "sk": "LEASE#refresh"})
    assert item is not None and item["expires_at"] > item["lease_until_ms"] // 1000
    store.release_lease("a", "refresh", "one")
    assert _item(store.table, {"pk": "TENANT#a#PEST", "sk": "LEASE#refresh"}) is None


def test_a_device_claim_needs_the_device_and_is_reentrant(tables: None) -> None:
    devices = DynamoDeviceStore()
    assert not devices.try_claim("a", "missing", "me", 60)
    assert _item(devices.table, {"pk": "TENANT#a#DEVICES", "sk": "DEVICE#missing"}) is None
    devices.table.put_item(Item={"pk": "TENANT#a#DEVICES", "sk": "DEVICE#3", "version": 1})
    assert devices.try_claim("a", "3", "me", 60) and devices.try_claim("a", "3", "me", 60)
    assert not devices.try_claim("a", "3", "you", 60)


def test_the_token_refresh_lease_holds_only_for_the_current_version(tables: None) -> None:
    repo = DynamoConnectionRepository()
    connection = Connection(tenant_id="a", connection_id="ekos", erp="ekos", status="active")
    version = repo.save_connected(connection, b"sealed", 0)
    take = {"holder": "one", "now": 100.0, "until": 130.0}
    assert not repo.acquire_refresh_lease("a", "ekos", version=version + 1, **take)
    assert repo.acquire_refresh_lease("a", "ekos", version=version, **take)
    assert not repo.acquire_refresh_lease(
        "a", "ekos", version=version, holder="two", now=101.0, until=131.0
    )
    # rotated tokens drop the lease with the version bump
    assert repo.replace_tokens(
        "a", "ekos", expected_version=version, token_ciphertext=b"new", access_expires_at=0
    )
    item = _item(repo.table, {"pk": "TENANT#a#CONNECTIONS", "sk": "CONNECTION#ekos"})
    assert item is not None and "lease_holder" not in item and "lease_until_ms" not in item
    assert repo.acquire_refresh_lease(
        "a", "ekos", version=version + 1, holder="two", now=101.0, until=131.0
    )
    repo.release_refresh_lease("a", "ekos", holder="one")  # not the holder: nothing
    assert not repo.acquire_refresh_lease(
        "a", "ekos", version=version + 1, holder="three", now=102.0, until=132.0
    )
