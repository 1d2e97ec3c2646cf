"""Our OAuth 2.0 client at Ekos: authorize URL (PKCE S256), code exchange, refresh, revoke.

Built on authlib's httpx `OAuth2Client` (client authentication with HTTP Basic, RFC 7636
challenge). Errors from the token endpoint become `OAuthProtocolError` carrying only the
OAuth error code and description (never a token or the client secret), so the person can
be shown what went wrong.
"""

from __future__ import annotations

import warnings
from typing import Any

import authlib.deprecate  # noqa: F401  (installs its "always" filter before we override it)
import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from syncbridge.adapters.ekos.errors import EkosUnavailable, OAuthProtocolError
from syncbridge.adapters.ekos.models import TokenResponse

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib 1.9 warns about its httpx compatibility shim
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

DEFAULT_SCOPE = "read write"


class ClientCredentials(BaseModel):
    """Our client id and secret at Ekos (from Secrets Manager)."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr


class EkosOAuthClient:
    def __init__(
        self,
        base_url: str,
        credentials: ClientCredentials,
        *,
        scope: str = DEFAULT_SCOPE,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.scope = scope
        self.timeout = timeout
        self.transport = transport

    @property
    def authorize_endpoint(self) -> str:
        return f"{self.base_url}/oauth/authorize"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def revocation_endpoint(self) -> str:
        return f"{self.base_url}/oauth/revoke"

    def _session(self, redirect_uri: str | None = None) -> OAuth2Client:
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.transport is not None:
            kwargs["transport"] = self.transport
        return OAuth2Client(
            client_id=self.credentials.client_id,
            client_secret=self.credentials.client_secret.get_secret_value(),
            token_endpoint_auth_method="client_secret_basic",
            revocation_endpoint_auth_method="client_secret_basic",
            code_challenge_method="S256",
            scope=self.scope,
            redirect_uri=redirect_uri,
            **kwargs,
        )

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        """Where to send the person: Ekos's consent page with our S256 challenge."""
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(
                self.authorize_endpoint, state=state, code_verifier=code_verifier
            )
        return url

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenResponse:
        with self._session(redirect_uri) as session:
            return self._call(
                lambda: session.fetch_token(
                    self.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=redirect_uri,
                    code_verifier=code_verifier,
                )
            )

    def refresh(self, refresh_token: str) -> TokenResponse:
        """Rotate: the old refresh token dies; the answer carries the new one."""
        with self._session() as session:
            # The scope is left out: a refresh keeps the scope that was granted.
            session.scope = None
            return self._call(
                lambda: session.refresh_token(self.token_endpoint, refresh_token=refresh_token)
            )

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        """RFC 7009: Ekos answers 200 even for unknown tokens; other answers are errors."""
        with self._session() as session:
            try:
                response = session.revoke_token(
                    self.revocation_endpoint, token=token, token_type_hint=token_type_hint
                )
            except httpx.TransportError as exc:
                raise EkosUnavailable(f"Ekos unreachable: {type(exc).__name__}") from exc
            if response.status_code >= 500:
                raise EkosUnavailable(
                    f"Ekos revocation answered {response.status_code}", status=response.status_code
                )
            if response.status_code != 200:
                body = _json(response)
                raise OAuthProtocolError(
                    str(body.get("error") or "revocation_failed"),
                    body.get("error_description"),
                    response.status_code,
                )

    @staticmethod
    def _call(fn) -> TokenResponse:
        try:
            token = fn()
        except OAuthError as exc:
            raise OAuthProtocolError(str(exc.error), exc.description) from None
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            body = _json(exc.response)
            if status < 500 and body.get("error"):
                raise OAuthProtocolError(
                    str(body["error"]), body.get("error_description"), status
                ) from None
            raise EkosUnavailable(f"Ekos token endpoint answered {status}", status=status) from None
        except httpx.TransportError as exc:
            raise EkosUnavailable(f"Ekos unreachable: {type(exc).__name__}") from None
        except ValueError as exc:  # not JSON
            raise OAuthProtocolError("invalid_response", str(exc)) from None
        return TokenResponse.model_validate(dict(token))


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
