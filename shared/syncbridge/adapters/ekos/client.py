"""The Ekos resource API: paginated reads and unit-scan writes, resilient to its failures.

The client knows nothing about where tokens live: it asks a `TokenProvider` for an access
token and tells it when Ekos answered 401 (expired mid-read); the provider refreshes and
the *same* request is retried, so a paginated read never loses its cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from syncbridge.adapters.ekos.errors import (
    EkosRequestRejected,
    EkosUnauthorized,
    EkosUnavailable,
    IdempotencyConflict,
    ScanRejected,
)
from syncbridge.adapters.ekos.models import RESOURCE_MODELS, Page, ScanReceipt, UnitScan
from syncbridge.adapters.ekos.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from syncbridge.observability import logger

MAX_PAGE_SIZE = 200


class TokenProvider(Protocol):
    """Where the Ekos client gets its bearer token."""

    def get_access_token(self) -> str:
        """A currently valid access token (refreshing first when it is about to expire)."""
        ...

    def on_unauthorized(self) -> None:
        """Ekos refused the last token: refresh it (or pick up another worker's refresh)."""
        ...


class EkosClient:
    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.http = http or httpx.Client(timeout=timeout)
        self.retry = retry or RetryPolicy()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EkosClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- reads
    def get_page(
        self,
        resource: str,
        *,
        cursor: str | None = None,
        updated_since: datetime | str | None = None,
        page_size: int = 100,
    ) -> Page:
        """One page of `resource`; pass the previous page's `next_cursor` to continue."""
        model = RESOURCE_MODELS.get(resource)
        if model is None:
            raise ValueError(f"unknown Ekos resource {resource!r}")
        params: dict[str, Any] = {"page_size": max(1, min(page_size, MAX_PAGE_SIZE))}
        if cursor:
            params["cursor"] = cursor
        if updated_since is not None:
            params["updated_since"] = _rfc3339(updated_since)
        body = self._request("GET", f"/api/v1/{resource}", params=params).json()
        records = [model.model_validate(row) for row in body.get("data") or []]
        return Page(resource=resource, records=records, next_cursor=body.get("next_cursor"))

    def iter_pages(
        self,
        resource: str,
        updated_since: datetime | str | None = None,
        *,
        cursor: str | None = None,
        page_size: int = 100,
    ) -> Iterator[Page]:
        """Every page of `resource`, following cursors; `cursor` resumes a stopped read."""
        while True:
            page = self.get_page(
                resource, cursor=cursor, updated_since=updated_since, page_size=page_size
            )
            yield page
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    # ---------------------------------------------------------------- writes
    def post_unit_scan(self, scan: UnitScan, idempotency_key: str) -> ScanReceipt:
        """Send a scan once: 201 -> new receipt, 200 -> replayed receipt, 409 -> conflict,
        422 -> `ScanRejected` with Ekos's field errors."""
        response = self._request(
            "POST",
            "/api/v1/unit-scans",
            json=scan.to_body(),
            headers={"Idempotency-Key": idempotency_key},
            accept=(200, 201, 409, 422),
        )
        if response.status_code == 409:
            raise IdempotencyConflict(_safe_json(response))
        if response.status_code == 422:
            raise ScanRejected(list((_safe_json(response) or {}).get("errors") or []))
        receipt = ScanReceipt.model_validate(response.json())
        receipt.replayed = response.status_code == 200
        return receipt

    # ---------------------------------------------------------------- transport
    def _request(
        self,
        method: str,
        path: str,
        *,
        accept: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one logical request: retries 429/5xx/network errors within the policy and
        re-sends once after a token refresh on 401."""
        rejected: str | None = None
        refreshes = 0
        attempt = 0
        while True:
            attempt += 1
            token = self.tokens.get_access_token()
            send_headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
            try:
                response = self.http.request(
                    method, self.base_url + path, headers=send_headers, **kwargs
                )
            except httpx.TransportError as exc:
                if attempt >= self.retry.max_attempts:
                    raise EkosUnavailable(f"Ekos unreachable: {type(exc).__name__}") from exc
                wait = self.retry.delay(attempt, None)
                logger.warning(
                    "ekos network error, retrying",
                    extra={"path": path, "attempt": attempt, "wait_s": round(wait, 3)},
                )
                self.retry.sleep(wait)
                continue
            status = response.status_code
            if status in accept:
                return response
            if status == 401:
                if token == rejected or refreshes >= 2:
                    raise EkosUnauthorized("Ekos refused the access token even after a refresh")
                logger.info("ekos access token rejected, refreshing", extra={"path": path})
                rejected, refreshes = token, refreshes + 1
                self.tokens.on_unauthorized()
                attempt -= 1  # a refresh is not a failed attempt
                continue
            if status in RETRYABLE_STATUS:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if attempt >= self.retry.max_attempts:
                    raise EkosUnavailable(
                        f"Ekos answered {status} after {attempt} attempts",
                        status=status,
                        retry_after=retry_after,
                    )
                wait = self.retry.delay(attempt, retry_after)
                logger.warning(
                    "ekos transient failure, retrying",
                    extra={
                        "path": path,
                        "status": status,
                        "attempt": attempt,
                        "wait_s": round(wait, 3),
                    },
                )
                self.retry.sleep(wait)
                continue
            raise EkosRequestRejected(status, _safe_json(response))


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _rfc3339(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
