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

from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.odoo import values
from syncbridge.adapters.odoo.service_desk import OdooServiceDesk
from syncbridge.adapters.odoo.transport import Json2Transport, OdooTransport, XmlRpcTransport
from syncbridge.domain.pest.erp import (
    DEFAULT_CATEGORY,
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
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
STATUS_FIELD = "x_device_status"
FIELDS_TTL_SECONDS = 300
STATUS_LABEL = "Device status (Sync Bridge)"
POINT_FIELDS = ("name", "default_code", "barcode", "active", "categ_id", "description_sale")
AUTO_CONTAINER_WORD = "pest"
CONTAINERS = {"project.task": ("project.project", "project_id"),
              "helpdesk.ticket": ("helpdesk.team", "team_id")}  # fmt: skip
TAG_MODELS = {"project.task": "project.tags", "helpdesk.ticket": "helpdesk.tag"}


class OdooSettings(BaseModel):
    """Per-tenant Odoo options (`ErpConfig.settings`). Every default works on a stock Odoo."""

    protocol: Literal["json2", "xmlrpc"] = "json2"
    database: str = ""  # empty: the server's only database (JSON-2 without the header)
    login: str | None = None  # XML-RPC only
    category_name: str = DEFAULT_CATEGORY
    incident_model: Literal["project.task", "helpdesk.ticket"] = "project.task"
    incident_container: str | None = Field(
        default=None,
        description="Project (tasks) or team (tickets) that receives incidents, by name. "
        "Unset: the one whose name contains 'pest' (preferring one that also says "
        "'incident'); none or several such is a configuration error naming this setting.",
    )
    status_field: str | None = Field(
        default=STATUS_FIELD,
        description="Optional product field mirroring the device status. Used when Odoo has "
        "it (detected with fields_get); a stock Odoo does not, and nothing needs it. "
        "Explicitly set but absent: status writes report a configuration error.",
    )
    page_size: int = Field(default=200, ge=1, le=5000)
    overlap_seconds: int = Field(default=30, ge=1)

    @property
    def status_field_required(self) -> bool:
        """True when an admin named the field (rather than leaving the default)."""
        return "status_field" in self.model_fields_set and bool(self.status_field)


class OptionalField(BaseModel):
    """An Odoo field Sync Bridge can use when an admin has created it, never requires."""

    key: str  # what it is for, e.g. "device_status"
    model: str
    name: str  # e.g. x_device_status
    label: str
    present: bool
    required_by_settings: bool = False


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
        self._model_fields: dict[str, tuple[float, frozenset[str]]] = {}
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
            if secret is None:
                raise ErpAuthError("odoo xmlrpc needs an api_key or a password")
            if not settings.login or not settings.database:
                missing = "login" if not settings.login else "database"
                raise ErpConfigurationMissing(
                    f"odoo xmlrpc needs settings.{missing}", setting=missing, tried=""
                )
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
            settings={
                "database": secret.get("database") or "",
                "login": secret.get("login"),
                **settings,
            },
            credentials={k: secret[k] for k in ("api_key", "password") if secret.get(k)},
        )
        return cls.from_config(config)

    def service_desk(self, **settings: str) -> OdooServiceDesk:
        """Visits, work orders, revenue and usage lines over this adapter's connection."""
        return OdooServiceDesk(self._transport, **settings)

    # --- which fields this Odoo has -----------------------------------------------------

    def _fields_of(self, model: str) -> frozenset[str]:
        """Field names of `model` (`fields_get`), asked again every `FIELDS_TTL_SECONDS`
        so a field an admin adds in Odoo is picked up by every warm adapter."""
        cached = self._model_fields.get(model)
        if cached is None or time.monotonic() - cached[0] >= FIELDS_TTL_SECONDS:
            fields = self._transport.call(model, "fields_get", attributes=["type"])
            cached = self._model_fields[model] = (time.monotonic(), frozenset(fields))
        return cached[1]

    def _status_field(self) -> str | None:
        """The device-status field when this Odoo has it, else None."""
        name = self._settings.status_field
        return name if name and name in self._fields_of(POINT_MODEL) else None

    def optional_fields(self) -> list[OptionalField]:
        """The fields Sync Bridge would use if present, and whether they are."""
        name = self._settings.status_field or STATUS_FIELD
        return [
            OptionalField(
                key="device_status",
                model=POINT_MODEL,
                name=name,
                label=STATUS_LABEL,
                present=name in self._fields_of(POINT_MODEL),
                required_by_settings=self._settings.status_field_required,
            )
        ]

    def create_optional_field(self, key: str) -> OptionalField:
        """Create an optional field as a custom (`x_`) field; needs an Odoo administrator.

        Idempotent: a field that exists is returned as it is."""
        wanted = next((f for f in self.optional_fields() if f.key == key), None)
        if wanted is None:
            raise ErpConfigurationMissing(
                f"no optional Odoo field '{key}'", setting="optional_field", tried=key
            )
        if wanted.present:
            return wanted
        if not wanted.name.startswith("x_"):
            raise ErpConfigurationMissing(
                f"Odoo only creates custom fields whose name starts with 'x_': {wanted.name}",
                setting="status_field",
                tried=wanted.name,
            )
        model_ids = self._transport.call(
            "ir.model", "search", domain=[["model", "=", wanted.model]], limit=1
        )
        if not model_ids:
            raise ErpConfigurationMissing(
                f"Odoo has no model '{wanted.model}'", setting="model", tried=wanted.model
            )
        self._transport.call(
            "ir.model.fields",
            "create",
            vals_list=[
                {
                    "name": wanted.name,
                    "model_id": int(model_ids[0]),
                    "field_description": wanted.label,
                    "ttype": "char",
                    "store": True,
                }
            ],
        )
        self._model_fields.pop(wanted.model, None)
        return wanted.model_copy(update={"present": True})

    # --- inspection points -------------------------------------------------------------

    def _fields(self) -> list[str]:
        status_field = self._status_field()
        return [*POINT_FIELDS, *([status_field] if status_field else []), "write_date"]

    def list_inspection_points(
        self, since: datetime | None = None, *, include_archived: bool = False
    ) -> Iterator[InspectionPoint]:
        base: list[Any] = [["categ_id", "=", self._category_id()]]
        if since is not None:
            start = since - timedelta(seconds=self._settings.overlap_seconds)
            base.append(["write_date", ">=", values.format_datetime(start)])
        context = {"active_test": False} if include_archived else {}
        fields = self._fields()
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
                fields=fields,
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
            fields=self._fields(),
            limit=1,
            context={"active_test": False},
        )
        if not rows:
            raise ErpNotFound(f"Odoo has no inspection point {point_id}")
        return self._point(rows[0])

    def write_point_fields(self, point_id: str, fields: PointFields) -> InspectionPoint:
        """Write the set fields. A device status is written only where Odoo has a field
        for it; a stock Odoo keeps no status (Sync Bridge and Microshare do)."""
        self.get_point(point_id)  # only inspection points may be written
        vals: dict[str, Any] = {}
        changes = fields.changes()
        if "barcode" in changes:
            vals["barcode"] = changes["barcode"] or False
        if "device_status" in changes:
            status_field = self._status_field()
            if status_field:
                vals[status_field] = changes["device_status"] or False
            elif self._settings.status_field_required:
                name = self._settings.status_field or ""
                raise ErpConfigurationMissing(
                    f"Odoo has no field '{name}' on {POINT_MODEL}; create it (Settings > "
                    "Technical > Fields, or the one-click setup) or clear status_field",
                    setting="status_field",
                    tried=name,
                )
        if vals:
            self._transport.call(POINT_MODEL, "write", ids=[_odoo_id(point_id)], vals=vals)
        return self.get_point(point_id)

    def _point(self, row: dict[str, Any]) -> InspectionPoint:
        status_field = self._status_field()
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
                raise ErpConfigurationMissing(
                    f"Odoo has no product category named '{name}'",
                    setting="category_name",
                    tried=name,
                )
            self._category_ids[key] = int(ids[0])
        return self._category_ids[key]

    # --- incidents ---------------------------------------------------------------------

    def _incident_call(self, method: str, **kwargs: Any) -> Any:
        """A call on the incident model; an unknown model names the setting to change."""
        model = self._settings.incident_model
        try:
            return self._transport.call(model, method, **kwargs)
        except ErpConfigurationMissing as exc:
            if exc.setting != "model":
                raise
            raise ErpConfigurationMissing(
                f"{exc} (incident_model)", setting="incident_model", tried=model
            ) from None

    def find_incident(self, dedupe_key: str) -> IncidentRef | None:
        ids = self._incident_call(
            "search",
            domain=[["description", "ilike", _marker(dedupe_key)]],
            limit=1,
            context={"active_test": False},
        )
        if not ids:
            return None
        return IncidentRef(
            id=str(ids[0]), kind=self._settings.incident_model, dedupe_key=dedupe_key
        )

    def create_incident(self, draft: IncidentDraft) -> IncidentRef:
        existing = self.find_incident(draft.dedupe_key)
        if existing is not None:
            return existing
        model = self._settings.incident_model
        container_model, container_field = CONTAINERS[model]
        vals: dict[str, Any] = {
            "name": draft.title,
            "description": values.html_paragraphs(_incident_lines(draft)),
            container_field: self._incident_container(container_model),
        }
        if draft.deadline and model == "project.task":
            vals["date_deadline"] = draft.deadline.isoformat()
        if draft.tags:
            tag_ids = [self._named_id(TAG_MODELS[model], tag, create=True) for tag in draft.tags]
            vals["tag_ids"] = [[6, 0, tag_ids]]
        created = self._incident_call("create", vals_list=[vals])
        new_id = created[0] if isinstance(created, list) else created
        return IncidentRef(id=str(new_id), kind=model, dedupe_key=draft.dedupe_key)

    def add_incident_note(self, incident_id: str, note: str) -> None:
        """A chatter note (`message_post`), so the incident's history shows every alert."""
        self._incident_call(
            "message_post",
            ids=[_odoo_id(incident_id)],
            body=note,
            message_type="comment",
        )

    def _incident_container(self, model: str) -> int:
        """The project (or helpdesk team) for incidents: the configured name, or the one
        whose name says 'pest'. Absent or ambiguous: a configuration error, never a guess."""
        name = self._settings.incident_container
        key = (model, name or "")
        if key in self._named_ids:
            return self._named_ids[key]
        if name:
            ids = self._transport.call(model, "search", domain=[["name", "=", name]], limit=1)
            if not ids:
                raise ErpConfigurationMissing(
                    f"Odoo has no {model} named '{name}' to receive incidents",
                    setting="incident_container",
                    tried=name,
                )
            self._named_ids[key] = int(ids[0])
            return self._named_ids[key]
        rows = self._transport.call(
            model,
            "search_read",
            domain=[["name", "ilike", AUTO_CONTAINER_WORD]],
            fields=["name"],
            order="id asc",
            limit=20,
        )
        chosen = rows
        if len(rows) > 1:
            chosen = [r for r in rows if "incident" in str(r.get("name", "")).casefold()]
        if len(chosen) != 1:
            found = ", ".join(repr(r.get("name")) for r in rows) or "none"
            raise ErpConfigurationMissing(
                f"no single Odoo {model} for incidents: looked for a name containing "
                f"'{AUTO_CONTAINER_WORD}' and found {found}; set incident_container",
                setting="incident_container",
                tried=f"name contains '{AUTO_CONTAINER_WORD}'",
            )
        self._named_ids[key] = int(chosen[0]["id"])
        return self._named_ids[key]

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


def _incident_lines(draft: IncidentDraft) -> list[str]:
    lines = [draft.description.strip()] if draft.description.strip() else []
    if draft.point_reference or draft.point_id:
        lines.append(
            f"Inspection point: {draft.point_reference or '-'} (product id {draft.point_id or '-'})"
        )
    if draft.occurred_at:
        lines.append(f"Occurred at: {draft.occurred_at.isoformat()}")
    lines.append(_marker(draft.dedupe_key))
    return lines


def _odoo_id(point_id: str) -> int:
    try:
        return int(point_id)
    except (TypeError, ValueError):
        raise ErpNotFound(f"'{point_id}' is not an Odoo record id") from None


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _marker(dedupe_key: str) -> str:
    return f"[sync-bridge:{dedupe_key}]"
