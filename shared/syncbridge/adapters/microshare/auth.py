"""Microshare tokens: password grant, cached, renewed before they expire.

`POST {auth}/oauth2/token?username=..&password=..&client_id=..&grant_type=password&scope=ALL:ALL`
returns `{"access_token", "expires_in"}` (48 h). The credentials travel in the query string,
so nothing here logs a URL, exceptions are raised without their httpx cause, and a filter
on the `httpx` logger masks `password=` should anyone turn its INFO logging on.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

import httpx
from pydantic import BaseModel, SecretStr

from syncbridge.adapters.http import Failure, HttpCore, RetryPolicy, StatusTable
from syncbridge.adapters.microshare.errors import MicroshareAuthError, MicroshareUnavailable

RENEW_MARGIN_SECONDS = 300.0
_SECRET_PARAM = re.compile(r"(password|client_secret|access_token)=[^&\s\"']*", re.IGNORECASE)


class MicroshareCredentials(BaseModel):
    username: str
    password: SecretStr
    client_id: str


class _TokenResponse(BaseModel):
    access_token: SecretStr
    expires_in: float = 172800


class RedactQuerySecrets(logging.Filter):
    """Masks `password=...` (and similar) in log records of HTTP libraries."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET_PARAM.search(message):
            record.msg = _SECRET_PARAM.sub(r"\1=***", message)
            record.args = ()
        return True


_REDACTOR = RedactQuerySecrets()


def install_log_redaction() -> None:
    for name in ("httpx", "httpcore"):
        log = logging.getLogger(name)
        if _REDACTOR not in log.filters:
            log.addFilter(_REDACTOR)


def _auth_unavailable(failure: Failure) -> MicroshareUnavailable:
    return MicroshareUnavailable(f"Microshare auth failed with HTTP {failure.status}")


AUTH_ERRORS = StatusTable(
    unreachable=lambda f: MicroshareUnavailable(f"Microshare auth unreachable: {f.error}"),
    statuses={429: _auth_unavailable, "5xx": _auth_unavailable},
    otherwise=lambda f: MicroshareAuthError(
        f"Microshare refused the credentials (HTTP {f.status})"
    ),
)


class TokenProvider:
    """`BearerTokens` for the Microshare API, shared by threads, renewed when due."""

    def __init__(
        self,
        auth_url: str,
        credentials: MicroshareCredentials,
        http: httpx.Client,
        retry: RetryPolicy,
        *,
        clock: Callable[[], float] = time.time,
        renew_margin: float = RENEW_MARGIN_SECONDS,
    ) -> None:
        install_log_redaction()
        self._core = HttpCore(http, AUTH_ERRORS, name="microshare", base_url=auth_url, retry=retry)
        self._credentials = credentials
        self._clock = clock
        self._renew_margin = renew_margin
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._expires_at = 0.0
        self.issued = 0  # how many tokens were fetched (observability and tests)

    def get_access_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token.get_secret_value()

    def on_unauthorized(self, rejected: str) -> None:
        """Forget the token Microshare refused (expired or revoked early), unless another
        thread already replaced it."""
        with self._lock:
            if self._token and self._token.get_secret_value() == rejected:
                self._token = None

    def _fetch(self) -> None:
        params = {
            "username": self._credentials.username,
            "password": self._credentials.password.get_secret_value(),
            "client_id": self._credentials.client_id,
            "grant_type": "password",
            "scope": "ALL:ALL",
        }
        # A password grant is safe to send twice: it only issues a token.
        response = self._core.request(
            "POST", "/oauth2/token", what="token", params=params, accept=(200,), idempotent=True
        )
        try:
            body = _TokenResponse.model_validate(response.json())
        except ValueError:
            raise MicroshareAuthError("Microshare auth returned no usable token") from None
        lifetime = max(body.expires_in, 1.0)
        margin = min(self._renew_margin, lifetime / 10)
        self._token = body.access_token
        self._expires_at = self._clock() + lifetime - margin
        self.issued += 1
