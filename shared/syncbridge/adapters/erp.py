"""The ERP port of the pest-control flows: what any ERP must offer, in ERP-neutral terms.

Domain services talk to an `ErpAdapter`; they never see Odoo's `False`, many2one pairs or
XML-RPC faults. An adapter module translates one ERP's protocol into these models and these
typed errors. Adding SAP, Dynamics or NetSuite means one new module whose factory takes an
`ErpConfig`, plus one line in `REGISTRY`; `build_erp_adapter` does the rest.

Errors are typed by what the caller should do:
- `ErpUnavailable` (5xx, 429 after retries, timeouts, connection refused): retry later,
  serve what is known with a `stale` flag.
- `ErpAuthError` (bad key, refused login, no permission): stop and tell an admin.
- `ErpConflict` (business rule refused, e.g. a barcode already used): report, don't retry.
- `ErpNotFound` (the record does not exist, or no longer does).
- `ErpConfigurationMissing` (a configured name points at nothing in this ERP: a database,
  model, field, category or project): tell an admin which setting, with the value tried.
Messages never contain credentials; ERP texts are kept whole (a validation error's later
lines say which records are involved).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr

DEFAULT_CATEGORY = "Inspection Points"


# --- errors -------------------------------------------------------------------------------


class ErpError(Exception):
    """An ERP call failed for a reason the caller should not retry blindly."""

    retryable = False


class ErpUnavailable(ErpError):
    """The ERP could not be reached or is overloaded: retry later."""

    retryable = True


class ErpAuthError(ErpError):
    """The ERP refused our credentials, or they lack a permission."""


class ErpConflict(ErpError):
    """The ERP refused the change because of a business rule (e.g. duplicate barcode)."""


class ErpNotFound(ErpError):
    """The record does not exist (or no longer does)."""


class ErpConfigurationMissing(ErpError):
    """A setting names something this ERP does not have (database, model, field, category,
    project). `setting` is the setting to change, `tried` the value that was looked for."""

    def __init__(self, message: str, *, setting: str, tried: str) -> None:
        super().__init__(message)
        self.setting = setting
        self.tried = tried


# --- models -------------------------------------------------------------------------------


class InspectionPoint(BaseModel):
    """One inspection point as the ERP keeps it.

    `location_text` is the ERP's raw text that encodes where the point is (for Odoo, the
    product name, e.g. "Golden Crust Manchester - Flour Storage Silo A"); `description`
    carries the rest when there is one (e.g. "Internal / Bait/Lured"). Parsing them is the
    domain's job, configured per tenant; the adapter hands them over untouched.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    reference: str | None = None  # ERP internal reference (Odoo default_code); not unique
    name: str
    barcode: str | None = None  # holds the DevEUI once a device is mapped
    active: bool = True
    category: str | None = None
    category_id: str | None = None
    device_status: str | None = None
    location_text: str | None = None
    description: str | None = None
    write_date: AwareDatetime


class PointFields(BaseModel):
    """Fields Sync Bridge writes back to a point. Only the fields you set are written;
    setting one to None clears it in the ERP."""

    model_config = ConfigDict(extra="forbid")

    barcode: str | None = None
    device_status: Literal["pending", "active", "maintenance", "inactive"] | None = None

    def changes(self) -> dict[str, Any]:
        """The explicitly set fields (so `PointFields(barcode=None)` clears the barcode)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class IncidentDraft(BaseModel):
    """An incident to open in the ERP (a pest alert, a trap that fired repeatedly)."""

    title: str = Field(min_length=1, max_length=250)
    description: str = ""
    point_id: str | None = None
    point_reference: str | None = None
    dedupe_key: str = Field(min_length=1, max_length=200)
    occurred_at: AwareDatetime | None = None
    deadline: date | None = None
    tags: list[str] = Field(default_factory=list)


class IncidentRef(BaseModel):
    """Where an incident landed in the ERP."""

    id: str
    kind: str  # e.g. "project.task", "helpdesk.ticket", "incident"
    dedupe_key: str | None = None


class ErpHealth(BaseModel):
    ok: bool
    erp: str
    detail: str = ""
    latency_ms: float | None = None


class ErpConfig(BaseModel):
    """How to reach one tenant's ERP. `settings` are adapter-specific and validated by the
    adapter's own model; `credentials` never appear in reprs or logs."""

    kind: str
    base_url: str
    settings: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, SecretStr] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=10.0, gt=0)

    def secret(self, name: str) -> str:
        try:
            return self.credentials[name].get_secret_value()
        except KeyError:
            raise ErpAuthError(f"{self.kind}: credential '{name}' is missing") from None


# --- the port -----------------------------------------------------------------------------


@runtime_checkable
class ErpAdapter(Protocol):
    """What the pest-control services need from an ERP."""

    erp: str  # short name for logs and health, e.g. "odoo-json2"

    def list_inspection_points(
        self, since: datetime | None = None, *, include_archived: bool = False
    ) -> Iterator[InspectionPoint]:
        """Points changed at or after `since` (all when None), oldest change first.

        May return points changed a little before `since` (an overlap window covers ERPs
        whose timestamps are coarse), and never misses one changed at or after it. Callers
        therefore dedupe by (id, write_date). Deletions are invisible here: use
        `list_point_ids` to reconcile.
        """
        ...

    def list_point_ids(self, *, include_archived: bool = True) -> set[str]:
        """Ids of every inspection point, for reconciliation (finding deletions)."""
        ...

    def get_point(self, point_id: str) -> InspectionPoint:
        """One point by id (archived included); `ErpNotFound` when it does not exist."""
        ...

    def write_point_fields(self, point_id: str, fields: PointFields) -> InspectionPoint:
        """Write `fields` (only those set) and return the point as the ERP now has it."""
        ...

    def create_incident(self, draft: IncidentDraft) -> IncidentRef:
        """Open an incident; if one with the same dedupe key exists, return it instead."""
        ...

    def find_incident(self, dedupe_key: str) -> IncidentRef | None:
        """The incident opened earlier for `dedupe_key`, if any."""
        ...

    def add_incident_note(self, incident_id: str, note: str) -> None:
        """Append a note to an open incident (a trap firing again joins its incident)."""
        ...

    def find_category(self, name: str = DEFAULT_CATEGORY) -> str:
        """The id of the category called `name`; `ErpNotFound` when there is none."""
        ...

    def health(self) -> ErpHealth:
        """A cheap authenticated probe; never raises (degraded-mode detection)."""
        ...

    def close(self) -> None: ...


# --- registry -----------------------------------------------------------------------------

AdapterFactory = Callable[..., ErpAdapter]  # (config: ErpConfig, **options) -> adapter

# kind -> "module:factory". A new ERP adds one line here (or calls `register_erp_adapter`).
REGISTRY: dict[str, str | AdapterFactory] = {
    "odoo": "syncbridge.adapters.odoo:OdooAdapter.from_config",
    "resterp": "syncbridge.adapters.resterp:RestErpAdapter.from_config",
}


def register_erp_adapter(kind: str, factory: str | AdapterFactory) -> None:
    REGISTRY[kind] = factory


def build_erp_adapter(config: ErpConfig | dict[str, Any], **options: Any) -> ErpAdapter:
    """The adapter for `config.kind`, built by its module's factory.

    `options` go to the factory unchanged (e.g. `http=` or `retry=` in tests)."""
    if not isinstance(config, ErpConfig):
        config = ErpConfig.model_validate(config)
    try:
        factory = REGISTRY[config.kind]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(f"unknown ERP kind '{config.kind}' (known: {known})") from None
    if isinstance(factory, str):
        factory = _resolve(factory)
    return factory(config, **options)


def _resolve(path: str) -> AdapterFactory:
    module_name, _, attr_path = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for attr in attr_path.split("."):
        target = getattr(target, attr)
    return target
