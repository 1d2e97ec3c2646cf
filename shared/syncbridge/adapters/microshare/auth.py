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

from syncbridge.adapters.http_retry import RetryPolicy, send_with_retry
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


class TokenProvider:
    """A bearer token for the Microshare API, shared by threads, renewed when due."""

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
        self._url = auth_url.rstrip("/") + "/oauth2/token"
        self._credentials = credentials
        self._http = http
        self._retry = retry
        self._clock = clock
        self._renew_margin = renew_margin
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._expires_at = 0.0
        self.issued = 0  # how many tokens were fetched (observability and tests)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token.get_secret_value()

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (after a 401); with `token`, only if it is still the current one."""
        with self._lock:
            if token is None or (self._token and self._token.get_secret_value() == token):
                self._token = None

    def _fetch(self) -> None:
        params = {
            "username": self._credentials.username,
            "password": self._credentials.password.get_secret_value(),
            "client_id": self._credentials.client_id,
            "grant_type": "password",
            "scope": "ALL:ALL",
        }
        try:
            response = send_with_retry(
                self._http,
                lambda: self._http.build_request("POST", self._url, params=params),
                self._retry,
                label="microshare token",
            )
        except httpx.TransportError as exc:
            raise MicroshareUnavailable(
                f"Microshare auth unreachable: {type(exc).__name__}"
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise MicroshareUnavailable(f"Microshare auth failed with HTTP {status}")
        if status != 200:
            raise MicroshareAuthError(f"Microshare refused the credentials (HTTP {status})")
        try:
            body = _TokenResponse.model_validate(response.json())
        except ValueError:
            raise MicroshareAuthError("Microshare auth returned no usable token") from None
        lifetime = max(body.expires_in, 1.0)
        margin = min(self._renew_margin, lifetime / 10)
        self._token = body.access_token
        self._expires_at = self._clock() + lifetime - margin
        self.issued += 1
