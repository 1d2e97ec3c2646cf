"""Rules of the connect flow that mutation testing found unpinned: the sync schedules that
follow a connection, what a connection records, and the shape of PKCE verifiers and states."""

from __future__ import annotations

import hashlib
import string
import time
from dataclasses import dataclass, field

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from syncbridge.domain.connections.errors import (
    ConnectionNotFound,
    InvalidCallback,
    InvalidState,
    TokenExchangeFailed,
)
from syncbridge.domain.connections.pkce import (
    new_code_verifier,
    new_state,
    s256_challenge,
    state_digest,
    state_tenant,
)
from syncbridge.domain.connections.service import CallbackQuery, ConnectionService
from syncbridge.domain.sync.schedules import ScheduleInfo
from tests.unit.ekos.conftest import REDIRECT, TENANT


@dataclass
class FakeSchedules:
    """EventBridge Scheduler's per-connection schedules, in memory; can be made to fail."""

    live: set[tuple[str, str]] = field(default_factory=set)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    down: bool = False

    def ensure(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]:
        self.calls.append(("ensure", tenant_id, connection_id))
        if self.down:
            raise RuntimeError("scheduler unavailable")
        self.live.add((tenant_id, connection_id))
        return []

    def remove(self, tenant_id: str, connection_id: str) -> int:
        self.calls.append(("remove", tenant_id, connection_id))
        if self.down:
            raise RuntimeError("scheduler unavailable")
        return int(
            (tenant_id, connection_id) in self.live
            and not self.live.discard((tenant_id, connection_id))
        )

    def describe(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]:
        return []


def scheduled(world, schedules: FakeSchedules) -> ConnectionService:
    return ConnectionService(
        world.repo, world.cipher, world.oauth, world.publisher, clock=world.clock,
        schedules=schedules,
    )  # fmt: skip


def connect_with(world, service: ConnectionService):
    url = service.start_connection(TENANT, REDIRECT, started_by="alice", browser_binding="b")
    state = url.split("state=")[1].split("&")[0]
    code = url.split("x=")[1]
    return service.complete_connection(
        CallbackQuery(state=state, code=code),
        principal_tenant=TENANT, principal_subject="alice", browser_binding="b",
    )  # fmt: skip


# ---------------------------------------------------------------- schedules follow the connection
def test_connecting_creates_the_connections_sync_schedules_and_disconnecting_removes_them(world):
    schedules = FakeSchedules()
    service = scheduled(world, schedules)
    connect_with(world, service)
    assert schedules.calls == [("ensure", TENANT, "ekos")]
    service.disconnect(TENANT)
    assert schedules.calls[-1] == ("remove", TENANT, "ekos") and schedules.live == set()


def test_a_scheduler_failure_never_undoes_the_connection_or_the_disconnect(world):
    schedules = FakeSchedules(down=True)
    service = scheduled(world, schedules)
    result = connect_with(world, service)
    assert result.connection.status == "active" and len(world.publisher.sent) == 1
    assert world.repo.get(TENANT, "ekos").connection.status == "active"
    assert service.disconnect(TENANT).status == "disconnected"
    assert world.repo.get(TENANT, "ekos").token_ciphertext is None
    assert [c[0] for c in schedules.calls] == ["ensure", "remove"]


def test_without_a_scheduler_port_connecting_still_works(world):
    assert world.connect().connection.status == "active"


# ---------------------------------------------------------------- what a connection records
def test_a_grant_without_scope_records_no_scopes(world):
    original = world.oauth._issue

    def unscoped(family):
        return original(family).model_copy(update={"scope": None})

    world.oauth._issue = unscoped
    assert world.connect().connection.scopes == []


def test_connection_times_are_utc_whatever_the_servers_zone(world, monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        connection = world.connect().connection
    finally:
        monkeypatch.undo()
        time.tzset()
    assert connection.connected_at == "2027-01-15T08:00:00Z" == connection.updated_at


def test_listing_shows_only_the_asking_tenants_connections(world):
    world.connect(TENANT)
    world.connect("tenant-b")
    assert [c.tenant_id for c in world.service.list_connections(TENANT)] == [TENANT]


def test_every_refusal_tells_the_person_what_to_do(world):
    """The messages reach the person's error page: each says what happened or what next."""
    with pytest.raises(InvalidState, match="signed-in person"):
        world.service.start_connection(TENANT, REDIRECT, started_by="", browser_binding="b")
    with pytest.raises(InvalidState, match="no state"):
        world.complete(CallbackQuery(code="c"))
    with pytest.raises(InvalidState, match="unknown or was already used"):
        world.complete(CallbackQuery(state="nope", code="c"))
    state, _ = world.authorize()
    with pytest.raises(InvalidCallback, match="neither a code nor an error"):
        world.complete(CallbackQuery(state=state))
    with pytest.raises(ConnectionNotFound, match="no active Ekos connection"):
        world.service.disconnect(TENANT)


# ---------------------------------------------------------------- PKCE verifiers and states
def test_verifiers_carry_48_random_bytes():
    assert {len(new_code_verifier()) for _ in range(20)} == {64}


def test_s256_challenge_agrees_with_authlib_for_every_verifier_shape():
    # 300 verifiers: their challenges end in every base64url character, X included
    for n in range(300):
        verifier = f"verifier-{n:04d}-" + "a" * 30
        assert s256_challenge(verifier) == create_s256_code_challenge(verifier), verifier


def test_state_round_trips_every_tenant_and_carries_32_random_bytes():
    # tenants whose base64url ends in every character (3 bytes: the last one is the last 6 bits)
    endings = [f"ab{c}" for c in string.ascii_letters + string.digits + "-_."]
    for tenant in [f"tenant-{n}" for n in range(300)] + endings:
        state = new_state(tenant)
        assert state_tenant(state) == tenant, state
        assert len(state.split(".")[1]) == 43


def test_state_tenant_is_the_validated_base64url_before_the_first_dot():
    random_part = "r" * 43
    assert state_tenant("dGVu!YW50." + random_part) is None  # '!' would be skipped unvalidated
    assert state_tenant("dGVuYW50.extra." + random_part) == "tenant"


def test_only_the_states_sha256_is_kept():
    assert state_digest("tenant.state") == hashlib.sha256(b"tenant.state").hexdigest()
    assert state_digest("é.x") == hashlib.sha256("é.x".encode()).hexdigest()


def test_ekos_unavailable_at_the_token_endpoint_asks_to_try_again_later(world):
    state, code = world.authorize()
    world.oauth.unavailable = True
    with pytest.raises(TokenExchangeFailed, match="not answering right now") as failed:
        world.complete(CallbackQuery(state=state, code=code))
    assert failed.value.code == "temporarily_unavailable"
    assert world.repo.get(TENANT, "ekos") is None
