"""Load benchmark of the local runtime: ERP change events pushed by concurrent clients.

    python -m benchmarks.runtime_load                       # make bench-runtime
    python -m benchmarks.runtime_load --clients 10 --duration 20 --json out.json

What it does, end to end through the product's own template:
1. starts `LocalRuntime` on template.yaml (moto, simulators, API gateway, queue pollers);
2. bootstraps a tenant at our OAuth server, registers an ERP client with `events:write` and
   takes a token, and marks the tenant's guided setup complete (so events create records);
3. warm-up: a few requests per client, not measured (cold starts are reported apart);
4. `--clients` client threads in a separate process (so the load generator does not share
   the runtime's interpreter) each POST events one after another for `--duration` seconds
   (or until `--events` were sent): every event is a new product record;
5. waits until every queue is drained and checks each accepted event was applied exactly
   once: one successful delivery of its message to the applier, no redelivery, nothing in
   a dead-letter queue, and its home record reads the name the event carried.

Prints a table (throughput, latency percentiles, drain time) and exits 1 when a check
fails. The targets (>= 200 events/s at 16 clients with p99 <= 250 ms) are reported, not
asserted: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench-taproom"
TARGET_RATE = 200.0
TARGET_P99_MS = 250.0


@dataclass
class LoadResult:
    clients: int
    duration_s: float
    sent: int
    accepted: int
    refused: dict[str, int]
    latencies_ms: list[float] = field(repr=False)
    accepted_ids: list[str] = field(repr=False)

    @property
    def rate(self) -> float:
        return self.accepted / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]


def event_body(index: int, run: str) -> dict[str, Any]:
    resource_id = f"bench-{run}-{index}"
    return {
        "event_id": str(uuid.uuid4()),
        "resource_type": "products",
        "action": "created",
        "resource_id": resource_id,
        "occurred_at": "2026-03-01T12:00:00Z",
        "data": {"id": resource_id, "name": f"Bench beer {index}", "sku": f"B-{index}"},
    }


# ------------------------------------------------------------------ the load generator
def _client_loop(
    base_url: str,
    token: str,
    run: str,
    first_index: int,
    stride: int,
    stop_at: float,
    budget: int,
    out: list[tuple[float, int, str]],
) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    index = first_index
    with httpx.Client(base_url=base_url, timeout=30) as http:
        while time.monotonic() < stop_at and index < budget:
            body = event_body(index, run)
            started = time.perf_counter()
            try:
                reply = http.post("/api/v1/erp/ekos/events", json=body, headers=headers)
                status = reply.status_code
            except httpx.HTTPError:
                status = 0
            out.append(((time.perf_counter() - started) * 1000, status, body["resource_id"]))
            index += stride


def generate_load(
    base_url: str, token: str, run: str, clients: int, duration: float, events: int
) -> dict[str, Any]:
    """Run `clients` closed-loop client threads (in the calling process); raw results."""
    per_client: list[list[tuple[float, int, str]]] = [[] for _ in range(clients)]
    started = time.monotonic()
    stop_at = started + duration
    threads = [
        threading.Thread(
            target=_client_loop,
            args=(base_url, token, run, i, clients, stop_at, events, per_client[i]),
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"elapsed": elapsed, "samples": [s for samples in per_client for s in samples]}


def _load_in_child(queue: Any, *args: Any) -> None:
    queue.put(generate_load(*args))


def run_load(
    base_url: str, token: str, run: str, clients: int, duration: float, events: int
) -> LoadResult:
    """The load from a separate process (a spawned interpreter, like an external client)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(
        target=_load_in_child, args=(queue, base_url, token, run, clients, duration, events)
    )
    process.start()
    raw = queue.get(timeout=duration + 120)
    process.join(timeout=30)
    samples = raw["samples"]
    refused: dict[str, int] = {}
    for _, status, _ in samples:
        if status != 202:
            refused[str(status)] = refused.get(str(status), 0) + 1
    return LoadResult(
        clients=clients,
        duration_s=raw["elapsed"],
        sent=len(samples),
        accepted=sum(1 for _, status, _ in samples if status == 202),
        refused=refused,
        latencies_ms=[ms for ms, status, _ in samples if status == 202],
        accepted_ids=[rid for _, status, rid in samples if status == 202],
    )


def cpu_seconds(rt: Any) -> dict[str, float]:
    """CPU time (user + system) so far of the runtime's process, moto's and each function's
    environments, to see where the work goes (the machine may be shared)."""
    import psutil

    from syncbridge_local import moto_server

    def used(pid: int | None) -> float:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.Error, ValueError):
            return 0.0
        return times.user + times.system

    seconds = {"runtime process": used(os.getpid())}
    moto = getattr(moto_server, "_process", None)
    if moto is not None:
        seconds["moto"] = used(moto.pid)
    for function_id, host in rt.functions.items():
        pids = host.pids() if hasattr(host, "pids") else []
        if pids:
            seconds[function_id] = sum(used(pid) for pid in pids)
    return seconds


# ------------------------------------------------------------------ the product side
def _token(http: Any, client_id: str, secret: str, scope: str) -> str:
    reply = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
    )
    reply.raise_for_status()
    return reply.json()["access_token"]


def prepare_tenant(rt: Any) -> str:
    """A tenant with an ERP client holding an events:write token and a completed setup."""
    import httpx

    from syncbridge.authserver.service import bootstrap_tenant
    from syncbridge.authserver.store import OAuthStore
    from syncbridge.domain.setup.models import Setup
    from syncbridge.store.setup import DynamoSetupRepository

    with rt.env_of("OAuthFunction"):
        admin = bootstrap_tenant(OAuthStore(), TENANT, name="bench admin")
    with rt.env_of("ApplierFunction"):
        setups = DynamoSetupRepository()
        setups.start(Setup(tenant_id=TENANT, connection_id="bench", erp="ekos", run_id="bench"))
        setups.complete(TENANT, "bench")
    with httpx.Client(base_url=rt.base_url, timeout=30) as http:
        admin_token = _token(http, admin.client_id, admin.client_secret or "", "admin")
        reply = http.post(
            "/oauth/clients",
            json={"name": "bench ERP", "scope": "events:write"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        reply.raise_for_status()
        erp = reply.json()
        return _token(http, erp["client_id"], erp["client_secret"], "events:write")


def verify_applied_once(rt: Any, resource_ids: list[str]) -> list[str]:
    """Problems found (empty: every accepted event was applied exactly once)."""
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
    from syncbridge.domain.setup.applier import home_id_for

    problems: list[str] = []
    deliveries: dict[str, int] = {}
    failed_deliveries = 0
    for call in rt.invocations("ApplierFunction"):
        records = (call.event or {}).get("Records", []) if isinstance(call.event, dict) else []
        if not records or not str(records[0].get("eventSourceARN", "")).endswith(".fifo"):
            continue
        failures = {
            f.get("itemIdentifier") for f in ((call.result or {}).get("batchItemFailures") or [])
        }
        for record in records:
            if call.error is not None or record["messageId"] in failures:
                failed_deliveries += 1
                continue
            resource_id = json.loads(record["body"])["event"]["resource_id"]
            deliveries[resource_id] = deliveries.get(resource_id, 0) + 1
    if failed_deliveries:
        problems.append(f"{failed_deliveries} deliveries failed (retried)")
    missing = [r for r in resource_ids if r not in deliveries]
    twice = [r for r, n in deliveries.items() if n > 1]
    if missing:
        problems.append(f"{len(missing)} accepted events never applied, e.g. {missing[:3]}")
    if twice:
        problems.append(f"{len(twice)} events applied more than once, e.g. {twice[:3]}")
    with rt.env_of("ApplierFunction"):
        home = DynamoHomePlatform()
        wrong = []
        for resource_id in resource_ids:
            record = home.get(
                TENANT, "products", home_id_for(TENANT, "ekos", "products", resource_id)
            )
            index = resource_id.rsplit("-", 1)[1]
            if record is None or record.fields.get("name") != f"Bench beer {index}":
                wrong.append(resource_id)
    if wrong:
        problems.append(f"{len(wrong)} home records missing or wrong, e.g. {wrong[:3]}")
    for logical_id in rt.template.of_type("AWS::SQS::Queue"):
        counts = rt.queue_counts(logical_id)
        if sum(counts.values()):
            problems.append(f"{logical_id} not drained: {counts}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.runtime_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--events", type=int, default=100_000, help="stop after this many")
    parser.add_argument("--warmup", type=int, default=3, help="requests per client, unmeasured")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--template", default=str(REPO_ROOT / "template.yaml"))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--runtime-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra LocalRuntime option (JSON value), e.g. concurrency=16",
    )
    args = parser.parse_args(argv)

    from syncbridge_local.runtime import LocalRuntime

    options: dict[str, Any] = {"schedules": False}
    for item in args.runtime_option:
        name, _, value = item.partition("=")
        options[name] = json.loads(value)
    started = time.monotonic()
    with LocalRuntime.start(args.template, **options) as rt:
        startup = time.monotonic() - started
        token = prepare_tenant(rt)
        warm = run_load(rt.base_url, token, "warm", args.clients, 600, args.warmup * args.clients)
        rt.wait_idle(timeout=args.drain_timeout)
        cpu_before = cpu_seconds(rt)
        result = run_load(rt.base_url, token, "load", args.clients, args.duration, args.events)
        drain_started = time.monotonic()
        rt.wait_idle(timeout=args.drain_timeout)
        drain = time.monotonic() - drain_started
        cpu_after = cpu_seconds(rt)
        problems = verify_applied_once(rt, warm.accepted_ids + result.accepted_ids)

    figures = {
        "clients": result.clients,
        "duration_s": round(result.duration_s, 1),
        "sent": result.sent,
        "accepted": result.accepted,
        "refused": result.refused,
        "events_per_s": round(result.rate, 1),
        "p50_ms": round(result.percentile(50), 1),
        "p90_ms": round(result.percentile(90), 1),
        "p99_ms": round(result.percentile(99), 1),
        "max_ms": round(max(result.latencies_ms, default=float("nan")), 1),
        "mean_ms": round(statistics.fmean(result.latencies_ms), 1) if result.latencies_ms else None,
        "warmup_p50_ms": round(warm.percentile(50), 1),
        "warmup_max_ms": round(max(warm.latencies_ms, default=float("nan")), 1),
        "drain_s": round(drain, 1),
        "startup_s": round(startup, 1),
        "cpu_s_per_1000_events": {
            name: round((spent - cpu_before.get(name, 0.0)) / max(1, result.accepted) * 1000, 2)
            for name, spent in cpu_after.items()
        },
        "applied_exactly_once": not problems,
        "problems": problems,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }
    print(
        f"{'clients':>8} {'accepted':>9} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'drain s':>8}  exactly once"
    )
    print(
        f"{figures['clients']:>8} {figures['accepted']:>9} {figures['events_per_s']:>9} "
        f"{figures['p50_ms']:>8} {figures['p99_ms']:>8} {figures['max_ms']:>8} "
        f"{figures['drain_s']:>8}  {'yes' if not problems else 'NO'}"
    )
    print(
        f"goal: >= {TARGET_RATE:.0f} events/s at 16 clients, p99 <= {TARGET_P99_MS:.0f} ms -> "
        + (
            "met"
            if result.rate >= TARGET_RATE and result.percentile(99) <= TARGET_P99_MS
            else "not met"
        )
        + f" (startup {figures['startup_s']} s, warm-up p50 {figures['warmup_p50_ms']} ms, "
        f"max {figures['warmup_max_ms']} ms, load average {figures['load_average']:.1f})"
    )
    print(
        "CPU seconds per 1000 events (load and drain): "
        + ", ".join(f"{k} {v}" for k, v in figures["cpu_s_per_1000_events"].items() if v)
    )
    for problem in problems:
        print("PROBLEM:", problem)
    if result.refused:
        print("refused:", result.refused)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
