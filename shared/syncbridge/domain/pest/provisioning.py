"""Create the missing devices: Microshare first, then the ERP point, one point at a time.

Each point walks a small state machine kept in DEVICES_TABLE:

    (none) --record intent--> intent --device in cluster--> iot_created --ERP written--> done

The intent is written (conditionally) before any side effect, and each step is skipped when
already done, so a run that died halfway is finished by the next one and nothing is created
twice: the IoT step first looks for a device already carrying the point's reference in
`location[3]` (a previous run may have added it and died before recording so).

Barcode choice: Odoo's `barcode` is unique per company, so the shared default DevEUI
`00-00-00-00-00-00-00-00` cannot be written to several points. By default create-devices
writes only the device status to the ERP and the barcode is written when the real DevEUI
is confirmed (`DeviceService.confirm_deveui`); a tenant may opt for a per-point placeholder
(`PENDING-<point id>`) instead, which is unique and cleared on confirmation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.discovery import DiscoveryService, Inventory
from syncbridge.domain.pest.errors import Conflict, PestError
from syncbridge.domain.pest.models import (
    DEFAULT_DEVEUI,
    AuditEntry,
    Device,
    DeviceStatus,
    DeviceTemplate,
    IotDevice,
    PointView,
    ProvisionState,
)
from syncbridge.domain.pest.ports import AuditLog, DeviceStore, ErpPort, IotPort

CLAIM_SECONDS = 120
DEFAULT_LIMIT = 200

Action = Literal["create", "resume", "skip"]
Outcome = Literal["created", "resumed", "skipped", "failed", "busy", "not_found", "planned"]


class PlannedDevice(BaseModel):
    point_id: str
    point_ref: str | None = None
    action: Action
    reason: str | None = None
    state: ProvisionState | None = None
    template: DeviceTemplate | None = None


class DeviceResult(BaseModel):
    point_id: str
    device_id: str | None = None
    outcome: Outcome
    state: ProvisionState | None = None
    failed_step: str | None = None
    error: str | None = None


class CreateDevicesResult(BaseModel):
    dry_run: bool
    stale: bool = False
    as_of: datetime | None = None
    remaining: int = 0
    plan: list[PlannedDevice] = Field(default_factory=list)
    results: list[DeviceResult] = Field(default_factory=list)
    summary: dict[str, int] = Field(default_factory=dict)


def placeholder_barcode(point_id: str) -> str:
    return f"PENDING-{point_id}"


class ProvisioningService:
    def __init__(
        self,
        discovery: DiscoveryService,
        devices: DeviceStore,
        audit: AuditLog,
        erp: ErpPort,
        iot: IotPort,
        clock: Callable[[], datetime],
    ) -> None:
        self.discovery = discovery
        self.devices = devices
        self.audit = audit
        self.erp = erp
        self.iot = iot
        self.clock = clock

    def plan(
        self, tenant: str, config: PestConfig, inventory: Inventory, point_ids: list[str] | None
    ) -> list[PlannedDevice]:
        """What a run would do for each requested (or every unmapped) point."""
        views = {v.point.id: v for v in inventory.views}
        ours = {d.point_id: d for d in self.devices.list(tenant)}
        wanted = point_ids if point_ids is not None else list(views)
        plan: list[PlannedDevice] = []
        for pid in wanted:
            view = views.get(pid)
            if view is None:
                plan.append(PlannedDevice(point_id=pid, action="skip", reason="unknown point"))
                continue
            plan.append(self._plan_one(view, ours.get(pid), config, explicit=point_ids is not None))
        return [p for p in plan if p.action != "skip" or point_ids is not None]

    @staticmethod
    def _plan_one(
        view: PointView, own: Device | None, config: PestConfig, *, explicit: bool
    ) -> PlannedDevice:
        ref = view.point.default_code
        if own is not None and own.provision is not ProvisionState.DONE:
            return PlannedDevice(
                point_id=view.point.id,
                point_ref=ref,
                action="resume",
                state=own.provision,
                template=DeviceTemplate(rec_type=own.rec_type, location=own.location),
            )
        if own is not None or view.mapped:
            return PlannedDevice(
                point_id=view.point.id, point_ref=ref, action="skip", reason="already has a device"
            )
        if not view.point.active:
            return PlannedDevice(
                point_id=view.point.id, point_ref=ref, action="skip", reason="point is archived"
            )
        if view.location is None:
            return PlannedDevice(
                point_id=view.point.id,
                point_ref=ref,
                action="skip",
                reason=f"location not parsed: {view.parse_error}",
            )
        return PlannedDevice(
            point_id=view.point.id,
            point_ref=ref,
            action="create",
            template=DeviceTemplate(rec_type=config.rec_type, location=view.location.as_list()),
        )

    def create_devices(
        self,
        tenant: str,
        config: PestConfig,
        actor: str,
        *,
        point_ids: list[str] | None = None,
        dry_run: bool = False,
        limit: int = DEFAULT_LIMIT,
    ) -> CreateDevicesResult:
        """Create (or finish) devices for at most `limit` points; `remaining` says how many
        are left for the next call, so one request stays well inside the API's time-out."""
        inventory = self.discovery.inventory(tenant, config)
        plan = self.plan(tenant, config, inventory, point_ids)
        result = CreateDevicesResult(
            dry_run=dry_run,
            plan=plan,
            stale=inventory.freshness.stale,
            as_of=inventory.freshness.as_of,
        )
        if dry_run:
            result.summary = _count(p.action for p in plan)
            return result
        work: list[PlannedDevice] = []
        for item in plan:
            if item.action == "skip":
                outcome: Outcome = "not_found" if item.reason == "unknown point" else "skipped"
                result.results.append(
                    DeviceResult(point_id=item.point_id, outcome=outcome, error=item.reason)
                )
            else:
                work.append(item)
        result.remaining = max(0, len(work) - limit)
        work = work[:limit]
        if work:
            result.results.extend(self._provision(tenant, config, actor, work))
            self.discovery.invalidate(tenant, "iot")
            self.discovery.invalidate(tenant, "erp")
        result.summary = _count(r.outcome for r in result.results)
        return result

    def _provision(
        self, tenant: str, config: PestConfig, actor: str, items: list[PlannedDevice]
    ) -> list[DeviceResult]:
        """Intent for every point, then one cluster write for all of them, then the ERP."""
        owner = uuid.uuid4().hex
        results: dict[str, DeviceResult] = {}
        claimed: list[Device] = []
        for item in items:
            self._record_intent(tenant, actor, item)
            if not self.devices.try_claim(tenant, item.point_id, owner, CLAIM_SECONDS):
                results[item.point_id] = DeviceResult(
                    point_id=item.point_id, device_id=item.point_id, outcome="busy"
                )
                continue
            current = self.devices.get(tenant, item.point_id)
            assert current is not None
            claimed.append(current)
        try:
            ready = self._iot_step(actor, claimed, results)
            for device in ready:
                self._erp_step(config, actor, device, results)
        finally:
            for device in claimed:
                self.devices.release_claim(tenant, device.device_id, owner)
        ordered = []
        for item in items:
            res = results[item.point_id]
            if res.outcome not in ("failed", "busy"):
                res.outcome = "created" if item.action == "create" else "resumed"
            ordered.append(res)
        return ordered

    def _record_intent(self, tenant: str, actor: str, item: PlannedDevice) -> None:
        assert item.template is not None and item.point_ref is not None
        now = self.clock()
        device = Device(
            tenant_id=tenant,
            device_id=item.point_id,
            point_id=item.point_id,
            point_ref=item.point_ref,
            rec_type=item.template.rec_type,
            location=item.template.location,
            deveui=DEFAULT_DEVEUI,
            status=DeviceStatus.PENDING,
            provision=ProvisionState.INTENT,
            created_at=now,
            updated_at=now,
        )
        if self.devices.create(device):
            self.audit.append(
                tenant,
                device.device_id,
                AuditEntry(
                    at=now,
                    actor=actor,
                    action="provision_intent",
                    field="provision",
                    old=None,
                    new=ProvisionState.INTENT.value,
                ),
            )

    def _iot_step(
        self, actor: str, claimed: list[Device], results: dict[str, DeviceResult]
    ) -> list[Device]:
        """Add the missing devices to Microshare (skipping ones an earlier run added)."""
        ready = [d for d in claimed if d.provision is not ProvisionState.INTENT]
        pending = [d for d in claimed if d.provision is ProvisionState.INTENT]
        for rec_type in sorted({d.rec_type for d in pending}):
            batch = [d for d in pending if d.rec_type == rec_type]
            try:
                existing = {(d.point_ref or "").casefold() for d in self.iot.list_devices(rec_type)}
                missing = [d for d in batch if d.point_ref.casefold() not in existing]
                if missing:
                    self.iot.add_devices(
                        rec_type,
                        [
                            IotDevice(
                                deveui=d.deveui,
                                location=d.location,
                                status=d.status.value,
                                rec_type=rec_type,
                            )
                            for d in missing
                        ],
                    )
            except PestError as exc:
                for d in batch:
                    results[d.device_id] = DeviceResult(
                        point_id=d.point_id,
                        device_id=d.device_id,
                        outcome="failed",
                        state=ProvisionState.INTENT,
                        failed_step="iot",
                        error=str(exc),
                    )
                continue
            for d in batch:
                try:
                    ready.append(self._advance(d, ProvisionState.IOT_CREATED, actor))
                except Conflict:  # another run moved it on meanwhile: leave it to that run
                    results[d.device_id] = DeviceResult(
                        point_id=d.point_id, device_id=d.device_id, outcome="busy"
                    )
        return ready

    def _erp_step(
        self, config: PestConfig, actor: str, device: Device, results: dict[str, DeviceResult]
    ) -> None:
        if device.provision is ProvisionState.IOT_CREATED:
            fields: dict[str, str | None] = {}
            if config.mirror_status:
                fields["device_status"] = device.status.value
            if device.has_real_deveui:
                fields["barcode"] = device.deveui
            elif config.pending_barcode == "placeholder":
                fields["barcode"] = placeholder_barcode(device.point_id)
            try:
                if fields:
                    self.erp.write_point_fields(device.point_id, fields)
            except PestError as exc:
                results[device.device_id] = DeviceResult(
                    point_id=device.point_id,
                    device_id=device.device_id,
                    outcome="failed",
                    state=ProvisionState.IOT_CREATED,
                    failed_step="erp",
                    error=str(exc),
                )
                return
            try:
                device = self._advance(device, ProvisionState.DONE, actor)
            except Conflict:
                results[device.device_id] = DeviceResult(
                    point_id=device.point_id, device_id=device.device_id, outcome="busy"
                )
                return
        results[device.device_id] = DeviceResult(
            point_id=device.point_id,
            device_id=device.device_id,
            outcome="created",
            state=device.provision,
        )

    def _advance(self, device: Device, state: ProvisionState, actor: str) -> Device:
        old = device.provision
        device = device.model_copy(update={"provision": state, "updated_at": self.clock()})
        saved = self.devices.save(device)
        self.audit.append(
            device.tenant_id,
            device.device_id,
            AuditEntry(
                at=self.clock(),
                actor=actor,
                action="provision",
                field="provision",
                old=old.value,
                new=state.value,
            ),
        )
        return saved


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
