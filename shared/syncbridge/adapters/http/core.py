"""One way every adapter talks HTTP: bearer tokens, retries, and typed errors.

`HttpCore.request` sends one logical request:
1. the bearer token comes from a `BearerTokens` provider (asked per attempt, so a long
   backoff never sends an expired token);
2. transient failures are retried per `RetryPolicy` (Retry-After honoured); a request is
   retried after it may have reached the server only when it is idempotent: GET, HEAD,
   OPTIONS, PUT, DELETE, or any request carrying an `Idempotency-Key`;
3. a 401 renews the token once and sends the same request again (a paginated read keeps
   its cursor); a second 401 is final;
4. an answer outside `accept` becomes the adapter's typed error through its `StatusTable`.

Errors never chain the httpx exception and logs never carry a URL: URLs and requests may
hold credentials (Microshare's token endpoint takes the password in its query string).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from syncbridge.adapters.http.retry import RetryPolicy, hinted_wait, send_with_retry
from syncbridge.observability import logger

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
SUCCESS = range(200, 300)


class BearerTokens(Protocol):
    """Where an adapter gets its bearer token."""

    def get_access_token(self) -> str:
        """A currently valid access token (renewed first when it is about to expire)."""
        ...

    def on_unauthorized(self, rejected: str) -> None:
        """The server refused `rejected`: renew it, unless another caller already did."""
        ...


@dataclass(frozen=True)
class Failure:
    """A request's final outcome that the caller did not accept."""

    what: str  # "GET /api/v1/products": what the caller asked, never a URL with a query
    attempts: int
    status: int | None = None  # None: no answer at all
    body: Any = None  # the answer's JSON, or None
    retry_after: float | None = None
    error: str | None = None  # the transport exception's class name when there was no answer


ErrorFactory = Callable[[Failure], Exception]


@dataclass(frozen=True)
class StatusTable:
    """An adapter's status → error table.

    `statuses` is keyed by exact status (401) or by class ("5xx"); an exact key wins.
    `unreachable` is for no answer at all, `otherwise` for any status not in the table."""

    unreachable: ErrorFactory
    statuses: Mapping[int | str, ErrorFactory]
    otherwise: ErrorFactory

    def error(self, failure: Failure) -> Exception:
        if failure.status is None:
            return self.unreachable(failure)
        factory = self.statuses.get(failure.status) or self.statuses.get(
            f"{failure.status // 100}xx"
        )
        return (factory or self.otherwise)(failure)

    def with_statuses(self, statuses: Mapping[int | str, ErrorFactory]) -> StatusTable:
        """This table with some entries added or replaced (for one kind of call)."""
        return StatusTable(self.unreachable, {**self.statuses, **statuses}, self.otherwise)


class HttpCore:
    """An adapter's HTTP: one base URL, one token provider (or none), one error table."""

    def __init__(
        self,
        http: httpx.Client,
        errors: StatusTable,
        *,
        name: str,
        base_url: str = "",
        tokens: BearerTokens | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = http
        self.errors = errors
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.retry = retry or RetryPolicy()

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str | None = None,
        accept: Collection[int] = SUCCESS,
        errors: StatusTable | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
        should_retry: Callable[[httpx.Response], bool] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send `method path` (plus httpx's params/json/content); return an accepted answer
        or raise the error of `errors` (default: the adapter's table). `idempotent`
        defaults from the method and headers."""
        what = what or f"{method} {path.split('?')[0]}"
        table = errors or self.errors
        policy = retry or self.retry
        headers = dict(headers or {})
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS or any(
                name.lower() == "idempotency-key" for name in headers
            )
        used: list[str] = []

        def build() -> httpx.Request:
            send = headers
            if self.tokens is not None:
                used.append(self.tokens.get_access_token())
                send = {**headers, "Authorization": f"Bearer {used[-1]}"}
            return self.http.build_request(method, self.base_url + path, headers=send, **kwargs)

        renewed = False
        while True:
            try:
                response, attempts = send_with_retry(
                    self.http,
                    build,
                    policy,
                    idempotent=idempotent,
                    should_retry=should_retry,
                    label=f"{self.name} {what}",
                )
            except httpx.TransportError as exc:
                failure = Failure(what, policy.attempts, error=type(exc).__name__)
                raise table.error(failure) from None
            status = response.status_code
            if status in accept:
                return response
            if status == 401 and self.tokens is not None and not renewed:
                logger.info("access token refused, renewing", extra={"call": f"{self.name} {what}"})
                renewed = True
                self.tokens.on_unauthorized(used[-1])
                continue
            failure = Failure(
                what, attempts, status, _json(response), hinted_wait(response), error=None
            )
            raise table.error(failure)

    def close(self) -> None:
        self.http.close()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
