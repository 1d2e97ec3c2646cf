"""Refreshing before expiry and on 401, and rotation races that must not lock a tenant out."""

from __future__ import annotations

import threading
import time

import pytest

from syncbridge.adapters.ekos.errors import EkosUnavailable, OAuthProtocolError
from syncbridge.domain.connections.errors import ReauthorizationRequired, TokenRefreshTimeout
from syncbridge.domain.connections.service import (
    decode_tokens,
    encode_tokens,
    token_context,
    token_set_from,
)
from tests.unit.ekos.conftest import TENANT


def _stored_tokens(world):
    stored = world.repo.get(TENANT, "ekos")
    return decode_tokens(
        world.cipher.decrypt(stored.token_ciphertext, token_context(TENANT, "ekos"))
    )


def test_valid_token_is_used_without_refreshing(world):
    world.connect()
    provider = world.provider()
    assert provider.get_access_token() == _stored_tokens(world).access_token
    assert world.oauth.refresh_calls == 0


def test_refreshes_within_skew_of_expiry_and_stores_the_rotated_pair(world):
    # Given a connection whose token expires in 59 s (inside the 60 s skew)
    world.connect()
    first = _stored_tokens(world)
    world.clock.advance(3600 - 59)
    # When a worker asks for a token
    token = world.provider().get_access_token()
    # Then it refreshed once, and the new pair (with the new refresh token) is stored at version 2
    assert world.oauth.refresh_calls == 1
    stored = _stored_tokens(world)
    assert token == stored.access_token != first.access_token
    assert stored.refresh_token != first.refresh_token
    assert world.repo.get(TENANT, "ekos").version == 2


def test_on_unauthorized_refreshes_even_before_expiry(world):
    world.connect()
    provider = world.provider()
    old = provider.get_access_token()
    provider.on_unauthorized()
    assert provider.get_access_token() != old and world.oauth.refresh_calls == 1


def test_a_401_for_a_token_already_replaced_refreshes_nothing(world):
    # Given a provider that refreshed after one request's 401
    world.connect()
    provider = world.provider()
    old = provider.get_access_token()
    provider.on_unauthorized(old)
    new = provider.get_access_token()
    # When a second request, sent with the old token before the refresh, reports its 401
    provider.on_unauthorized(old)
    # Then the new token stands: no second refresh (which would rotate the grant again)
    assert provider.get_access_token() == new and world.oauth.refresh_calls == 1
    # ... while a 401 for the token held now does refresh
    provider.on_unauthorized(new)
    assert world.oauth.refresh_calls == 2


def test_concurrent_workers_refresh_once_and_share_the_winner(world):
    # Given two workers holding the same about-to-expire tokens
    world.connect()
    family = next(iter(world.oauth.refresh_tokens.values()))["family"]
    world.clock.advance(3590)
    gate = threading.Event()
    world.oauth.refresh_delay = gate  # the first refresh stalls until released

    def wait_for_lease(seconds: float) -> None:  # the worker without the lease waits
        gate.set()
        time.sleep(0.01)  # real time passes slower than the 30 s lease, as it does in Lambda
        world.clock.advance(0.01)

    a, b = world.provider(sleep=wait_for_lease), world.provider(sleep=wait_for_lease)
    results: dict[str, str] = {}

    def run(name, provider):
        results[name] = provider.get_access_token()

    # When both ask for a token at once
    threads = [
        threading.Thread(target=run, args=("a", a)),
        threading.Thread(target=run, args=("b", b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    # Then Ekos saw exactly one refresh, both use the winner's token, and the grant lives
    assert world.oauth.refresh_calls == 1
    assert results["a"] == results["b"] == _stored_tokens(world).access_token
    assert not world.oauth.family_revoked(family)


def test_stale_worker_adopts_tokens_another_worker_rotated(world):
    # Given worker B loaded tokens, then worker A rotated them
    world.connect()
    b = world.provider()
    b.get_access_token()
    world.provider().on_unauthorized()
    assert world.oauth.refresh_calls == 1
    # When Ekos rejects B's (old) token
    b.on_unauthorized()
    # Then B re-reads and uses A's tokens without presenting the dead refresh token
    assert b.get_access_token() == _stored_tokens(world).access_token
    assert world.oauth.refresh_calls == 1


def test_invalid_grant_after_a_lost_race_uses_the_winners_tokens(world):
    # Given a worker holding version 1, and Ekos with a reuse grace window
    world.connect()
    world.oauth.reuse_revokes_family = False
    loser = world.provider()
    loser.get_access_token()
    original = world.oauth.refresh
    winner: dict[str, str] = {}

    def winner_rotates_first(token):
        # Another worker presents the same refresh token and stores its result first
        world.oauth.refresh = original
        rotated = token_set_from(original(token), world.clock())
        assert world.repo.replace_tokens(
            TENANT, "ekos", expected_version=1, access_expires_at=rotated.expires_at,
            token_ciphertext=world.cipher.encrypt(encode_tokens(rotated), token_context(TENANT, "ekos")),
        )  # fmt: skip
        winner["access"] = rotated.access_token
        return original(token)  # ... so ours is a reuse: invalid_grant

    world.oauth.refresh = winner_rotates_first
    # When Ekos rejects our token and our refresh says invalid_grant
    loser.on_unauthorized()
    # Then we re-read and use the winner's tokens; the tenant is not locked out
    assert loser.get_access_token() == winner["access"]
    assert world.repo.get(TENANT, "ekos").connection.status == "active"


def test_lost_conditional_write_adopts_the_stored_winner(world):
    world.connect()
    provider = world.provider()
    provider.get_access_token()
    real_replace = world.repo.replace_tokens

    def someone_else_wrote_first(*args, **kwargs):
        row = world.repo.rows[(TENANT, "ekos")]
        row["version"] += 1  # another worker's write lands first (same tokens shape)
        return real_replace(*args, **kwargs)

    world.repo.replace_tokens = someone_else_wrote_first
    provider.on_unauthorized()
    assert world.repo.get(TENANT, "ekos").connection.status == "active"
    assert provider._version == world.repo.get(TENANT, "ekos").version


def test_dead_grant_marks_the_connection_for_reauthorization(world):
    world.connect()
    for rt in world.oauth.refresh_tokens.values():
        rt["revoked"] = True  # revoked at Ekos (e.g. the brewer removed the app)
    with pytest.raises(ReauthorizationRequired, match="connect again"):
        world.provider().on_unauthorized()
    stored = world.repo.get(TENANT, "ekos")
    assert (
        stored.connection.status == "reauthorization_required" and stored.token_ciphertext is None
    )
    assert "connect again" in stored.connection.last_error  # the reason the tenant is shown


def test_disconnected_connection_gives_no_token(world):
    world.connect()
    world.service.disconnect(TENANT)
    with pytest.raises(ReauthorizationRequired):
        world.provider().get_access_token()


def test_disconnect_during_a_refresh_wins_and_the_new_tokens_are_revoked(world):
    # Given a worker refreshing while the tenant disconnects
    world.connect()
    provider = world.provider()
    provider.get_access_token()
    original = world.oauth.refresh
    minted: list[str] = []

    def refresh_then_disconnect(token):
        answer = original(token)
        minted.append(answer.refresh_token)
        world.service.disconnect(TENANT)
        return answer

    world.oauth.refresh = refresh_then_disconnect
    # When the refresh completes
    with pytest.raises(ReauthorizationRequired, match="changed while refreshing"):
        provider.on_unauthorized()
    # Then the connection stays disconnected and the freshly minted grant is revoked at Ekos
    stored = world.repo.get(TENANT, "ekos")
    assert stored.connection.status == "disconnected" and stored.token_ciphertext is None
    assert minted[0] in world.oauth.revoked
    assert world.oauth.hints[world.oauth.revoked.index(minted[0])] == "refresh_token"


def test_dead_grant_found_during_a_disconnect_leaves_it_disconnected(world):
    # Given a worker refreshing while the tenant disconnects (which revokes the grant)
    world.connect()
    provider = world.provider()
    provider.get_access_token()

    def disconnect_then_refuse(token):
        world.service.disconnect(TENANT)
        raise OAuthProtocolError("invalid_grant", "revoked")

    world.oauth.refresh = disconnect_then_refuse
    # When Ekos answers invalid_grant
    with pytest.raises(ReauthorizationRequired):
        provider.on_unauthorized()
    # Then the disconnect stands (never overwritten by reauthorization_required)
    assert world.repo.get(TENANT, "ekos").connection.status == "disconnected"


def test_missing_or_inactive_connection_hands_out_no_token_and_says_why(world):
    with pytest.raises(ReauthorizationRequired, match="is missing;"):
        world.provider().get_access_token()
    world.connect()
    # tokens still stored, but the connection is no longer active
    world.repo.set_status(TENANT, "ekos", "reauthorization_required")
    with pytest.raises(ReauthorizationRequired, match="is reauthorization_required;"):
        world.provider().get_access_token()


@pytest.mark.parametrize(
    "failure",
    [OAuthProtocolError("server_error", "try later"), EkosUnavailable("down", status=503)],
    ids=["refused", "unavailable"],
)
def test_a_failed_refresh_releases_its_lease_so_the_next_call_retries_at_once(world, failure):
    # Given a refresh that fails once
    world.connect()
    world.clock.advance(3600)
    original, calls = world.oauth.refresh, []

    def fail_once(token):
        calls.append(token)
        if len(calls) == 1:
            raise failure
        return original(token)

    world.oauth.refresh = fail_once
    with pytest.raises(type(failure)):
        world.provider().get_access_token()
    # When another worker asks right away
    before = world.clock()
    token = world.provider().get_access_token()
    # Then it refreshes without waiting for the failed worker's lease to run out
    assert world.clock() == before and token == _stored_tokens(world).access_token
    assert len(calls) == 2


def test_waiting_for_another_workers_lease_gives_up_at_the_deadline(world):
    # Given another worker holding the refresh lease for a long time
    world.connect()
    world.clock.advance(3600)
    now = world.clock()
    assert world.repo.acquire_refresh_lease(
        TENANT, "ekos", version=1, holder="other", now=now, until=now + 1000
    )
    # When a worker waits at most 1 s, polling every 0.5 s
    provider = world.provider(wait_seconds=1.0, poll_seconds=0.5)
    with pytest.raises(TokenRefreshTimeout, match="Another worker is still refreshing"):
        provider.get_access_token()
    # Then it gave up exactly at its deadline, without refreshing
    assert world.clock() == now + 1.0 and world.oauth.refresh_calls == 0


def test_a_rotation_without_a_new_refresh_token_keeps_the_old_one(world):
    world.connect()
    old = _stored_tokens(world)
    original = world.oauth.refresh
    world.oauth.refresh = lambda token: original(token).model_copy(update={"refresh_token": None})
    world.clock.advance(3600)
    world.provider().get_access_token()
    assert _stored_tokens(world).refresh_token == old.refresh_token


def test_a_refresh_stores_the_new_expiry_beside_the_tokens(world):
    world.connect()
    world.clock.advance(3600)
    world.provider().get_access_token()
    stored = world.repo.get(TENANT, "ekos")
    assert stored.access_expires_at == world.clock() + 3600 == _stored_tokens(world).expires_at


def test_one_worker_refreshes_every_time_its_token_expires(world):
    world.connect()
    provider = world.provider()
    tokens = [provider.get_access_token()]
    for _ in range(2):
        world.clock.advance(3600)
        tokens.append(provider.get_access_token())
    assert world.oauth.refresh_calls == 2 and len(set(tokens)) == 3
    assert tokens[-1] == _stored_tokens(world).access_token


def test_the_refresh_skew_boundary_is_inclusive(world):
    # Given a token that expires in exactly the 60 s skew: refreshed; one second earlier: not
    world.connect()
    provider = world.provider()
    world.clock.advance(3600 - 61)
    provider.get_access_token()
    assert world.oauth.refresh_calls == 0
    world.clock.advance(1)
    provider.get_access_token()
    assert world.oauth.refresh_calls == 1
