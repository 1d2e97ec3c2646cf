"""Report charts with matplotlib's object API (no pyplot state: safe across requests)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence

from matplotlib.figure import Figure

from syncbridge.domain.insights.analytics import SeasonalRow, SiteRisk
from syncbridge.domain.insights.reports import SiteReport

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
PALETTE = ["#2f6f4f", "#c4622d", "#3b6ea5", "#8a6d3b", "#7b4f9d", "#4f8a8b"]


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def report_chart(rows: Sequence[SiteReport], fmt: str = "png") -> bytes:
    """Coverage and median response per site for one month, side by side."""
    fig = Figure(figsize=(9, 3.6))
    coverage_ax, response_ax = fig.subplots(1, 2)
    sites = [r.site for r in rows] or ["(no sites)"]
    coverage_ax.barh(sites, [r.coverage_pct for r in rows] or [0], color=PALETTE[0])
    coverage_ax.set_xlim(0, 100)
    coverage_ax.set_xlabel("points with a working sensor (%)")
    coverage_ax.set_title("Sensor coverage")
    response_ax.barh(sites, [r.median_response_hours or 0 for r in rows] or [0], color=PALETTE[1])
    response_ax.set_xlabel("hours from alert to visit (median)")
    response_ax.set_title("Response time")
    month = rows[0].month if rows else ""
    fig.suptitle(f"Pest-control report {month}")
    return _render(fig, fmt)


def seasonal_chart(rows: Sequence[SeasonalRow], fmt: str = "png") -> bytes:
    """Alerts per period, one line per site and pest type."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    periods = sorted({r.period for r in rows})
    series: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        series[f"{row.site} · {row.pest_type}"][row.period] = row.alerts
    for i, (label, values) in enumerate(sorted(series.items())):
        ax.plot(
            periods,
            [values.get(p, 0) for p in periods],
            marker="o",
            label=label,
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_ylabel("alerts")
    ax.set_title("Pest activity by period")
    if series:
        ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=45)
    return _render(fig, fmt)


def risk_chart(risks: Sequence[SiteRisk], fmt: str = "png") -> bytes:
    """Each site's risk score as stacked named parts, so the reasons are visible."""
    fig = Figure(figsize=(9, 0.6 * max(3, len(risks)) + 1))
    ax = fig.subplots()
    sites = [r.site for r in risks]
    names = [p.name for p in risks[0].parts] if risks else []
    left = [0.0] * len(risks)
    for i, name in enumerate(names):
        values = [next(p.points for p in r.parts if p.name == name) for r in risks]
        ax.barh(sites, values, left=left, label=name, color=PALETTE[i % len(PALETTE)])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("risk score (0-100)")
    ax.set_title("Site risk and what it is made of")
    if names:
        ax.legend(fontsize=8, loc="lower right")
    return _render(fig, fmt)
