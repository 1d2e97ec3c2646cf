"""A generic REST/JSON ERP as an ERP adapter: the template for SAP, Dynamics or NetSuite.

This module is the whole cost of a new ERP: translate its protocol into the port's models
and typed errors, and add one line to `syncbridge.adapters.erp.REGISTRY`. It passes the
same contract suite as Odoo (tests/integration/adapters/test_erp_contract.py).

The API it speaks (JSON everywhere, `Authorization: Bearer <api_key>`):

    GET   /health                                  -> 200 {"status": "ok"}
    GET   /categories?name=<name>                  -> {"items": [{"id", "name"}]}
    GET   /points?category_id=&updated_since=<ISO-8601>&include_archived=true|false
              &limit=&cursor=<opaque>              -> {"items": [Point], "next_cursor": str|null}
          (ordered by updated_at, id; updated_at has microsecond precision)
    GET   /points/ids?category_id=&include_archived=true -> {"ids": [str]}
    GET   /points/{id}                             -> Point (archived included) | 404
    PATCH /points/{id}  {"barcode"?: str|null, "status"?: str|null} -> Point
          | 404 | 409 {"error": "duplicate_barcode", "message"}
    GET   /incidents?dedupe_key=<key>              -> {"items": [{"id", "dedupe_key"}]}
    POST  /incidents {title, description, point_id, point_reference, dedupe_key,
                      occurred_at, deadline, tags} -> 201 {"id", "dedupe_key"}
          | 409 {"error": "duplicate", "id"} when the dedupe key exists
    POST  /incidents/{id}/notes {"note"}           -> 201 | 404

    Point = {"id", "ref", "name", "barcode", "active", "category": {"id", "name"},
             "status", "location", "notes", "updated_at"}

Errors: 401 bad key, 403 forbidden, 404 missing, 409/422 refused, 429 (Retry-After),
5xx. Nulls are nulls: nothing to translate, unlike Odoo's `False`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import AwareDatetime, BaseModel, Field

from syncbridge.adapters.http import Failure, HttpCore, RetryPolicy, StatusTable
from syncbridge.domain.pest.erp import (
    DEFAULT_CATEGORY,
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    ErpConflict,
    ErpError,
    ErpHealth,
    ErpNotFound,
    ErpUnavailable,
    IncidentDraft,
    IncidentRef,
    InspectionPoint,
    PointFields,
)


def _unavailable(failure: Failure) -> ErpUnavailable:
    return ErpUnavailable(f"REST ERP {failure.what} failed with HTTP {failure.status}")


def _refused(failure: Failure) -> ErpAuthError:
    return ErpAuthError(f"REST ERP refused {failure.what} (HTTP {failure.status})")


def _conflict(failure: Failure) -> ErpConflict:
    return ErpConflict(f"REST ERP refused {failure.what}: {_message(failure.body)}")


RESTERP_ERRORS = StatusTable(
    unreachable=lambda f: ErpUnavailable(f"REST ERP unreachable during {f.what}: {f.error}"),
    statuses={
        401: _refused,
        403: _refused,
        404: lambda f: ErpNotFound(f"REST ERP {f.what}: {_message(f.body) or 'not found'}"),
        409: _conflict,
        422: _conflict,
        429: _unavailable,
        "5xx": _unavailable,
    },
    otherwise=lambda f: ErpError(
        f"REST ERP {f.what} failed with HTTP {f.status}: {_message(f.body)}"
    ),
)


class RestErpSettings(BaseModel):
    category_name: str = DEFAULT_CATEGORY
    page_size: int = Field(default=100, ge=1, le=1000)
    overlap_seconds: float = Field(default=1.0, ge=0)


class _Category(BaseModel):
    id: str
    name: str


class _Point(BaseModel):
    """A point as this ERP sends it."""

    id: str
    ref: str | None = None
    name: str
    barcode: str | None = None
    active: bool = True
    category: _Category | None = None
    status: str | None = None
    location: str | None = None
    notes: str | None = None
    updated_at: AwareDatetime

    def to_port(self) -> InspectionPoint:
        return InspectionPoint(
            id=self.id,
            reference=self.ref or None,
            name=self.name,
            barcode=self.barcode or None,
            active=self.active,
            category=self.category.name if self.category else None,
            category_id=self.category.id if self.category else None,
            device_status=self.status,
            location_text=self.location,
            description=self.notes,
            write_date=self.updated_at,
        )


class _PointPage(BaseModel):
    items: list[_Point]
    next_cursor: str | None = None


class RestErpAdapter:
    """`ErpAdapter` for the generic REST ERP described above."""

    erp = "resterp"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        settings: RestErpSettings | None = None,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._api_key = api_key
        self._settings = settings or RestErpSettings()
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout_seconds)
        self._core = HttpCore(
            self._http,
            RESTERP_ERRORS,
            name="resterp",
            base_url=self._base,
            retry=retry or RetryPolicy(),
        )
        self._categories: dict[str, str] = {}

    @classmethod
    def from_config(
        cls,
        config: ErpConfig,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> RestErpAdapter:
        return cls(
            config.base_url,
            config.secret("api_key"),
            RestErpSettings.model_validate(config.settings),
            http=http,
            retry=retry,
            timeout_seconds=config.timeout_seconds,
        )

    # --- HTTP --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        # A PATCH here sets absolute values (barcode, status): sending it twice is harmless.
        return self._core.request(
            method,
            path,
            params=params,
            json=body,
            accept=ok,
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
            idempotent=method != "POST",
        )

    # --- points ------------------------------------------------------------------------

    def list_inspection_points(
        self, since: datetime | None = None, *, include_archived: bool = False
    ) -> Iterator[InspectionPoint]:
        params: dict[str, Any] = {
            "category_id": self._category_id(),
            "include_archived": str(include_archived).lower(),
            "limit": self._settings.page_size,
        }
        if since is not None:
            start = since - timedelta(seconds=self._settings.overlap_seconds)
            params["updated_since"] = start.isoformat()
        seen: set[tuple[str, datetime]] = set()
        while True:
            page = _PointPage.model_validate(self._request("GET", "/points", params=params).json())
            for item in page.items:
                key = (item.id, item.updated_at)
                if key not in seen:
                    seen.add(key)
                    yield item.to_port()
            if not page.next_cursor:
                return
            params["cursor"] = page.next_cursor

    def list_point_ids(self, *, include_archived: bool = True) -> set[str]:
        params = {
            "category_id": self._category_id(),
            "include_archived": str(include_archived).lower(),
        }
        return {str(i) for i in self._request("GET", "/points/ids", params=params).json()["ids"]}

    def get_point(self, point_id: str) -> InspectionPoint:
        point = _Point.model_validate(self._request("GET", _point_path(point_id)).json())
        if point.category is None or point.category.id != self._category_id():
            raise ErpNotFound(f"REST ERP point {point_id} is not an inspection point")
        return point.to_port()

    def write_point_fields(self, point_id: str, fields: PointFields) -> InspectionPoint:
        self.get_point(point_id)
        changes = fields.changes()
        body: dict[str, Any] = {}
        if "barcode" in changes:
            body["barcode"] = changes["barcode"]
        if "device_status" in changes:
            body["status"] = changes["device_status"]
        if not body:
            return self.get_point(point_id)
        response = self._request("PATCH", _point_path(point_id), body=body)
        return _Point.model_validate(response.json()).to_port()

    # --- categories and incidents ------------------------------------------------------

    def find_category(self, name: str = DEFAULT_CATEGORY) -> str:
        if name not in self._categories:
            items = self._request("GET", "/categories", params={"name": name}).json()["items"]
            match = [_Category.model_validate(i) for i in items if i.get("name") == name]
            if not match:
                raise ErpConfigurationMissing(
                    f"REST ERP has no category named '{name}'", setting="category_name", tried=name
                )
            self._categories[name] = match[0].id
        return self._categories[name]

    def _category_id(self) -> str:
        return self.find_category(self._settings.category_name)

    def find_incident(self, dedupe_key: str) -> IncidentRef | None:
        items = self._request("GET", "/incidents", params={"dedupe_key": dedupe_key}).json()
        for item in items["items"]:
            if item.get("dedupe_key") == dedupe_key:
                return IncidentRef(id=str(item["id"]), kind="incident", dedupe_key=dedupe_key)
        return None

    def create_incident(self, draft: IncidentDraft) -> IncidentRef:
        body = draft.model_dump(mode="json")
        try:
            response = self._request("POST", "/incidents", body=body, ok=(200, 201))
        except ErpConflict:
            existing = self.find_incident(draft.dedupe_key)
            if existing is None:
                raise
            return existing
        return IncidentRef(
            id=str(response.json()["id"]), kind="incident", dedupe_key=draft.dedupe_key
        )

    def add_incident_note(self, incident_id: str, note: str) -> None:
        path = f"/incidents/{quote(str(incident_id), safe='')}/notes"
        self._request("POST", path, body={"note": note}, ok=(200, 201))

    # --- health ------------------------------------------------------------------------

    def health(self) -> ErpHealth:
        started = time.perf_counter()
        try:
            self._request("GET", "/health")
            self._categories.pop(self._settings.category_name, None)
            self._category_id()  # proves the key works, not only that the host answers
        except ErpError as exc:
            return ErpHealth(ok=False, erp=self.erp, detail=f"{type(exc).__name__}: {exc}")
        latency = (time.perf_counter() - started) * 1000
        return ErpHealth(ok=True, erp=self.erp, detail="ok", latency_ms=round(latency, 1))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()


def _point_path(point_id: str) -> str:
    return f"/points/{quote(str(point_id), safe='')}"


def _message(body: object) -> str:
    """The ERP's own words from an error body, if it sent any."""
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "")[:300]
    return ""
