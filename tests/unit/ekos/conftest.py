from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest

from syncbridge.domain.connections.service import CallbackQuery, ConnectionService
from syncbridge.domain.connections.tokens import StoredTokenProvider
from tests.unit.ekos.fakes import Clock, FakeCipher, FakeOAuth, FakePublisher, FakeRepo

TENANT = "tenant-a"
REDIRECT = "https://api.test/dev/oauth/ekos/callback"


@dataclass
class World:
    repo: FakeRepo
    cipher: FakeCipher
    oauth: FakeOAuth
    publisher: FakePublisher
    clock: Clock

    @property
    def service(self) -> ConnectionService:
        return ConnectionService(
            self.repo, self.cipher, self.oauth, self.publisher, clock=self.clock
        )

    def provider(self, tenant: str = TENANT, **kw) -> StoredTokenProvider:
        kw.setdefault("sleep", self.clock.advance)
        return StoredTokenProvider(
            self.repo, self.cipher, self.oauth, tenant, "ekos", clock=self.clock, **kw
        )

    def authorize(self, tenant: str = TENANT) -> tuple[str, str]:
        """Start a connection; return (state, code) as Ekos would redirect them."""
        url = self.service.start_connection(tenant, REDIRECT)
        query = parse_qs(urlparse(url).query)
        return query["state"][0], query["x"][0]

    def connect(self, tenant: str = TENANT):
        state, code = self.authorize(tenant)
        return self.service.complete_connection(CallbackQuery(state=state, code=code))


@pytest.fixture
def world() -> World:
    return World(FakeRepo(), FakeCipher(), FakeOAuth(), FakePublisher(), Clock())
