"""Device lifecycle and DevEUI assignment, with both systems kept in step.

Our record (DEVICES_TABLE) changes first, under optimistic locking; then Microshare (the
cluster, by read-modify-write in the adapter) and the ERP point are updated. A side that is
down leaves its step in `pending_sync`, and `retry_pending` (run by every scheduled
incident sync and after each change) finishes it later. Every change is audited with who,
when, old and new.

DevEUI assignment is two-step: `propose` validates, normalises and reserves the DevEUI
(a conditional write on a per-tenant uniqueness item, so two devices can never hold it),
`confirm` makes it the device's DevEUI and pushes it to Microshare and the ERP barcode as
one saga (`Device.deveui_change`): both sides end equal; or, when a side refuses it for
good (Odoo: the barcode is held by another product), the sides that took it are put back
and the change is rolled back with the refusal's whole text; or, while a side is down,
it stays visibly pending with the reason and every run retries it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import datetime

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.deveui import InvalidDevEui, is_default, normalize_deveui
from syncbridge.domain.pest.errors import (
    ConcurrentUpdate,
    Conflict,
    DeviceNotFound,
    DuplicateDevEui,
    InvalidInput,
    PestError,
    RecordMissing,
    UpstreamConflict,
)
from syncbridge.domain.pest.lifecycle import check_transition
from syncbridge.domain.pest.models import (
    AuditEntry,
    DevEuiChange,
    Device,
    DeviceStatus,
    IotDevice,
    ProvisionState,
)
from syncbridge.domain.pest.ports import AuditLog, DeviceStore, ErpPort, IotPort, PestStore

IOT_STATUS = "iot:status"
ERP_STATUS = "erp:status"
IOT_DEVEUI = "iot:deveui"
ERP_BARCODE = "erp:barcode"
SYNC_ORDER = (IOT_STATUS, IOT_DEVEUI, ERP_STATUS, ERP_BARCODE)
DEVEUI_STEPS = frozenset({IOT_DEVEUI, ERP_BARCODE})
CONCURRENT_ATTEMPTS = 4


def _retry_on_concurrent_update(method: Callable[..., Device]) -> Callable[..., Device]:
    """A person's change re-reads and re-applies when a background sync saved the same
    device between our read and our write (optimistic locking), rather than failing."""

    @functools.wraps(method)
    def wrapper(self: DeviceService, *args: object, **kwargs: object) -> Device:
        for _ in range(CONCURRENT_ATTEMPTS - 1):
            try:
                return method(self, *args, **kwargs)
            except ConcurrentUpdate:
                continue
        return method(self, *args, **kwargs)

    return wrapper


class DeviceService:
    def __init__(
        self,
        devices: DeviceStore,
        audit: AuditLog,
        store: PestStore,
        erp: ErpPort,
        iot: IotPort,
        clock: Callable[[], datetime],
    ) -> None:
        self.devices = devices
        self.audit = audit
        self.store = store
        self.erp = erp
        self.iot = iot
        self.clock = clock
        self.last_errors: dict[str, str] = {}
        self.last_failures: dict[str, PestError] = {}

    # ---------------------------------------------------------------- reads
    def get(self, tenant: str, device_id: str) -> Device:
        device = self.devices.get(tenant, device_id)
        if device is None:
            raise DeviceNotFound(f"no device {device_id!r}", device_id=device_id)
        return device

    def list(self, tenant: str) -> list[Device]:
        return sorted(self.devices.list(tenant), key=lambda d: d.point_ref)

    def history(self, tenant: str, device_id: str) -> list[AuditEntry]:
        self.get(tenant, device_id)
        return self.audit.history(tenant, device_id)

    # ---------------------------------------------------------------- lifecycle
    @_retry_on_concurrent_update
    def transition(
        self, tenant: str, device_id: str, target: DeviceStatus, actor: str, config: PestConfig
    ) -> Device:
        device = self.get(tenant, device_id)
        if device.status is target:
            return device
        check_transition(device, target)
        old = device.status
        pending = [*device.pending_sync, IOT_STATUS]
        if config.mirror_status:
            pending.append(ERP_STATUS)
        device = self.devices.save(
            device.model_copy(
                update={
                    "status": target,
                    "pending_sync": _unique(pending),
                    "updated_at": self.clock(),
                }
            )
        )
        self._audit(device, actor, "status_changed", "status", old.value, target.value)
        return self.sync_sides(device)

    # ---------------------------------------------------------------- DevEUI
    @_retry_on_concurrent_update
    def propose_deveui(self, tenant: str, device_id: str, raw: str, actor: str) -> Device:
        try:
            deveui = normalize_deveui(raw)
        except InvalidDevEui as exc:
            raise InvalidInput(str(exc), field="deveui") from None
        if is_default(deveui):
            raise InvalidInput("the default DevEUI marks unassigned hardware", field="deveui")
        device = self.get(tenant, device_id)
        if deveui == device.deveui:
            raise Conflict(f"device {device_id} already has DevEUI {deveui}")
        self._check_not_used_elsewhere(tenant, device, deveui)
        previous = device.proposed_deveui
        self.devices.reserve_deveui(tenant, deveui, device.device_id)
        try:
            device = self.devices.save(
                device.model_copy(update={"proposed_deveui": deveui, "updated_at": self.clock()})
            )
        except PestError:
            if previous != deveui:  # keep a reservation an earlier proposal made
                self.devices.release_deveui(tenant, deveui, device.device_id)
            raise
        if previous and previous != deveui:
            self.devices.release_deveui(tenant, previous, device.device_id)
        self._audit(device, actor, "deveui_proposed", "proposed_deveui", previous, deveui)
        return device

    @_retry_on_concurrent_update
    def confirm_deveui(self, tenant: str, device_id: str, actor: str) -> Device:
        device = self.get(tenant, device_id)
        proposed = device.proposed_deveui
        if not proposed:
            raise Conflict(f"device {device_id} has no proposed DevEUI to confirm")
        old = device.deveui
        now = self.clock()
        device = self.devices.save(
            device.model_copy(
                update={
                    "deveui": proposed,
                    "proposed_deveui": None,
                    "pending_sync": _unique([*device.pending_sync, IOT_DEVEUI, ERP_BARCODE]),
                    "deveui_change": DevEuiChange(old=old, new=proposed, started_at=now),
                    "updated_at": now,
                }
            )
        )
        if not is_default(old):
            self.devices.release_deveui(tenant, old, device.device_id)
        self._audit(device, actor, "deveui_confirmed", "deveui", old, proposed)
        device = self.sync_sides(device)
        change = device.deveui_change
        if change is not None and change.state in ("rolling_back", "rolled_back"):
            raise UpstreamConflict(
                f"DevEUI {proposed} was refused and the change is "
                f"{change.state.replace('_', ' ')}: {change.reason}",
                device_id=device.device_id,
                deveui_change=change.state,
            )
        return device

    def _check_not_used_elsewhere(self, tenant: str, device: Device, deveui: str) -> None:
        """Also refuse DevEUIs the systems already hold for another point (pre-existing data)."""
        owner = self.devices.owner_of(tenant, deveui)
        if owner and owner != device.device_id:
            raise DuplicateDevEui(f"DevEUI {deveui} is already used by device {owner}")
        for iot_dev in self.store.get_iot_devices(tenant):
            if iot_dev.deveui == deveui and (iot_dev.point_ref or "") != device.point_ref:
                raise DuplicateDevEui(
                    f"DevEUI {deveui} is already used in Microshare by point {iot_dev.point_ref}"
                )
        for point in self.store.list_points(tenant):
            if point.id == device.point_id or not point.barcode:
                continue
            try:
                taken = normalize_deveui(point.barcode)
            except InvalidDevEui:
                continue
            if taken == deveui:
                raise DuplicateDevEui(
                    f"DevEUI {deveui} is already the barcode of ERP point {point.id}"
                )

    # ---------------------------------------------------------------- both sides
    def sync_sides(self, device: Device) -> Device:
        """Push each pending step to its system; steps that fail stay pending for a retry.
        A DevEUI change then settles (see `_settle_deveui`)."""
        return self._settle_deveui(self._push_pending(device))

    def _push_pending(self, device: Device) -> Device:
        done: list[str] = []
        errors: dict[str, str] = {}
        failures: dict[str, PestError] = {}
        for step in [s for s in SYNC_ORDER if s in device.pending_sync]:
            try:
                self._push(device, step)
                done.append(step)
            except PestError as exc:
                errors[step] = str(exc)
                failures[step] = exc
        self.last_errors = errors
        self.last_failures = failures
        if not done:
            return device
        for attempt in range(CONCURRENT_ATTEMPTS):
            latest = self.get(device.tenant_id, device.device_id)
            remaining = [s for s in latest.pending_sync if s not in done]
            try:
                return self.devices.save(
                    latest.model_copy(
                        update={"pending_sync": remaining, "updated_at": self.clock()}
                    )
                )
            except ConcurrentUpdate:
                if attempt == CONCURRENT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- the DevEUI saga
    def _settle_deveui(self, device: Device) -> Device:
        """After a push: both sides hold the new DevEUI (applied); or one refused it for
        good and the others are put back (rolling back, then rolled back); or a side is
        down and the change stays pending with the reason, for the next run."""
        change = device.deveui_change
        if change is None or change.state in ("applied", "rolled_back"):
            return device
        refused = {
            step: exc
            for step, exc in self.last_failures.items()
            if step in DEVEUI_STEPS and _is_refusal(exc)
        }
        if change.state == "pending" and refused:
            return self._roll_back(device, change, refused)
        outstanding = [s for s in device.pending_sync if s in DEVEUI_STEPS]
        if not outstanding:
            state = "applied" if change.state == "pending" else "rolled_back"
            update = {"state": state, "finished_at": self.clock()}
            if state == "applied":
                update["reason"] = None
            return self._save_change(device, change.model_copy(update=update))
        reasons = [f"{s}: {self.last_errors[s]}" for s in outstanding if s in self.last_errors]
        return self._save_change(
            device,
            change.model_copy(
                update={
                    "attempts": change.attempts + 1,
                    "reason": "; ".join(reasons) or change.reason,
                }
            ),
        )

    def _roll_back(
        self, device: Device, change: DevEuiChange, refused: dict[str, PestError]
    ) -> Device:
        """Put every side back to the old DevEUI: our record now, the sides that may hold
        the new one by pushing the old value (a refused side never took the new one)."""
        reason = "; ".join(str(exc) for exc in refused.values())
        undo = [s for s in (IOT_DEVEUI, ERP_BARCODE) if s not in refused]
        latest = self.get(device.tenant_id, device.device_id)
        others = [s for s in latest.pending_sync if s not in DEVEUI_STEPS]
        saved = self.devices.save(
            latest.model_copy(
                update={
                    "deveui": change.old,
                    "pending_sync": _unique([*others, *undo]),
                    "deveui_change": change.model_copy(
                        update={"state": "rolling_back", "reason": reason}
                    ),
                    "updated_at": self.clock(),
                }
            )
        )
        self.devices.release_deveui(saved.tenant_id, change.new, saved.device_id)
        if not is_default(change.old):
            with contextlib.suppress(DuplicateDevEui):  # taken meanwhile: its owner keeps it
                self.devices.reserve_deveui(saved.tenant_id, change.old, saved.device_id)
        self._audit(saved, "sync-bridge", "deveui_rolled_back", "deveui", change.new, change.old)
        return self._settle_deveui(self._push_pending(saved))

    def _save_change(self, device: Device, change: DevEuiChange) -> Device:
        for attempt in range(CONCURRENT_ATTEMPTS):
            latest = device if attempt == 0 else self.get(device.tenant_id, device.device_id)
            try:
                return self.devices.save(latest.model_copy(update={"deveui_change": change}))
            except ConcurrentUpdate:
                if attempt == CONCURRENT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _push(self, device: Device, step: str) -> None:
        if step.startswith("iot:") and device.provision is ProvisionState.INTENT:
            raise Conflict(f"device {device.device_id} is not in Microshare yet (create-devices)")
        if step == IOT_STATUS:
            self.iot.update_device(device.rec_type, device.point_ref, status=device.status.value)
        elif step == IOT_DEVEUI:
            self.iot.update_device(device.rec_type, device.point_ref, deveui=device.deveui)
        elif step == ERP_STATUS:
            self.erp.write_point_fields(device.point_id, {"device_status": device.status.value})
        elif step == ERP_BARCODE:
            # the default DevEUI is no barcode (barcodes are unique): clear it instead
            barcode = None if is_default(device.deveui) else device.deveui
            self.erp.write_point_fields(device.point_id, {"barcode": barcode})

    def adopt_iot_state(
        self,
        tenant: str,
        iot_devices: list[IotDevice],
        config: PestConfig,
        observed_at: datetime,
    ) -> dict[str, int]:
        """Microshare is the source of truth for device state: a status changed there (a
        field technician set `maintenance`), or hardware assigned there directly, is taken
        into our record and mirrored to the ERP. Only devices we last changed before
        `observed_at` (when `iot_devices` was read) qualify, and none with our own changes
        still pending for Microshare: ours are newer then."""
        by_ref = {(d.point_ref or "").casefold(): d for d in iot_devices if d.point_ref}
        adopted = {"status": 0, "deveui": 0}
        for device in self.devices.list(tenant):
            iot_dev = by_ref.get(device.point_ref.casefold())
            if iot_dev is None or device.provision is ProvisionState.INTENT:
                continue
            if device.updated_at >= observed_at:
                continue
            if any(step.startswith("iot:") for step in device.pending_sync):
                continue
            update: dict[str, object] = {}
            pending = list(device.pending_sync)
            audits: list[tuple[str, str, str | None, str | None]] = []
            status = _status_or_none(iot_dev.status)
            if status is not None and status is not device.status:
                update["status"] = status
                if config.mirror_status:
                    pending.append(ERP_STATUS)
                audits.append(("status_adopted", "status", device.status.value, status.value))
            if (
                not is_default(iot_dev.deveui)
                and iot_dev.deveui != device.deveui
                and not device.has_real_deveui
            ):
                try:
                    self.devices.reserve_deveui(tenant, iot_dev.deveui, device.device_id)
                except DuplicateDevEui:
                    pass  # held by another device of ours: leave it for a person to resolve
                else:
                    update["deveui"] = iot_dev.deveui
                    pending.append(ERP_BARCODE)
                    audits.append(("deveui_adopted", "deveui", device.deveui, iot_dev.deveui))
            if not update:
                continue
            update["pending_sync"] = _unique(pending)
            update["updated_at"] = self.clock()
            try:
                saved = self.devices.save(device.model_copy(update=update))
            except Conflict:
                continue  # changed meanwhile; the next run looks again
            for action, field, old, new in audits:
                self._audit(saved, "microshare", action, field, old, new)
                adopted[field] += 1
            self.sync_sides(saved)
        return adopted

    def retry_pending(self, tenant: str) -> dict[str, int]:
        """Finish the steps earlier calls could not (a side was down)."""
        retried = finished = 0
        for device in self.devices.list(tenant):
            if not device.pending_sync:
                continue
            retried += 1
            try:
                if not self.sync_sides(device).pending_sync:
                    finished += 1
            except Conflict:
                continue
        return {"retried": retried, "finished": finished}

    def _audit(
        self, device: Device, actor: str, action: str, field: str, old: str | None, new: str | None
    ) -> None:
        self.audit.append(
            device.tenant_id,
            device.device_id,
            AuditEntry(at=self.clock(), actor=actor, action=action, field=field, old=old, new=new),
        )


def _is_refusal(exc: PestError) -> bool:
    """A side said no for good (a business rule, a record gone), not "not now"."""
    return isinstance(exc, Conflict | RecordMissing) and not isinstance(exc, ConcurrentUpdate)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _status_or_none(value: str | None) -> DeviceStatus | None:
    try:
        return DeviceStatus(value) if value else None
    except ValueError:
        return None
