"""Discovery and gap analysis, served from our own snapshot of both systems.

The prototype re-read Odoo and Microshare on every call and timed out under load. Here a
call reads the tenant's snapshot (PEST_TABLE); only when it is older than the tenant's TTL
does one caller (a lease) refresh it: the ERP incrementally (`write_date` cursor minus an
overlap, since Odoo truncates timestamps to seconds), the IoT platform as a whole (it has
no incremental read), and every `reconcile_every_seconds` the ERP's id list to drop
deleted points. When a source is down the last snapshot is served with `stale: true`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.deveui import InvalidDevEui, is_default, normalize_deveui
from syncbridge.domain.pest.errors import SourceUnavailable, source_error
from syncbridge.domain.pest.location import LocationParser
from syncbridge.domain.pest.models import (
    DeviceTemplate,
    IotDevice,
    Point,
    PointView,
    ProvisionState,
    SnapshotMeta,
)
from syncbridge.domain.pest.ports import SourcesAndStores

ERP = "erp"
IOT = "iot"
OVERLAP = timedelta(seconds=5)
LEASE_SECONDS = 30


class SourceState(BaseModel):
    """One source's last read: when it succeeded, and if the latest failed, why (`code`:
    source_unavailable / credentials_refused / configuration_missing, with `details`
    naming the setting and the value tried)."""

    ok: bool
    as_of: datetime | None = None
    error: str | None = None
    code: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class Freshness(BaseModel):
    """How current the answer is: `stale` when a source failed and old data was served."""

    stale: bool = False
    as_of: datetime | None = None
    sources: dict[str, SourceState] = Field(default_factory=dict)


class ParseProblem(BaseModel):
    point_id: str
    name: str
    reason: str


class UnmappedPoint(BaseModel):
    point: Point
    location: list[str]
    template: DeviceTemplate


class Inventory(BaseModel):
    """Every point with its parsed location and device, plus what could not be parsed."""

    views: list[PointView]
    parse_errors: list[ParseProblem]
    freshness: Freshness


def _norm_ref(ref: str | None) -> str:
    return (ref or "").strip().casefold()


def _norm_eui(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_deveui(raw)
    except InvalidDevEui:
        return None


class DiscoveryService(SourcesAndStores):
    # ---------------------------------------------------------------- refresh
    def refresh(self, tenant: str, config: PestConfig, *, force: bool = False) -> Freshness:
        """Bring the snapshot up to date if its TTL has passed (or `force`)."""
        now = self.clock()
        ttl = timedelta(seconds=config.snapshot_ttl_seconds)
        metas = {
            src: self.store.get_meta(tenant, src) or SnapshotMeta(source=src) for src in (ERP, IOT)
        }
        due = [
            src
            for src, meta in metas.items()
            if force or meta.refreshed_at is None or now - meta.refreshed_at >= ttl
        ]
        if due:
            owner = uuid.uuid4().hex
            never_loaded = any(metas[src].as_of is None for src in due)
            if self.store.try_lease(tenant, "refresh", owner, LEASE_SECONDS) or never_loaded:
                try:
                    if ERP in due:
                        metas[ERP] = self._refresh_erp(tenant, config, metas[ERP], now)
                    if IOT in due:
                        metas[IOT] = self._refresh_iot(tenant, config, metas[IOT], now)
                finally:
                    self.store.release_lease(tenant, "refresh", owner)
        return self._freshness(metas)

    def _refresh_erp(
        self, tenant: str, config: PestConfig, meta: SnapshotMeta, now: datetime
    ) -> SnapshotMeta:
        meta = meta.model_copy()
        meta.refreshed_at = now
        try:
            since = meta.cursor - OVERLAP if meta.cursor else None
            points = self.erp.list_inspection_points(since)
            self.store.upsert_points(tenant, points)
            stamps = [p.write_date for p in points if p.write_date]
            if stamps:
                meta.cursor = max([*stamps, *([meta.cursor] if meta.cursor else [])])
            reconcile_due = meta.last_reconcile is None or now - meta.last_reconcile >= timedelta(
                seconds=config.reconcile_every_seconds
            )
            if since is None:
                known = {p.id for p in points}
                meta.last_reconcile = now
            elif reconcile_due:
                known = self.erp.list_point_ids()
                meta.last_reconcile = now
            else:
                known = None
            if known is not None:
                gone = [p.id for p in self.store.list_points(tenant) if p.id not in known]
                if gone:
                    self.store.delete_points(tenant, gone)
            meta.as_of = now
            meta.clear_error()
        except SourceUnavailable as exc:
            meta.record_error(exc)
        self.store.put_meta(tenant, meta)
        return meta

    def _refresh_iot(
        self, tenant: str, config: PestConfig, meta: SnapshotMeta, now: datetime
    ) -> SnapshotMeta:
        meta = meta.model_copy()
        meta.refreshed_at = now
        try:
            devices = self.iot.list_devices(config.rec_type)
            self.store.put_iot_devices(tenant, devices)
            meta.as_of = now
            meta.clear_error()
        except SourceUnavailable as exc:
            meta.record_error(exc)
        self.store.put_meta(tenant, meta)
        return meta

    def invalidate(self, tenant: str, source: str) -> None:
        """Make the next read refresh `source` (after we changed it ourselves)."""
        meta = self.store.get_meta(tenant, source)
        if meta is not None:
            meta.refreshed_at = None
            self.store.put_meta(tenant, meta)

    @staticmethod
    def _freshness(metas: dict[str, SnapshotMeta]) -> Freshness:
        sources = {
            src: SourceState(
                ok=meta.last_error is None,
                as_of=meta.as_of,
                error=meta.last_error,
                code=meta.last_error_code,
                details={k: v for k, v in meta.last_error_details.items() if k != "detail"},
            )
            for src, meta in metas.items()
        }
        stamps = [s.as_of for s in sources.values() if s.as_of]
        return Freshness(
            stale=any(not s.ok or s.as_of is None for s in sources.values()),
            as_of=min(stamps) if stamps else None,
            sources=sources,
        )

    # ---------------------------------------------------------------- reads
    def inventory(self, tenant: str, config: PestConfig, *, force: bool = False) -> Inventory:
        """All points with parsed locations and device state; raises 503 only if never loaded."""
        freshness = self.refresh(tenant, config, force=force)
        erp_state = freshness.sources[ERP]
        if erp_state.as_of is None:
            meta = self.store.get_meta(tenant, ERP) or SnapshotMeta(source=ERP)
            if meta.last_error_code is None:
                raise SourceUnavailable(ERP, "no snapshot yet")
            raise source_error(ERP, meta.last_error_code, meta.last_error_details)
        points = sorted(self.store.list_points(tenant), key=lambda p: (p.default_code or "", p.id))
        iot_devices = self.store.get_iot_devices(tenant)
        ours = {d.point_id: d for d in self.devices.list(tenant)}
        by_ref: dict[str, IotDevice] = {}
        by_eui: dict[str, IotDevice] = {}
        for dev in iot_devices:
            if dev.point_ref:
                by_ref.setdefault(_norm_ref(dev.point_ref), dev)
            if not is_default(dev.deveui):
                by_eui.setdefault(dev.deveui, dev)
        refs = Counter(_norm_ref(p.default_code) for p in points if p.active and p.default_code)

        views: list[PointView] = []
        problems: list[ParseProblem] = []
        parser = LocationParser(config.location)
        for point in points:
            outcome = parser.parse(point)
            error = outcome.error
            if error is None and refs[_norm_ref(point.default_code)] > 1:
                error = f"default_code {point.default_code!r} is shared by several active points"
            if error:
                problems.append(ParseProblem(point_id=point.id, name=point.name, reason=error))
            iot_dev = by_ref.get(_norm_ref(point.default_code)) or by_eui.get(
                _norm_eui(point.barcode) or ""
            )
            own = ours.get(point.id)
            mapped = iot_dev is not None or (
                own is not None and own.provision is not ProvisionState.INTENT
            )
            views.append(
                PointView(
                    point=point,
                    location=outcome.location if error is None else None,
                    parse_error=error,
                    mapped=mapped,
                    device_deveui=(iot_dev.deveui if iot_dev else own.deveui if own else None),
                    device_status=(
                        own.status.value if own else iot_dev.status if iot_dev else None
                    ),
                )
            )
        return Inventory(views=views, parse_errors=problems, freshness=freshness)

    @staticmethod
    def unmapped(inventory: Inventory, config: PestConfig) -> list[UnmappedPoint]:
        """Active, parseable points with no device yet, each with the device it needs."""
        gaps = []
        for view in inventory.views:
            if view.mapped or not view.point.active or view.location is None:
                continue
            location = view.location.as_list()
            gaps.append(
                UnmappedPoint(
                    point=view.point,
                    location=location,
                    template=DeviceTemplate(rec_type=config.rec_type, location=location),
                )
            )
        return gaps
