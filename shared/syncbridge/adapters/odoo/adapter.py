"""Odoo as an ERP adapter: inspection points are `product.product` records in the
"Inspection Points" category; incidents are `project.task` (or `helpdesk.ticket`).

Quirks handled here (see ../shared/contracts/odoo-api.md):
- `False` for empty values and `[id, name]` many2one pairs become None / plain values.
- `write_date` has whole-second precision and is stamped when a transaction starts, so an
  incremental read asks for `write_date >= since - overlap` and orders by
  `write_date asc, id asc`; pages are keyset-based on (write_date, id) rather than offset,
  so a record edited mid-read cannot shift a page boundary and be skipped. Rows repeated
  across pages are de-duplicated by (id, write_date).
- Archived points are read with `context.active_test = false` when asked.
- The category id differs per database: looked up by name once per adapter and database.
- An incident carries a `[sync-bridge:<dedupe key>]` marker in its description, so a
  retried create finds the first one instead of opening a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from syncbridge.adapters.http_retry import RetryPolicy
from syncbridge.adapters.odoo import values
from syncbridge.adapters.odoo.transport import Json2Transport, OdooTransport, XmlRpcTransport
from syncbridge.domain.pest.erp import (
    DEFAULT_CATEGORY,
    ErpConfig,
    ErpError,
    ErpHealth,
    ErpNotFound,
    IncidentDraft,
    IncidentRef,
    InspectionPoint,
    PointFields,
)

POINT_MODEL = "product.product"
CATEGORY_MODEL = "product.category"
ORDER = "write_date asc, id asc"


class OdooSettings(BaseModel):
    """Per-tenant Odoo options (`ErpConfig.settings`)."""

    protocol: Literal["json2", "xmlrpc"] = "json2"
    database: str
    login: str | None = None  # XML-RPC only
    category_name: str = DEFAULT_CATEGORY
    incident_model: Literal["project.task", "helpdesk.ticket"] = "project.task"
    incident_container: str | None = "Pest incidents"  # project (tasks) or team (tickets)
    status_field: str | None = "x_device_status"  # custom field mirroring device status
    page_size: int = Field(default=200, ge=1, le=5000)
    overlap_seconds: int = Field(default=30, ge=1)


class OdooAdapter:
    """`ErpAdapter` for Odoo over JSON-2 or XML-RPC."""

    def __init__(
        self, transport: OdooTransport, settings: OdooSettings, *, base_url: str = ""
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._base_url = base_url
        self._category_ids: dict[tuple[str, str], int] = {}
        self._named_ids: dict[tuple[str, str], int] = {}
        self._http: httpx.Client | None = None
        self.erp = f"odoo-{transport.protocol}"

    @classmethod
    def from_config(
        cls,
        config: ErpConfig,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> OdooAdapter:
        settings = OdooSettings.model_validate(config.settings)
        client = http or httpx.Client(timeout=config.timeout_seconds)
        policy = retry or RetryPolicy()
        transport: OdooTransport
        if settings.protocol == "json2":
            transport = Json2Transport(
                config.base_url, settings.database, config.secret("api_key"), client, policy
            )
        else:
            secret = config.credentials.get("api_key") or config.credentials.get("password")
            if secret is None or not settings.login:
                raise ErpError("odoo xmlrpc needs settings.login and an api_key or password")
            transport = XmlRpcTransport(
                config.base_url,
                settings.database,
                settings.login,
                secret.get_secret_value(),
                client,
                policy,
            )
        adapter = cls(transport, settings, base_url=config.base_url)
        adapter._http = client if http is None else None
        return adapter

    @classmethod
    def from_secret(cls, base_url: str, secret: dict[str, str], **settings: Any) -> OdooAdapter:
        """From the Odoo secret's JSON (`{"database", "login", "api_key"}` or `"password"`)
        plus settings such as `protocol="xmlrpc"`."""
        config = ErpConfig(
            kind="odoo",
            base_url=base_url,
            settings={"database": secret.get("database"), "login": secret.get("login"), **settings},
            credentials={k: secret[k] for k in ("api_key", "password") if secret.get(k)},
        )
        return cls.from_config(config)

    # --- inspection points -------------------------------------------------------------

    @property
    def _fields(self) -> list[str]:
        names = ["name", "default_code", "barcode", "active", "categ_id", "description_sale"]
        if self._settings.status_field:
            names.append(self._settings.status_field)
        return [*names, "write_date"]

    def list_inspection_points(
        self, since: datetime | None = None, *, include_archived: bool = False
    ) -> Iterator[InspectionPoint]:
        base: list[Any] = [["categ_id", "=", self._category_id()]]
        if since is not None:
            start = since - timedelta(seconds=self._settings.overlap_seconds)
            base.append(["write_date", ">=", values.format_datetime(start)])
        context = {"active_test": False} if include_archived else {}
        seen: set[tuple[int, str]] = set()
        after: tuple[str, int] | None = None
        while True:
            domain = list(base)
            if after is not None:
                stamp, last_id = after
                domain += ["|", ["write_date", ">", stamp], "&",
                           ["write_date", "=", stamp], ["id", ">", last_id]]  # fmt: skip
            rows = self._transport.call(
                POINT_MODEL,
                "search_read",
                domain=domain,
                fields=self._fields,
                limit=self._settings.page_size,
                order=ORDER,
                context=context,
            )
            for row in rows:
                key = (row["id"], row["write_date"])
                if key not in seen:
                    seen.add(key)
                    yield self._point(row)
            if len(rows) < self._settings.page_size:
                return
            after = (rows[-1]["write_date"], rows[-1]["id"])

    def list_point_ids(self, *, include_archived: bool = True) -> set[str]:
        context = {"active_test": False} if include_archived else {}
        ids = self._transport.call(
            POINT_MODEL, "search", domain=[["categ_id", "=", self._category_id()]], context=context
        )
        return {str(i) for i in ids}

    def get_point(self, point_id: str) -> InspectionPoint:
        rows = self._transport.call(
            POINT_MODEL,
            "search_read",
            domain=[["id", "=", _odoo_id(point_id)], ["categ_id", "=", self._category_id()]],
            fields=self._fields,
            limit=1,
            context={"active_test": False},
        )
        if not rows:
            raise ErpNotFound(f"Odoo has no inspection point {point_id}")
        return self._point(rows[0])

    def write_point_fields(self, point_id: str, fields: PointFields) -> InspectionPoint:
        self.get_point(point_id)  # only inspection points may be written
        vals: dict[str, Any] = {}
        changes = fields.changes()
        if "barcode" in changes:
            vals["barcode"] = changes["barcode"] or False
        if "device_status" in changes:
            if not self._settings.status_field:
                raise ErpError("Odoo settings have no status_field to keep the status in")
            vals[self._settings.status_field] = changes["device_status"] or False
        if vals:
            self._transport.call(POINT_MODEL, "write", ids=[_odoo_id(point_id)], vals=vals)
        return self.get_point(point_id)

    def _point(self, row: dict[str, Any]) -> InspectionPoint:
        status_field = self._settings.status_field
        return InspectionPoint(
            id=str(row["id"]),
            reference=values.text(row.get("default_code")),
            name=values.text(row.get("name")) or "",
            barcode=values.text(row.get("barcode")),
            active=bool(row.get("active", True)),
            category=values.many2one_name(row.get("categ_id")),
            category_id=_str_or_none(values.many2one_id(row.get("categ_id"))),
            device_status=values.text(row.get(status_field)) if status_field else None,
            location_text=values.text(row.get("name")),
            description=values.text(row.get("description_sale")),
            write_date=values.parse_datetime(row["write_date"]),
        )

    # --- categories --------------------------------------------------------------------

    def find_category(self, name: str = DEFAULT_CATEGORY) -> str:
        return str(self._lookup_category(name))

    def _category_id(self) -> int:
        return self._lookup_category(self._settings.category_name)

    def _lookup_category(self, name: str) -> int:
        key = (self._settings.database, name)
        if key not in self._category_ids:
            ids = self._transport.call(
                CATEGORY_MODEL, "search", domain=[["name", "=", name]], order="id asc", limit=1
            )
            if not ids:
                raise ErpNotFound(f"Odoo has no product category named '{name}'")
            self._category_ids[key] = int(ids[0])
        return self._category_ids[key]

    # --- incidents ---------------------------------------------------------------------

    def find_incident(self, dedupe_key: str) -> IncidentRef | None:
        model = self._settings.incident_model
        ids = self._transport.call(
            model,
            "search",
            domain=[["description", "ilike", _marker(dedupe_key)]],
            limit=1,
            context={"active_test": False},
        )
        if not ids:
            return None
        return IncidentRef(id=str(ids[0]), kind=model, dedupe_key=dedupe_key)

    def create_incident(self, draft: IncidentDraft) -> IncidentRef:
        existing = self.find_incident(draft.dedupe_key)
        if existing is not None:
            return existing
        model = self._settings.incident_model
        lines = [draft.description.strip()] if draft.description.strip() else []
        if draft.point_reference or draft.point_id:
            lines.append(
                f"Inspection point: {draft.point_reference or '-'} (product id {draft.point_id or '-'})"
            )
        if draft.occurred_at:
            lines.append(f"Occurred at: {draft.occurred_at.isoformat()}")
        lines.append(_marker(draft.dedupe_key))
        vals: dict[str, Any] = {"name": draft.title, "description": "\n".join(lines)}
        if self._settings.incident_container:
            container_model, field_name = (
                ("project.project", "project_id")
                if model == "project.task"
                else ("helpdesk.team", "team_id")
            )
            vals[field_name] = self._named_id(container_model, self._settings.incident_container)
        if draft.deadline and model == "project.task":
            vals["date_deadline"] = draft.deadline.isoformat()
        if draft.tags:
            tag_model = "project.tags" if model == "project.task" else "helpdesk.tag"
            tag_ids = [self._named_id(tag_model, tag, create=True) for tag in draft.tags]
            vals["tag_ids"] = [[6, 0, tag_ids]]
        created = self._transport.call(model, "create", vals_list=[vals])
        new_id = created[0] if isinstance(created, list) else created
        return IncidentRef(id=str(new_id), kind=model, dedupe_key=draft.dedupe_key)

    def add_incident_note(self, incident_id: str, note: str) -> None:
        """A chatter note (`message_post`), so the incident's history shows every alert."""
        self._transport.call(
            self._settings.incident_model,
            "message_post",
            ids=[_odoo_id(incident_id)],
            body=note,
            message_type="comment",
        )

    def _named_id(self, model: str, name: str, *, create: bool = False) -> int:
        key = (model, name)
        if key not in self._named_ids:
            ids = self._transport.call(model, "search", domain=[["name", "=", name]], limit=1)
            if ids:
                self._named_ids[key] = int(ids[0])
            elif create:
                created = self._transport.call(model, "create", vals_list=[{"name": name}])
                self._named_ids[key] = int(created[0] if isinstance(created, list) else created)
            else:
                raise ErpNotFound(f"Odoo has no {model} named '{name}'")
        return self._named_ids[key]

    # --- health ------------------------------------------------------------------------

    def health(self) -> ErpHealth:
        started = time.perf_counter()
        try:
            self._transport.call(
                CATEGORY_MODEL,
                "search",
                domain=[["name", "=", self._settings.category_name]],
                limit=1,
            )
        except ErpError as exc:
            return ErpHealth(ok=False, erp=self.erp, detail=f"{type(exc).__name__}: {exc}")
        latency = (time.perf_counter() - started) * 1000
        return ErpHealth(ok=True, erp=self.erp, detail="ok", latency_ms=round(latency, 1))

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


def _odoo_id(point_id: str) -> int:
    try:
        return int(point_id)
    except (TypeError, ValueError):
        raise ErpNotFound(f"'{point_id}' is not an Odoo record id") from None


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _marker(dedupe_key: str) -> str:
    return f"[sync-bridge:{dedupe_key}]"
