"""The Ekos resource API: paginated reads and unit-scan writes, resilient to its failures.

The client knows nothing about where tokens live: it asks a `BearerTokens` provider for an
access token; retries, the renew-after-401 and the status → error table are the shared
HTTP core's (`syncbridge.adapters.http`), so a paginated read keeps its cursor across a
refresh and a scan, carrying its Idempotency-Key, is safe to resend.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from syncbridge.adapters.ekos.errors import (
    EkosRequestRejected,
    EkosUnauthorized,
    EkosUnavailable,
    IdempotencyConflict,
    ScanRejected,
)
from syncbridge.adapters.ekos.models import RESOURCE_MODELS, Page, ScanReceipt, UnitScan
from syncbridge.adapters.http import BearerTokens, Failure, HttpCore, RetryPolicy, StatusTable

MAX_PAGE_SIZE = 200


def _unavailable(failure: Failure) -> EkosUnavailable:
    return EkosUnavailable(
        f"Ekos answered {failure.status} after {failure.attempts} attempts",
        status=failure.status,
        retry_after=failure.retry_after,
    )


EKOS_ERRORS = StatusTable(
    unreachable=lambda f: EkosUnavailable(f"Ekos unreachable: {f.error}"),
    statuses={
        401: lambda f: EkosUnauthorized("Ekos refused the access token even after a refresh"),
        429: _unavailable,
        "5xx": _unavailable,
    },
    otherwise=lambda f: EkosRequestRejected(f.status or 0, f.body),
)
# A scan's refusals carry meaning of their own: the key was used with another body (409),
# or Ekos's field errors (422).
SCAN_ERRORS = EKOS_ERRORS.with_statuses(
    {
        409: lambda f: IdempotencyConflict(f.body),
        422: lambda f: ScanRejected(list((f.body or {}).get("errors") or [])),
    }
)


class EkosClient:
    def __init__(
        self,
        base_url: str,
        tokens: BearerTokens,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.http = http or httpx.Client(timeout=timeout)
        self.retry = retry or RetryPolicy(attempts=6, base_delay=0.5, max_delay=20.0)
        self._core = HttpCore(
            self.http,
            EKOS_ERRORS,
            name="ekos",
            base_url=self.base_url,
            tokens=tokens,
            retry=self.retry,
        )

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
        body = self._core.request("GET", f"/api/v1/{resource}", params=params).json()
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
        response = self._core.request(
            "POST",
            "/api/v1/unit-scans",
            json=scan.to_body(),
            headers={"Idempotency-Key": idempotency_key},
            accept=(200, 201),
            errors=SCAN_ERRORS,
        )
        receipt = ScanReceipt.model_validate(response.json())
        receipt.replayed = response.status_code == 200
        return receipt


def _rfc3339(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
