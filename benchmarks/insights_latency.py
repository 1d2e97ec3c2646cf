"""Latency of the report endpoints on the local runtime, after the demo's month of history.

    python -m benchmarks.insights_latency                 # make bench-insights
    python -m benchmarks.insights_latency --requests 50 --json out.json

Starts `LocalRuntime` on template.yaml, runs the pest-control and insights demo steps
(Golden Crust: 11 points, 7 live sensors, 30 days of health uplinks, a year of alerts,
visits in Odoo, one collect), then sends `--requests` sequential requests to each report
endpoint as a viewer and prints p50 / p95 / p99 / max per endpoint. Reported, not
asserted: the machine may be shared.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.insights_latency", description=__doc__
    )
    parser.add_argument("--requests", type=int, default=30, help="requests per endpoint")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")

    from syncbridge_local.demo import DemoContext
    from syncbridge_local.demo.insights_walkthrough import SITE, insights_walkthrough
    from syncbridge_local.demo.pest_walkthrough import pest_walkthrough
    from syncbridge_local.runtime import LocalRuntime

    print("starting the local runtime and loading a month of Golden Crust history...", flush=True)
    runtime = LocalRuntime.start(schedules=False, retry_delay=1, poll_wait=1)
    try:
        with httpx.Client(base_url=runtime.base_url, timeout=60) as http:
            ctx = DemoContext(runtime=runtime, http=http, out=io.StringIO())
            pest_walkthrough(ctx)
            insights_walkthrough(ctx)
            viewer = {"Authorization": f"Bearer {ctx.state['pest_tokens']['viewer']}"}
            now = datetime.now(UTC)
            month = f"{now:%Y-%m}"
            pack = {
                "site": SITE,
                "from": (now - timedelta(days=30)).isoformat(),
                "to": now.isoformat(),
            }
            endpoints = {
                "report json": (f"/api/v1/erp/reports/{month}", {}),
                "report csv": (f"/api/v1/erp/reports/{month}", {"format": "csv"}),
                "report png": (f"/api/v1/erp/reports/{month}", {"format": "png"}),
                "usage json": (f"/api/v1/erp/usage/{month}", {}),
                "service history": ("/api/v1/erp/insights/service-history", {}),
                "maintenance": ("/api/v1/erp/insights/maintenance", {}),
                "risk png": ("/api/v1/erp/insights/risk", {"format": "png"}),
                "seasonal png": ("/api/v1/erp/insights/seasonal", {"format": "png"}),
                "compliance pdf": ("/api/v1/erp/compliance", {**pack, "format": "pdf"}),
            }
            rows = []
            for name, (path, params) in endpoints.items():
                timings = []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    reply = http.get(path, params=params, headers=viewer)
                    timings.append((time.perf_counter() - started) * 1000)
                    if reply.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {reply.status_code} {reply.text[:200]}")
                rows.append(
                    {
                        "endpoint": name,
                        "requests": len(timings),
                        "p50_ms": round(statistics.median(timings), 1),
                        "p95_ms": round(_percentile(timings, 0.95), 1),
                        "p99_ms": round(_percentile(timings, 0.99), 1),
                        "max_ms": round(max(timings), 1),
                    }
                )
    finally:
        runtime.stop()
    print("\n| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['endpoint']} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['max_ms']} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
