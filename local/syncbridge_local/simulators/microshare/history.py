"""Realistic device history for the Microshare simulator: health uplinks and pest events.

Trap sensors report a few times a day. Real fleets are not uniform, so the generator gives
each device a profile: most drain slowly with a steady signal; some drain fast (a cold
store, a chatty firmware), some have a flaky or degrading radio (a pallet parked in front
of the antenna), some go silent (battery pulled, device crushed). Pest events follow a
season (more in autumn and winter) and cluster on a few hot points. Everything derives
from one seed, so a test or the demo sees the same history every time.

Shapes follow Microshare's unpacked standard: `data.device_health` with `charge` and
`voltage` as `[{"unit", "value"}]`, radio figures in `data.meta.iot` (`rssi`, `snr`,
`time`, `fcnt_up`), the device's location in `data.meta.device`, the trap state in
`data.trap` (our assumption: the standard names no trap-state field).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TRAP_HEALTH = "io.microshare.trap.unpacked"
RODENT_ALERTS = "io.microshare.event.alert.rodent"
PROFILES = ("steady", "fast_drain", "flaky_signal", "degrading_signal", "silent")


@dataclass(frozen=True)
class DeviceProfile:
    deveui: str
    location: list[str]
    kind: str
    start_battery: float
    drain_per_day: float
    base_rssi: float
    silent_after_days: float | None = None


def profiles(devices: list[dict[str, Any]], rng: random.Random) -> list[DeviceProfile]:
    """One profile per device; the first ones cover every kind, the rest are mostly steady."""
    out = []
    for index, device in enumerate(devices):
        kind = (
            PROFILES[index] if index < len(PROFILES) else rng.choice(("steady",) * 6 + PROFILES[1:])
        )
        start = {"fast_drain": 38.0}.get(kind, rng.uniform(70, 98))
        drain = {"fast_drain": 1.1}.get(kind, rng.uniform(0.02, 0.12))
        out.append(
            DeviceProfile(
                deveui=device["id"],
                location=list(device.get("meta", {}).get("location", [])),
                kind=kind,
                start_battery=start,
                drain_per_day=drain,
                base_rssi=rng.uniform(-92, -78),
                silent_after_days=rng.uniform(0.55, 0.8) if kind == "silent" else None,
            )
        )
    return out


def health_uplinks(
    profile: DeviceProfile, start: datetime, days: int, rng: random.Random, every_hours: float = 6.0
) -> list[dict[str, Any]]:
    """The device's unpacked uplinks from `start` for `days` days."""
    out = []
    steps = int(days * 24 / every_hours)
    for step in range(steps):
        day = step * every_hours / 24.0
        if profile.silent_after_days is not None and day > profile.silent_after_days * days:
            break
        if rng.random() < 0.03:  # a lost uplink now and then
            continue
        at = start + timedelta(hours=step * every_hours, minutes=rng.randint(0, 9))
        battery = max(0.0, profile.start_battery - profile.drain_per_day * day + rng.gauss(0, 0.4))
        rssi = profile.base_rssi + rng.gauss(0, 2.5)
        if profile.kind == "flaky_signal" and rng.random() < 0.35:
            rssi -= rng.uniform(12, 25)
        if profile.kind == "degrading_signal" and day > days * 0.7:
            rssi -= 16
        snr = max(-20.0, min(12.0, 9.0 + (rssi + 85) / 3 + rng.gauss(0, 1)))
        stamp = at.isoformat().replace("+00:00", "Z")
        out.append(
            {
                "id": f"h-{profile.deveui[-5:].replace('-', '')}-{step:05d}",
                "recType": TRAP_HEALTH,
                "createDate": stamp,
                "data": {
                    "device_health": {
                        "id": profile.deveui,
                        "charge": [{"unit": "%", "value": round(battery, 1)}],
                        "voltage": [{"unit": "V", "value": round(2.7 + battery / 100 * 0.9, 2)}],
                    },
                    "trap": [{"value": "armed"}],
                    "meta": {
                        "device": list(profile.location),
                        "iot": {
                            "device_id": profile.deveui,
                            "rssi": round(rssi),
                            "snr": round(snr, 1),
                            "time": stamp,
                            "fcnt_up": step,
                            "type": "uplink",
                        },
                    },
                },
            }
        )
    return out


def seasonal_alerts(
    profiles_: list[DeviceProfile], end: datetime, months: int, rng: random.Random
) -> list[dict[str, Any]]:
    """Rodent alerts over `months` months before `end`, peaking in autumn, on a few hot points."""
    out = []
    hot = {p.deveui for p in profiles_[: max(1, len(profiles_) // 3)]}
    start = end - timedelta(days=30 * months)
    day = start
    counter = 0
    while day < end:
        season = 1.0 + 0.8 * math.cos((day.month - 11) / 12 * 2 * math.pi)  # peak in November
        for profile in profiles_:
            rate = (0.12 if profile.deveui in hot else 0.02) * season
            if rng.random() < rate:
                counter += 1
                at = day + timedelta(hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
                out.append(
                    {
                        "id": f"hist-rodent-{counter:05d}",
                        "recType": RODENT_ALERTS,
                        "createDate": at.isoformat().replace("+00:00", "Z"),
                        "data": {
                            "event": "rodent_present",
                            "device": {
                                "id": profile.deveui,
                                "meta": {"location": list(profile.location)},
                            },
                        },
                    }
                )
        day += timedelta(days=1)
    return out


def generate(
    devices: list[dict[str, Any]],
    end: datetime,
    *,
    days: int = 30,
    alert_months: int = 12,
    seed: int = 7,
) -> tuple[list[DeviceProfile], list[dict[str, Any]], list[dict[str, Any]]]:
    """Profiles, health uplinks (the last `days` days) and alerts (the last `alert_months`)."""
    rng = random.Random(seed)
    chosen = profiles(devices, rng)
    start = end - timedelta(days=days)
    uplinks = [u for p in chosen for u in health_uplinks(p, start, days, rng)]
    alerts = seasonal_alerts(chosen, end, alert_months, rng)
    return chosen, uplinks, alerts
