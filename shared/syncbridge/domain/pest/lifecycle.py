"""Which device status may follow which.

`pending -> active -> maintenance -> inactive`, with the ways back a field team needs:
maintenance returns to active, an inactive device is re-commissioned through pending.
Activation needs real hardware, so a device still on the default DevEUI cannot go active.
"""

from __future__ import annotations

from syncbridge.domain.pest.errors import Conflict
from syncbridge.domain.pest.models import Device, DeviceStatus

S = DeviceStatus

ALLOWED: dict[DeviceStatus, frozenset[DeviceStatus]] = {
    S.PENDING: frozenset({S.ACTIVE, S.INACTIVE}),
    S.ACTIVE: frozenset({S.MAINTENANCE, S.INACTIVE}),
    S.MAINTENANCE: frozenset({S.ACTIVE, S.INACTIVE}),
    S.INACTIVE: frozenset({S.PENDING}),
}


class InvalidTransition(Conflict):
    """The device's current status does not allow the requested one."""


def check_transition(device: Device, target: DeviceStatus) -> None:
    """Raise `InvalidTransition` unless `device` may move to `target`."""
    current = device.status
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none"
        raise InvalidTransition(
            f"cannot move device {device.device_id} from {current.value} to {target.value} "
            f"(allowed: {allowed})"
        )
    if target is S.ACTIVE and not device.has_real_deveui:
        raise InvalidTransition(
            f"device {device.device_id} still has the default DevEUI: assign and confirm a "
            "real DevEUI before activating it"
        )
