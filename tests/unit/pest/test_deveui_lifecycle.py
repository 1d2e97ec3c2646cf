"""DevEUI normalisation and the device lifecycle rules."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.deveui import InvalidDevEui, is_default, normalize_deveui
from syncbridge.domain.pest.lifecycle import InvalidTransition, check_transition
from syncbridge.domain.pest.models import DEFAULT_DEVEUI, Device, DeviceStatus
from tests.unit.pest.fakes import T0

S = DeviceStatus


@pytest.mark.parametrize(
    "raw",
    [
        "58a0cb0000102f01",
        "58-A0-CB-00-00-10-2F-01",
        "58:a0:cb:00:00:10:2f:01",
        " 58A0CB0000102F01 ",
    ],
)
def test_every_spelling_normalises_to_dashed_upper(raw):
    assert normalize_deveui(raw) == "58-A0-CB-00-00-10-2F-01"


@pytest.mark.parametrize("raw", ["", "58a0cb", "58a0cb0000102f0g", "58a0cb0000102f0101"])
def test_invalid_deveui_is_refused(raw):
    with pytest.raises(InvalidDevEui):
        normalize_deveui(raw)


def test_default_deveui_detection():
    assert is_default("0000000000000000") and is_default(DEFAULT_DEVEUI) and is_default(None)
    assert not is_default("58a0cb0000102f01")


def _device(status: S, deveui: str = "58-A0-CB-00-00-10-2F-01") -> Device:
    return Device(
        tenant_id="t",
        device_id="1",
        point_id="1",
        point_ref="R",
        status=status,
        deveui=deveui,
        created_at=T0,
        updated_at=T0,
    )


# The lifecycle as the field teams run it, written out here (not read from lifecycle.py):
# pending -> active -> maintenance -> inactive; maintenance returns to active; any status but
# inactive may be retired; an inactive device is re-commissioned through pending.
LIFECYCLE = {
    (S.PENDING, S.ACTIVE),
    (S.PENDING, S.INACTIVE),
    (S.ACTIVE, S.MAINTENANCE),
    (S.ACTIVE, S.INACTIVE),
    (S.MAINTENANCE, S.ACTIVE),
    (S.MAINTENANCE, S.INACTIVE),
    (S.INACTIVE, S.PENDING),
}
EVERY_PAIR = [(current, target) for current in S for target in S]


@pytest.mark.parametrize(("current", "target"), sorted(LIFECYCLE))
def test_allowed_transitions_pass_and_leave_the_device_as_it_was(current, target):
    device = _device(current)
    before = device.model_dump()
    assert check_transition(device, target) is None
    assert device.model_dump() == before


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in EVERY_PAIR if pair not in LIFECYCLE]
)
def test_every_other_transition_is_a_conflict_naming_the_allowed_ones(current, target):
    with pytest.raises(InvalidTransition) as info:
        check_transition(_device(current), target)
    assert info.value.http_status == 409
    allowed = sorted(t.value for c, t in LIFECYCLE if c is current)
    assert f"from {current.value} to {target.value}" in str(info.value)
    assert f"(allowed: {', '.join(allowed)})" in str(info.value)


def test_activation_needs_a_real_deveui():
    with pytest.raises(InvalidTransition, match="default DevEUI"):
        check_transition(_device(S.PENDING, DEFAULT_DEVEUI), S.ACTIVE)
