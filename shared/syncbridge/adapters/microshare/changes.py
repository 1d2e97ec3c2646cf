"""Per-device changes to a cluster, expressed so they can be re-applied to a fresh read.

Microshare has no per-device endpoint: a change is a read-modify-write of the whole
cluster. Each change here is a pure function of the device list (`apply`) plus a
postcondition (`applied`), so the client can re-read, re-apply (merging with whatever
other writers did meanwhile), PUT, and verify that the change survived.

Devices are matched by DevEUI when one is assigned, otherwise by `location[3]` (the ERP
reference): many pending devices share the all-zero placeholder DevEUI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from syncbridge.adapters.microshare.errors import MicroshareConflict, MicroshareNotFound
from syncbridge.adapters.microshare.models import Device
from syncbridge.domain.pest.deveui import is_unassigned, normalize_deveui, same_deveui


@dataclass(frozen=True)
class DeviceMatch:
    """Which device a change is about: by assigned DevEUI, else by ERP reference."""

    deveui: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if not self.reference and (self.deveui is None or is_unassigned(self.deveui)):
            raise ValueError("match a device by an assigned DevEUI or by its reference")

    def matches(self, device: Device) -> bool:
        if self.deveui is not None and not is_unassigned(self.deveui):
            return same_deveui(device.id, self.deveui)
        return device.reference == self.reference

    @classmethod
    def of(cls, device: Device) -> DeviceMatch:
        if device.reference:
            return cls(reference=device.reference)
        return cls(deveui=device.id)


class DeviceChange(Protocol):
    def apply(self, devices: list[Device]) -> list[Device]:
        """The device list with this change made (a new list; input untouched)."""
        ...

    def applied(self, devices: list[Device]) -> bool:
        """True when `devices` already reflect this change."""
        ...


def _index(devices: list[Device], match: DeviceMatch) -> int | None:
    found = [i for i, device in enumerate(devices) if match.matches(device)]
    return found[0] if found else None


@dataclass(frozen=True)
class UpsertDevice:
    """Add `device`, or replace the one it matches (keeping fields we do not model)."""

    device: Device
    match: DeviceMatch | None = None

    def _match(self) -> DeviceMatch:
        return self.match or DeviceMatch.of(self.device)

    def apply(self, devices: list[Device]) -> list[Device]:
        index = _index(devices, self._match())
        _check_unique(devices, self.device.id, index)
        if index is None:
            return [*devices, self.device]
        merged = devices[index].model_copy(
            update={name: getattr(self.device, name) for name in self.device.model_fields_set}
        )
        return [*devices[:index], merged, *devices[index + 1 :]]

    def applied(self, devices: list[Device]) -> bool:
        index = _index(devices, self._match())
        if index is None:
            return False
        current = devices[index]
        return all(
            getattr(current, name) == getattr(self.device, name)
            for name in self.device.model_fields_set
        )


@dataclass(frozen=True)
class SetDeviceStatus:
    match: DeviceMatch
    status: str

    def apply(self, devices: list[Device]) -> list[Device]:
        index = _index(devices, self.match)
        if index is None:
            raise MicroshareNotFound(f"no device matches {self.match}")
        changed = devices[index].model_copy(update={"status": self.status})
        return [*devices[:index], changed, *devices[index + 1 :]]

    def applied(self, devices: list[Device]) -> bool:
        index = _index(devices, self.match)
        return index is not None and devices[index].status == self.status


@dataclass(frozen=True)
class AssignDevEui:
    """Give the device at `reference` its real hardware DevEUI (canonical form)."""

    reference: str
    deveui: str

    def apply(self, devices: list[Device]) -> list[Device]:
        canonical = normalize_deveui(self.deveui)
        index = _index(devices, DeviceMatch(reference=self.reference))
        if index is None:
            raise MicroshareNotFound(f"no device at reference {self.reference}")
        _check_unique(devices, canonical, index)
        changed = devices[index].model_copy(update={"id": canonical})
        return [*devices[:index], changed, *devices[index + 1 :]]

    def applied(self, devices: list[Device]) -> bool:
        index = _index(devices, DeviceMatch(reference=self.reference))
        return index is not None and devices[index].id == normalize_deveui(self.deveui)


@dataclass(frozen=True)
class RemoveDevice:
    match: DeviceMatch

    def apply(self, devices: list[Device]) -> list[Device]:
        return [device for device in devices if not self.match.matches(device)]

    def applied(self, devices: list[Device]) -> bool:
        return _index(devices, self.match) is None


def _check_unique(devices: list[Device], deveui: str, own_index: int | None) -> None:
    """An assigned DevEUI may belong to one device only."""
    if is_unassigned(deveui):
        return
    for i, other in enumerate(devices):
        if i != own_index and same_deveui(other.id, deveui):
            raise MicroshareConflict(
                f"DevEUI {normalize_deveui(deveui)} already belongs to the device at "
                f"{other.reference or 'an unknown location'}"
            )
