"""Preventive maintenance: which devices will fail soon, and the work orders that follow.

The method is deliberately transparent, so a technician can check it by hand:
- battery: a robust straight line (Theil-Sen: the median of pairwise slopes, so one bad
  reading does not bend it) through the recent charge readings, extended to the threshold;
- signal: the recent median RSSI against the device's own earlier median, and against the
  radio's floor;
- silence: the time since the last uplink against the device's own reporting rhythm.
Each finding carries the numbers it was drawn from. Work orders are planned so that exactly
one open order stands per device and problem: created once, updated when the reason
changes, closed when the problem clears.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

from pydantic import BaseModel

from syncbridge.domain.insights.models import (
    Attention,
    HealthReading,
    Problem,
    WorkOrder,
    WorkOrderAction,
)

DAY = 86400.0


class MaintenancePolicy(BaseModel):
    """The thresholds a tenant can change; the defaults suit LoRaWAN trap sensors."""

    battery_threshold_pct: float = 20.0
    horizon_days: int = 14
    trend_window_days: int = 30
    min_trend_readings: int = 5
    signal_floor_dbm: float = -115.0
    signal_drop_db: float = 10.0
    recent_days: int = 7
    silence_factor: float = 4.0
    min_silence_hours: float = 6.0


def theil_sen_slope(xs: list[float], ys: list[float]) -> float:
    """The median of the slopes between every pair of points (robust to outliers)."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    return median(slopes) if slopes else 0.0


def _thin(readings: list[HealthReading], most: int = 120) -> list[HealthReading]:
    """Every k-th reading so the pairwise slopes stay cheap on chatty devices."""
    step = max(1, len(readings) // most)
    return readings[::step]


def battery_finding(
    readings: list[HealthReading], now: datetime, policy: MaintenancePolicy
) -> Attention | None:
    since = now - timedelta(days=policy.trend_window_days)
    points = [r for r in readings if r.battery_pct is not None and r.at >= since]
    if not points:
        return None
    last = points[-1]
    level = float(last.battery_pct or 0.0)
    threshold = policy.battery_threshold_pct
    if level <= threshold:
        return Attention(
            deveui=last.deveui,
            point_ref=last.point_ref,
            problem=Problem.BATTERY,
            severity=1.0,
            reason=f"battery at {level:.0f}%, at or below the {threshold:.0f}% threshold",
            due=now.date(),
        )
    if len(points) < policy.min_trend_readings:
        return None
    sample = _thin(points)
    t0 = sample[0].at
    xs = [(r.at - t0).total_seconds() / DAY for r in sample]
    ys = [float(r.battery_pct or 0.0) for r in sample]
    slope = theil_sen_slope(xs, ys)  # percent per day
    if slope >= 0:
        return None
    days_left = (level - threshold) / -slope
    if days_left > policy.horizon_days:
        return None
    due = (now + timedelta(days=days_left)).date()
    return Attention(
        deveui=last.deveui,
        point_ref=last.point_ref,
        problem=Problem.BATTERY,
        severity=round(1.0 - days_left / policy.horizon_days, 3),
        reason=(
            f"battery {level:.0f}% falling {-slope:.2f}%/day over {len(points)} readings: "
            f"reaches {threshold:.0f}% in {days_left:.1f} days"
        ),
        due=due,
    )


def signal_finding(
    readings: list[HealthReading], now: datetime, policy: MaintenancePolicy
) -> Attention | None:
    recent_from = now - timedelta(days=policy.recent_days)
    window_from = now - timedelta(days=policy.trend_window_days)
    recent = [r.rssi for r in readings if r.rssi is not None and r.at >= recent_from]
    earlier = [r.rssi for r in readings if r.rssi is not None and window_from <= r.at < recent_from]
    if len(recent) < 3:
        return None
    now_rssi = median(recent)
    last = readings[-1]
    if now_rssi <= policy.signal_floor_dbm:
        reason = (
            f"median RSSI {now_rssi:.0f} dBm over {policy.recent_days} days is at or below "
            f"the {policy.signal_floor_dbm:.0f} dBm floor"
        )
        severity = 1.0
    elif len(earlier) >= 3 and median(earlier) - now_rssi >= policy.signal_drop_db:
        drop = median(earlier) - now_rssi
        reason = (
            f"median RSSI fell {drop:.0f} dB ({median(earlier):.0f} → {now_rssi:.0f} dBm): "
            "antenna obstructed or device moved"
        )
        severity = round(min(1.0, drop / (2 * policy.signal_drop_db)), 3)
    else:
        return None
    return Attention(
        deveui=last.deveui,
        point_ref=last.point_ref,
        problem=Problem.SIGNAL,
        severity=severity,
        reason=reason,
        due=now.date(),
    )


def silence_finding(
    readings: list[HealthReading], now: datetime, policy: MaintenancePolicy
) -> Attention | None:
    if not readings:
        return None
    last = readings[-1]
    gaps = [(b.at - a.at).total_seconds() / 3600.0 for a, b in pairwise(readings) if b.at > a.at]
    rhythm = median(gaps) if gaps else 24.0
    allowed = max(policy.min_silence_hours, policy.silence_factor * rhythm)
    silent_hours = (now - last.at).total_seconds() / 3600.0
    if silent_hours <= allowed:
        return None
    return Attention(
        deveui=last.deveui,
        point_ref=last.point_ref,
        problem=Problem.SILENT,
        severity=1.0,
        reason=(
            f"silent for {silent_hours:.0f} h (last uplink {last.at:%Y-%m-%d %H:%M} UTC); "
            f"it usually reports every {rhythm:.1f} h"
        ),
        due=last.at.date(),
    )


def predict(
    readings: Iterable[HealthReading], now: datetime, policy: MaintenancePolicy | None = None
) -> list[Attention]:
    """Every device's findings, most urgent first (a device may need attention twice)."""
    policy = policy or MaintenancePolicy()
    by_device: dict[str, list[HealthReading]] = defaultdict(list)
    for reading in readings:
        if reading.at <= now:
            by_device[reading.deveui].append(reading)
    findings: list[Attention] = []
    for device_readings in by_device.values():
        device_readings.sort(key=lambda r: r.at)
        silent = silence_finding(device_readings, now, policy)
        if silent:
            findings.append(silent)
            continue  # a silent device's battery and signal figures are stale
        for finder in (battery_finding, signal_finding):
            found = finder(device_readings, now, policy)
            if found:
                findings.append(found)
    findings.sort(key=lambda a: (-a.severity, a.deveui, a.problem.value))
    return findings


def describe(attention: Attention) -> str:
    due = f" Due {attention.due.isoformat()}." if attention.due else ""
    return f"{attention.reason}.{due} [{attention.key}]"


def title_for(attention: Attention) -> str:
    what = {
        Problem.BATTERY: "Replace battery",
        Problem.SIGNAL: "Check signal / antenna",
        Problem.SILENT: "Device not reporting",
    }[attention.problem]
    where = attention.point_ref or attention.deveui
    return f"Preventive: {what} at {where}"


def plan_work_orders(
    findings: Iterable[Attention], open_orders: Iterable[WorkOrder]
) -> list[WorkOrderAction]:
    """The ERP writes that leave one open order per live problem and none for cleared ones.

    Running it twice on the same input after applying it yields only `keep` actions.
    """
    orders = {o.key: o for o in open_orders if o.open and o.key.startswith("pm:")}
    actions: list[WorkOrderAction] = []
    live: set[str] = set()
    for finding in findings:
        if finding.key in live:
            continue
        live.add(finding.key)
        text = describe(finding)
        existing = orders.get(finding.key)
        if existing is None:
            actions.append(
                WorkOrderAction(
                    kind="create", key=finding.key, title=title_for(finding), description=text
                )
            )
        elif existing.description.strip() != text:
            actions.append(
                WorkOrderAction(
                    kind="update", key=finding.key, order_id=existing.id, description=text
                )
            )
        else:
            actions.append(WorkOrderAction(kind="keep", key=finding.key, order_id=existing.id))
    for key, order in sorted(orders.items()):
        if key not in live:
            actions.append(WorkOrderAction(kind="close", key=key, order_id=order.id))
    return actions
