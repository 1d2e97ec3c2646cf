"""The connect flow's state/PKCE handling, failures that store nothing, and disconnect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from syncbridge.domain.connections.errors import (
    AuthorizationDenied,
    ConnectionNotFound,
    InvalidCallback,
    InvalidState,
    TokenExchangeFailed,
)
from syncbridge.domain.connections.pkce import (
    new_code_verifier,
    new_state,
    s256_challenge,
    state_tenant,
)
from syncbridge.domain.connections.service import STATE_TTL_SECONDS, CallbackQuery, decode_tokens
from tests.unit.ekos.conftest import REDIRECT, TENANT


def test_s256_challenge_agrees_with_authlib_and_the_simulator():
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    from syncbridge_local.simulators.ekos.state import s256

    for verifier in ("dBjftJeZ4CVP-mJ92K9kZ9rJoHmhaS8kP6xvgSUzxAY", new_code_verifier()):
        challenge = s256_challenge(verifier)
        assert challenge == create_s256_code_challenge(verifier) == s256(verifier)
        assert "=" not in challenge and len(challenge) == 43


def test_verifiers_are_long_random_and_url_safe():
    verifiers = {new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for v in verifiers:
        assert 43 <= len(v) <= 128
        assert all(c.isalnum() or c in "-_" for c in v)


def test_state_names_its_tenant_and_rejects_forgeries():
    state = new_state("tenant/with.odd chars")
    assert state_tenant(state) == "tenant/with.odd chars"
    assert new_state("t") != new_state("t")
    assert state_tenant("no-dot-here") is None
    assert state_tenant("dGVuYW50.short") is None  # random part too short to be ours
    assert state_tenant("%%%." + "x" * 43) is None


def test_start_binds_state_verifier_and_redirect_uri(world):
    # Given a tenant starting to connect
    url = world.service.start_connection(TENANT, REDIRECT, started_by="alice", browser_binding="b")
    # Then the authorize URL carries a state whose stored attempt has the verifier of its challenge
    query = parse_qs(urlparse(url).query)
    pending = world.repo.pending[query["state"][0]]
    assert pending.tenant_id == TENANT and pending.redirect_uri == REDIRECT
    assert query["code_challenge"][0] == s256_challenge(pending.code_verifier)
    assert pending.expires_at == world.clock() + STATE_TTL_SECONDS


def test_callback_stores_encrypted_tokens_and_enqueues_the_first_import(world):
    # Given an authorized attempt
    state, code = world.authorize()
    # When Ekos redirects back with the code
    result = world.complete(CallbackQuery(state=state, code=code))
    # Then the connection is active, its tokens stored sealed, and the import enqueued
    stored = world.repo.get(TENANT, "ekos")
    assert stored.connection.status == "active" and stored.version == 1
    assert b"at-" not in stored.token_ciphertext and b"rt-" not in stored.token_ciphertext
    tokens = decode_tokens(
        world.cipher.decrypt(stored.token_ciphertext, {"tenant": TENANT, "connection": "ekos"})
    )
    assert tokens.access_token.startswith("at-") and tokens.refresh_token.startswith("rt-")
    [command] = world.publisher.sent
    assert command.model_dump() == {
        "action": "import", "tenant_id": TENANT, "connection_id": "ekos", "erp": "ekos",
        "resource_type": "customer-locations", "run_id": result.run_id,
    }  # fmt: skip


def test_replayed_state_is_rejected_and_changes_nothing(world):
    state, code = world.authorize()
    world.complete(CallbackQuery(state=state, code=code))
    before = world.repo.get(TENANT, "ekos")
    with pytest.raises(InvalidState):
        world.complete(CallbackQuery(state=state, code=code))
    after = world.repo.get(TENANT, "ekos")
    assert after.version == before.version and len(world.publisher.sent) == 1


@pytest.mark.parametrize(
    "state", [None, "", "forged.state-value-that-is-long-enough-to-look-real-000"]
)
def test_unknown_state_is_rejected_with_nothing_stored(world, state):
    world.authorize()
    with pytest.raises(InvalidState):
        world.complete(CallbackQuery(state=state, code="code-1"))
    assert world.repo.rows == {} and world.publisher.sent == []


def test_expired_state_is_rejected(world):
    state, code = world.authorize()
    world.clock.advance(STATE_TTL_SECONDS + 1)
    with pytest.raises(InvalidState, match="expired"):
        world.complete(CallbackQuery(state=state, code=code))
    assert world.repo.rows == {}


@pytest.mark.parametrize(
    "victim",
    [
        ("tenant-b", "bob", "digest-of-bob-browser"),  # finding: another tenant's person
        (TENANT, "carol", "digest-of-carol-browser"),  # another person of the same tenant
        (TENANT, "alice", "digest-of-another-browser"),  # the same person, another browser
        (TENANT, "alice", ""),  # no binding cookie at all
    ],
)
def test_a_state_started_by_someone_else_connects_nothing(world, victim):
    # Given an attacker (alice of tenant-a) who started connecting and kept the link
    state, code = world.authorize(TENANT, "alice", "digest-of-alice-browser-nonce")
    # When someone else's browser follows it
    tenant, who, binding = victim
    with pytest.raises(InvalidState, match="someone else"):
        world.complete(CallbackQuery(state=state, code=code), tenant, who, binding)
    # Then nothing is stored for anyone, no import runs, and the state is spent
    assert world.repo.rows == {} and world.publisher.sent == []
    with pytest.raises(InvalidState):
        world.complete(CallbackQuery(state=state, code=code))


def test_start_needs_a_person_and_a_browser_binding(world):
    for who, binding in [("", "b"), ("alice", "")]:
        with pytest.raises(InvalidState):
            world.service.start_connection(
                TENANT, REDIRECT, started_by=who, browser_binding=binding
            )
    assert world.repo.pending == {}


def test_access_denied_is_shown_and_nothing_is_stored(world):
    state, _ = world.authorize()
    with pytest.raises(AuthorizationDenied) as denied:
        world.complete(CallbackQuery(state=state, error="access_denied"))
    assert denied.value.code == "access_denied" and "declined" in denied.value.message
    assert world.repo.rows == {} and world.publisher.sent == []


def test_token_endpoint_error_is_surfaced_not_swallowed(world):
    state, code = world.authorize()
    world.oauth.fail_exchange = "invalid_grant"
    with pytest.raises(TokenExchangeFailed) as failed:
        world.complete(CallbackQuery(state=state, code=code))
    assert failed.value.code == "invalid_grant" and "invalid_grant" in failed.value.message
    assert world.repo.rows == {}


def test_token_endpoint_outage_is_a_clear_failure(world):
    state, code = world.authorize()
    world.oauth.unavailable = True
    with pytest.raises(TokenExchangeFailed) as failed:
        world.complete(CallbackQuery(state=state, code=code))
    assert failed.value.code == "temporarily_unavailable"


def test_code_bound_to_another_redirect_uri_is_refused(world):
    # Given a code Ekos issued for a tampered redirect URI
    state, code = world.authorize()
    world.oauth.codes[code] = ("https://evil.test/cb", world.oauth.codes[code][1])
    # Then the exchange (with the redirect URI we bound to the state) fails; nothing stored
    with pytest.raises(TokenExchangeFailed):
        world.complete(CallbackQuery(state=state, code=code))
    assert world.repo.rows == {}


def test_callback_without_code_or_error_is_invalid(world):
    state, _ = world.authorize()
    with pytest.raises(InvalidCallback):
        world.complete(CallbackQuery(state=state))


def test_disconnect_revokes_both_tokens_and_forgets_them(world):
    world.connect()
    connection = world.service.disconnect(TENANT)
    assert connection.status == "disconnected"
    assert {t[:3] for t in world.oauth.revoked} == {"rt-", "at-"}
    stored = world.repo.get(TENANT, "ekos")
    assert stored.connection.status == "disconnected" and stored.token_ciphertext is None


def test_disconnect_drops_tokens_even_when_ekos_revocation_fails(world):
    world.connect()
    world.oauth.unavailable = True
    world.service.disconnect(TENANT)
    assert world.repo.get(TENANT, "ekos").token_ciphertext is None


def test_tenant_cannot_disconnect_or_list_another_tenants_connection(world):
    world.connect(TENANT)
    with pytest.raises(ConnectionNotFound):
        world.service.disconnect("tenant-b")
    assert world.service.list_connections("tenant-b") == []
    assert world.repo.get(TENANT, "ekos").connection.status == "active"
