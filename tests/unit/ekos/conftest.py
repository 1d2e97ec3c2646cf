from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest

from syncbridge.domain.connections.service import CallbackQuery, ConnectionService
from syncbridge.domain.connections.tokens import StoredTokenProvider
from tests.unit.ekos.fakes import Clock, FakeCipher, FakeOAuth, FakePublisher, FakeRepo

TENANT = "tenant-a"
REDIRECT = "https://api.test/dev/oauth/ekos/callback"
PERSON, BINDING = "alice", "digest-of-alice-browser-nonce"


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

    def authorize(
        self, tenant: str = TENANT, who: str = PERSON, binding: str = BINDING
    ) -> tuple[str, str]:
        """`who` starts a connection in the browser holding `binding`; return (state, code)
        as Ekos would redirect them."""
        url = self.service.start_connection(
            tenant, REDIRECT, started_by=who, browser_binding=binding
        )
        query = parse_qs(urlparse(url).query)
        return query["state"][0], query["x"][0]

    def complete(
        self,
        query: CallbackQuery,
        tenant: str = TENANT,
        who: str = PERSON,
        binding: str = BINDING,
    ):
        """The callback as `who` of `tenant` in the browser holding `binding` calls it."""
        return self.service.complete_connection(
            query, principal_tenant=tenant, principal_subject=who, browser_binding=binding
        )

    def connect(self, tenant: str = TENANT):
        state, code = self.authorize(tenant)
        return self.complete(CallbackQuery(state=state, code=code), tenant)


@pytest.fixture
def world() -> World:
    return World(FakeRepo(), FakeCipher(), FakeOAuth(), FakePublisher(), Clock())
