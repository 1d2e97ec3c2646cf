"""Composition root for Ekos connections: wires the services to DynamoDB, KMS, SQS,
Secrets Manager and the Ekos adapter. The only module here that knows the concrete
adapters; handlers call these factories, tests build the services with fakes instead.

    provider = bootstrap.token_provider(tenant_id)          # for the importer/outbound
    with bootstrap.ekos_client(tenant_id) as ekos:
        for page in ekos.iter_pages("customer-locations"): ...
"""

from __future__ import annotations

from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.adapters.ekos.credentials import load_client_credentials
from syncbridge.adapters.ekos.models import TokenResponse
from syncbridge.adapters.ekos.oauth import EkosOAuthClient
from syncbridge.aws import required_env
from syncbridge.domain.connections.service import ConnectionService
from syncbridge.domain.connections.tokens import StoredTokenProvider
from syncbridge.store.connections import (
    DynamoConnectionRepository,
    KmsTokenCipher,
    SqsImportPublisher,
)

EKOS_CONNECTION_ID = "ekos"


def ekos_oauth_client() -> EkosOAuthClient:
    return EkosOAuthClient(required_env("EKOS_BASE_URL"), load_client_credentials())


class _LazyOAuth:
    """Reads the client secret only when an OAuth call is made (listing needs none)."""

    def __init__(self) -> None:
        self._client: EkosOAuthClient | None = None

    def _get(self) -> EkosOAuthClient:
        if self._client is None:
            self._client = ekos_oauth_client()
        return self._client

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        return self._get().authorization_url(
            redirect_uri=redirect_uri, state=state, code_verifier=code_verifier
        )

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenResponse:
        return self._get().exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )

    def refresh(self, refresh_token: str) -> TokenResponse:
        return self._get().refresh(refresh_token)

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        self._get().revoke(token, token_type_hint)


def connection_service() -> ConnectionService:
    from syncbridge.store.schedules import EventBridgeSchedules

    return ConnectionService(
        DynamoConnectionRepository(),
        KmsTokenCipher(),
        _LazyOAuth(),
        SqsImportPublisher(),
        schedules=EventBridgeSchedules(),
    )


def token_provider(tenant_id: str, connection_id: str = EKOS_CONNECTION_ID) -> StoredTokenProvider:
    return StoredTokenProvider(
        DynamoConnectionRepository(), KmsTokenCipher(), _LazyOAuth(), tenant_id, connection_id
    )


def ekos_client(tenant_id: str, connection_id: str = EKOS_CONNECTION_ID) -> EkosClient:
    """An Ekos API client acting for `tenant_id`, refreshing its tokens as needed."""
    return EkosClient(required_env("EKOS_BASE_URL"), token_provider(tenant_id, connection_id))
