"""Staying in sync under fire (local runtime + the Ekos simulator).

Ekos changes its records N times (updates, new records, deletes, and `created` events for
1% of records the home platform already holds but nothing maps yet). The events reach our
API shuffled, 10% of them twice (half within SQS's deduplication window, half after it),
while an incremental pull meets injected 5xx answers and the applier crashes in the middle
of some batches. Afterwards (dead letters replayed, review items decided as a person
would) the home platform must equal Ekos: nothing lost, nothing duplicated, every failure
visible in the dead letters or the audit trail.

`make test` runs 1,000 events; `make test-sync-soak` runs 10,000 (SYNC_SOAK_EVENTS) and
prints the throughput. Figures go to `.artifacts/sync-soak-<n>.json`.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.api.principal import Principal
from syncbridge.authserver.service import ClientRegistration, bootstrap_tenant, register_client
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.setup.records import home_fields, home_shape
from syncbridge.domain.sync.audit import AuditQuery, iter_entries
from syncbridge.domain.sync.dead_letters import DeadLetterFilter
from syncbridge.domain.sync.intake import deduplication_id, group_id
from syncbridge.domain.sync.models import RESOURCE_TYPES
from syncbridge.store.audit import DynamoAuditTrail
from syncbridge.store.dead_letters import SqsDeadLetterQueues
from syncbridge.store.setup import DynamoSetupRepository
from syncbridge.store.sync import EventMappingRepository, SyncCursorRepository, SyncReviewItems
from syncbridge_local.simulators import ekos as ekos_sim
from tests.conftest import REPO_ROOT
from tests.integration.sync.test_runtime_flows import connect_to_ekos

pytestmark = pytest.mark.integration
TENANT = "soak-brewery"
EKOS = EkosRecordMapper()
SIZES = {
    "customer-locations": 200,
    "storage-locations": 20,
    "products": 100,
    "product-batches": 500,
}
ARTIFACTS = REPO_ROOT / ".artifacts"
SOAK = os.environ.get("SYNC_SOAK") == "1"


def start(port: int = 0, **_: Any) -> ekos_sim.EkosSimulator:
    """The Ekos simulator of this test (a mid-size brewery)."""
    return ekos_sim.start(port, seed=23, sizes=SIZES, access_token_ttl=3600.0)


@pytest.fixture(scope="module")
def runtime() -> Iterator[Any]:
    from syncbridge.observability import logger
    from syncbridge_local.runtime import LocalRuntime

    level = logger.log_level
    logger.setLevel("WARNING")  # thousands of INFO lines cost more than the work they log
    with LocalRuntime.start(
        REPO_ROOT / "template.yaml",
        schedules=False,
        retry_delay=0,
        poll_wait=1,
        simulators={"EKOS_BASE_URL": __name__},
        parameters={"LogLevel": "WARNING"},
        env={"POWERTOOLS_METRICS_DISABLED": "true"},
    ) as rt:
        try:
            yield rt
        finally:
            logger.setLevel(level)


# ---------------------------------------------------------------- the brewery's changes
class Brewery:
    """Changes Ekos's records (the simulator's state) and writes the events Ekos sends."""

    def __init__(self, sim: Any, rng: random.Random, start_at: datetime) -> None:
        self.sim, self.rng, self.clock = sim, rng, start_at
        self.events: list[dict[str, Any]] = []
        self.created = 0

    def rows(self, rtype: str) -> list[dict[str, Any]]:
        return self.sim.state.records[rtype]

    def live(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.rows(rtype) if not r["deleted"]]

    def _tick(self) -> str:
        self.clock += timedelta(seconds=1)  # one change per second: versions never tie
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _emit(self, rtype: str, action: str, record: dict[str, Any]) -> None:
        self.events.append(
            {
                "event_id": str(uuid.uuid4()),
                "resource_type": rtype,
                "action": action,
                "resource_id": record["id"],
                "occurred_at": record["updated_at"],
                "data": dict(record),
            }
        )

    def change(self, rtype: str, record: dict[str, Any], **fields: Any) -> None:
        with self.sim.state._lock:
            record.update(fields, updated_at=self._tick())
        self._emit(rtype, "deleted" if record.get("deleted") else "updated", record)

    def announce(self, rtype: str, record: dict[str, Any]) -> None:
        """A `created` event for a record Ekos holds (the home platform may hold it too)."""
        with self.sim.state._lock:
            record["updated_at"] = self._tick()
        self._emit(rtype, "created", record)

    def new(self, rtype: str) -> None:
        self.created += 1
        n = self.created
        template = dict(self.rng.choice(self.live(rtype)))
        record = {
            **template,
            "id": f"new-{rtype[:4]}-{n:05d}",
            "deleted": False,
            "updated_at": self._tick(),
        }
        if rtype == "product-batches":
            record |= {
                "lot_code": f"SOAK-{n:05d}",
                "product_id": self.rng.choice(self.live("products"))["id"],
            }
        elif rtype == "products":
            record |= {"name": f"Soak Ale {n}", "sku": f"SOAK-{n:05d}"}
        elif rtype == "customer-locations":
            # a new customer in a known city: its own street, phone and e-mail (a copy of
            # another customer's address, coordinates, phone and e-mail under a new name is
            # by every piece of evidence that customer renamed, and the engine links it)
            record |= {
                "name": f"Soak Taproom {n}",
                "address": {**record["address"], "line1": f"{n} Soak Street", "line2": None},
                "lat": None,
                "lon": None,
                "phone": f"(555) {n // 10000:03d}-{n % 10000:04d}",
                "email": f"orders@soak-taproom-{n}.example",
            }
        else:
            record |= {"name": f"Soak Storage {n}"}
        with self.sim.state._lock:
            self.rows(rtype).append(record)
        self._emit(rtype, "created", record)


def plan(sim: Any, n: int, held: dict[str, list[dict]], rng: random.Random) -> list[dict]:
    """N events: 10% duplicates; of the rest 1% `created` for held records, 10% new
    records, 5% deletes and updates otherwise."""
    last = max(r["updated_at"] for rows in sim.state.records.values() for r in rows)
    brewery = Brewery(sim, rng, datetime.fromisoformat(last.replace("Z", "+00:00")))
    duplicates = n // 10
    unique = n - duplicates
    for rtype, records in held.items():
        for record in records:
            brewery.announce(rtype, record)
    weights = {"customer-locations": 4, "storage-locations": 1, "products": 3, "product-batches": 4}
    kinds = list(weights)
    while len(brewery.events) < unique:
        roll = rng.random()
        rtype = rng.choices(kinds, [weights[k] for k in kinds])[0]
        if roll < 0.10:
            brewery.new(rtype)
        elif roll < 0.15:
            victim = rng.choice(brewery.live(rtype))
            brewery.change(rtype, victim, deleted=True)
        else:
            record = rng.choice(brewery.live(rtype))
            if rtype == "product-batches":
                brewery.change(rtype, record, quantity=rng.randint(1, 400))
            else:
                brewery.change(
                    rtype, record, name=f"{record['name'].split(' #')[0]} #{rng.randint(1, 9999)}"
                )
    events = brewery.events + [dict(rng.choice(brewery.events)) for _ in range(duplicates)]
    rng.shuffle(events)
    return events


# ---------------------------------------------------------------- the home platform's side
def seed(rt: Any, sim: Any, held_share: int, rng: random.Random) -> dict[str, list[dict]]:
    """What the guided setup left: every live Ekos record at home and mapped, except the
    `held` ones, which the home platform holds without a mapping (so their `created`
    event must find them through the matcher)."""
    held: dict[str, list[dict]] = {}
    records = sim.state.records
    candidates = [
        ("customer-locations", r) for r in records["customer-locations"] if not r["deleted"]
    ] + [("products", r) for r in records["products"] if not r["deleted"]]
    for rtype, record in rng.sample(candidates, held_share):
        held.setdefault(rtype, []).append(record)
    held_ids = {r["id"] for rows in held.values() for r in rows}
    with rt.env_of("ApplierFunction"):
        home, mappings = DynamoHomePlatform(), EventMappingRepository()
        for rtype in RESOURCE_TYPES:
            live = [r for r in sim.state.records[rtype] if not r["deleted"]]
            products = {r["id"]: f"home-{r['id']}" for r in sim.state.records["products"]}
            rows = {
                f"home-{r['id']}": home_fields(rtype, home_shape(EKOS, rtype, r, products))
                for r in live
            }
            home.create_many(TENANT, rtype, rows)  # type: ignore[arg-type]
            pairs = {r["id"]: f"home-{r['id']}" for r in live if r["id"] not in held_ids}
            mappings.put_many(TENANT, "ekos", rtype, pairs, source="setup")
            for external_id in pairs:
                version = next(r for r in live if r["id"] == external_id)["updated_at"]
                mappings.advance_version(
                    TENANT, "ekos", rtype, external_id, _version(version), "setup"
                )
        assert DynamoSetupRepository().complete(TENANT, "ekos")
    return held


def _version(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def events_client(rt: Any) -> tuple[str, str]:
    """Ekos's client at our OAuth server (`events:write`): its id and secret."""
    with rt.env_of("OAuthFunction"):
        store = OAuthStore()
        bootstrap_tenant(store, TENANT)
        admin = Principal(
            tenant_id=TENANT,
            client_id="cli",
            scopes=frozenset({"admin"}),
            roles=frozenset({"admin"}),
        )
        client = register_client(
            store, admin, ClientRegistration(name="Ekos", scope="events:write")
        )
    return client.client_id, client.client_secret or ""


def events_token(rt: Any, client: tuple[str, str]) -> str:
    """A fresh access token of Ekos's client (they live 15 minutes)."""
    got = httpx.post(
        rt.base_url + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "events:write"},
        auth=client,
    )
    assert got.status_code == 200, got.text
    return got.json()["access_token"]


class CrashingApplier:
    """Every `every`-th events batch of 4+ records: the first half is applied, then the
    invocation dies (as a Lambda that times out or runs out of memory): SQS redelivers
    the whole batch."""

    def __init__(self, rt: Any, every: int = 25) -> None:
        self.host = rt.functions["ApplierFunction"]
        self.real = self.host.invoke_with_report  # what the runtime's pollers call
        self.every, self.calls, self.crashes = every, 0, 0
        self.host.invoke_with_report = self

    def __call__(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        records = event.get("Records", []) if isinstance(event, dict) else []
        fifo = bool(records) and records[0].get("eventSourceARN", "").endswith(".fifo")
        if fifo and len(records) >= 4:
            self.calls += 1
            if self.calls % self.every == 0:
                self.crashes += 1
                self.real({"Records": records[: len(records) // 2]}, *args, **kwargs)
                raise RuntimeError("simulated crash in the middle of a batch")
        return self.real(event, *args, **kwargs)

    def restore(self) -> None:
        self.host.invoke_with_report = self.real


# ---------------------------------------------------------------- the test
CI_EVENTS = int(os.environ.get("SYNC_SOAK_CI_EVENTS", "300"))
SOAK_EVENTS = int(os.environ.get("SYNC_SOAK_EVENTS", "10000"))


def _budget(n: int) -> int:
    """Seconds a run of n events may take: a shared 2-core machine has done ~2 events/s."""
    return 900 + 2 * n


@pytest.mark.parametrize(
    "n",
    [
        pytest.param(CI_EVENTS, id="ci", marks=pytest.mark.timeout(_budget(CI_EVENTS) + 600)),
        pytest.param(
            SOAK_EVENTS,
            id="soak",
            marks=[
                pytest.mark.soak,
                pytest.mark.skipif(not SOAK, reason="make test-sync-soak (SYNC_SOAK=1)"),
                pytest.mark.timeout(_budget(SOAK_EVENTS) + 600),
            ],
        ),
    ],
)
def test_home_platform_converges_to_ekos(runtime: Any, n: int) -> None:
    global TENANT  # one tenant per size: both sizes may share the module's runtime
    TENANT = f"soak-brewery-{n}"
    rt, sim = runtime, runtime.simulators["EKOS_BASE_URL"]
    rng = random.Random(n)
    sim.reset(auto_approve=True)  # Ekos's records as generated, no faults
    t0 = time.monotonic()
    connect_to_ekos(rt, TENANT)
    rt.wait_idle(timeout=300)
    t1 = time.monotonic()
    held = seed(rt, sim, max(1, n // 100), rng)
    t2 = time.monotonic()
    events = plan(sim, n, held, rng)
    ekos_client = events_client(rt)
    token = events_token(rt, ekos_client)
    print(f"\nconnect {t1 - t0:.1f}s seed {t2 - t1:.1f}s plan {time.monotonic() - t2:.1f}s")
    crasher = CrashingApplier(rt)
    share = float(os.environ.get("SYNC_SOAK_HTTP_SHARE", "0.2"))
    over_http = {e["event_id"] for e in events if rng.random() < share}
    started = time.monotonic()
    statuses: Counter[int] = Counter()
    try:
        with httpx.Client(
            base_url=rt.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:

            def push(body: dict[str, Any]) -> int:
                if body["event_id"] not in over_http:
                    return _enqueue(rt, body)
                for _ in range(5):  # Ekos retries a non-2xx answer with the same event id
                    status = http.post("/api/v1/erp/ekos/events", json=body).status_code
                    if status == 202:
                        return status
                    if status == 401:  # its token expired (15 min; a long run outlives it)
                        http.headers["Authorization"] = f"Bearer {events_token(rt, ekos_client)}"
                return status

            half = len(events) // 2
            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses.update(pool.map(push, events[:half]))
                print(f"first half pushed {time.monotonic() - started:.1f}s")
                _pull_through_5xx(rt, sim)
                statuses.update(pool.map(push, events[half:]))
                print(f"all pushed {time.monotonic() - started:.1f}s")
            late = _late_duplicates(rt, events, rng)
        rt.wait_idle(timeout=_budget(n))
        delivered_in = time.monotonic() - started
    finally:
        crasher.restore()
    assert statuses == Counter({202: len(events)}), statuses
    assert crasher.crashes >= 1

    # Every failure is visible: parked with its reason, and in the tenant's audit trail
    queues = SqsDeadLetterQueues(rt.client("sqs"), name_prefix=rt.stack_name)
    letters = queues.list(DeadLetterFilter(tenant_id=TENANT))
    # a crash on a record's last receive leaves SQS's redrive to park it, without reason
    assert all(d.reason and d.last_failure_at for d in letters)
    assert all(d.attempts >= 1 for d in letters if d.reason != "redriven_by_sqs")
    with rt.env_of("ApiFunction"):
        dead_audited = list(
            iter_entries(DynamoAuditTrail(), TENANT, AuditQuery(action="dead_lettered"))
        )
    assert len(dead_audited) >= len(letters)
    reasons = Counter(d.reason for d in letters)
    # A person decides the review items (a batch may wait on a product among them), then
    # an operator replays what waited on a dependency, until nothing is left
    replayed = reviewed = 0
    for _ in range(5):
        reviewed += _decide_reviews_as_a_person(rt, held)
        moved = queues.move(DeadLetterFilter(tenant_id=TENANT)).moved
        replayed += moved
        rt.wait_idle(timeout=_budget(moved))
        if not moved:
            break
    assert queues.list(DeadLetterFilter()) == []
    reviewed += _decide_reviews_as_a_person(rt, held)
    report = _compare(rt, sim, held)
    figures = {
        "events": len(events),
        "unique_changes": len(events) - n // 10,
        "seconds": round(delivered_in, 1),
        "events_per_second": round(len(events) / delivered_in, 1),
        "crashes": crasher.crashes,
        "dead_lettered": sum(reasons.values()),
        "dead_letter_reasons": dict(reasons),
        "replayed": replayed,
        "review_items_decided": reviewed,
        "late_duplicates": late,
        "over_http": len(over_http),
        **report,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"sync-soak-{len(events)}.json").write_text(json.dumps(figures, indent=2))
    print("\nsync soak:", json.dumps(figures))
    assert report["lost"] == 0 and report["duplicated"] == 0 and report["different"] == 0, report
    assert report["held_linked"] == report["held_live"] > 0  # linked, not created again


def _pull_through_5xx(rt: Any, sim: Any) -> None:
    """Mid-stream, the connection's incremental pull runs while Ekos answers 5xx."""
    with rt.env_of("ImporterFunction"):
        cursors = SyncCursorRepository()
        for rtype in RESOURCE_TYPES:
            newest = max(r["updated_at"] for r in sim.dataset.ekos[rtype])
            cursors.advance(TENANT, "ekos", rtype, newest)
    sim.faults.add(
        "server_error", path_prefix="/api/v1/", status=503, after=2, times=4, retry_after=0
    )
    sim.faults.add(
        "server_error", path_prefix="/api/v1/products", status=500, times=3, retry_after=0
    )
    sim.faults.add(
        "server_error", path_prefix="/api/v1/", status=502, after=9, times=2, retry_after=0
    )
    result = rt.invoke(
        "SchedulerFunction",
        {"action": "incremental_sync", "tenant_id": TENANT, "connection_id": "ekos"},
    )
    assert result["enqueued"] == len(RESOURCE_TYPES)


def _enqueue(rt: Any, body: dict[str, Any], late: bool = False) -> int:
    """What `POST /api/v1/erp/ekos/events` does once the token checks out (the same group
    and deduplication ids), without the HTTP round trip: most events take this way so the
    CI run stays short; a share goes through the API (SYNC_SOAK_HTTP_SHARE)."""
    from syncbridge.domain.sync.models import ErpChangeEvent, QueuedErpEvent

    queued = QueuedErpEvent(
        tenant_id=TENANT,
        erp="ekos",
        received_at=datetime.now(UTC),
        event=ErpChangeEvent.model_validate(body),
    )
    suffix = "-late" if late else ""
    rt.send_message(
        "EventsQueue",
        queued.model_dump_json(),
        group_id=group_id(TENANT, "ekos", body["resource_type"], body["resource_id"]),
        deduplication_id=deduplication_id(TENANT, "ekos", f"{body['event_id']}{suffix}"),
    )
    return 202


def _late_duplicates(rt: Any, events: list[dict], rng: random.Random) -> int:
    """Retries that arrive after SQS's 5-minute deduplication window (a new dedup id)."""
    late = rng.sample(events, max(1, len(events) // 20))
    for body in late:
        _enqueue(rt, body, late=True)
    return len(late)


def _decide_reviews_as_a_person(rt: Any, held: dict[str, list[dict]]) -> int:
    """Review items the matcher was unsure about: link held records to their twin, create
    the others (what a person knowing the brewery would click)."""
    from syncbridge.domain.setup.models import Resolution
    from syncbridge.roots import keg

    held_ids = {r["id"] for rows in held.values() for r in rows}
    decided = 0
    with rt.env_of("ApiFunction"):
        items = SyncReviewItems()
        for rtype in RESOURCE_TYPES:
            for proposal in items.list(TENANT, "ekos", rtype, limit=500).items:
                twin = f"home-{proposal.external_id}"
                action = "link" if proposal.external_id in held_ids else "create"
                keg.decide_review_item(
                    TENANT,
                    "ekos",
                    rtype,
                    proposal.external_id,
                    Resolution(action=action, internal_id=twin if action == "link" else None),
                    actor="person:soak",
                )
                decided += 1
    return decided


def _compare(rt: Any, sim: Any, held: dict[str, list[dict]]) -> dict[str, int]:
    """Ekos (the simulator's records) against the home platform, record by record."""
    lost = duplicated = different = held_linked = held_live = compared = 0
    examples: list[str] = []
    held_ids = {r["id"] for rows in held.values() for r in rows}
    with rt.env_of("ApiFunction"):
        home, mappings = DynamoHomePlatform(), EventMappingRepository()
        products = mappings.external_to_internal(TENANT, "ekos", "products")
        for rtype in RESOURCE_TYPES:
            mapped = mappings.external_to_internal(TENANT, "ekos", rtype)
            records = sim.state.records[rtype]
            live = [r for r in records if not r["deleted"]]
            at_home = {r.id: r for r in home.iter_all(TENANT, rtype)}  # type: ignore[arg-type]
            for record in live:
                internal = mapped.get(record["id"])
                if internal is None or internal not in at_home:
                    lost += 1
                    continue
                compared += 1
                want = home_fields(rtype, home_shape(EKOS, rtype, record, products))
                got = at_home[internal].fields
                wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
                if wrong:
                    different += 1
                    examples.append(f"{rtype} {record['id']}: {wrong}")
                if record["id"] in held_ids:
                    held_live += 1
                    held_linked += internal == f"home-{record['id']}"
                    if internal != f"home-{record['id']}":
                        examples.append(f"{rtype} {record['id']}: held, mapped to {internal}")
            for record in records:
                if record["deleted"] and mapped.get(record["id"]) in at_home:
                    different += 1  # deleted in Ekos, still live at home
                    examples.append(f"{rtype} {record['id']}: deleted in Ekos, live at home")
            # nothing twice: every live home record is some Ekos record's, except the twin
            # of a held record Ekos deleted before it was ever linked (home-only now)
            ours = set(mapped.values())
            gone = {f"home-{r['id']}" for r in records if r["deleted"] and r["id"] in held_ids}
            extra = [rid for rid in at_home if rid not in ours and rid not in gone]
            duplicated += len(extra) + len(mapped) - len(ours)
            examples += [f"{rtype} {rid}: at home, no Ekos record" for rid in extra]
    return {
        "compared": compared,
        "lost": lost,
        "duplicated": duplicated,
        "different": different,
        "held_linked": held_linked,
        "held_live": held_live,
        "examples": examples[:10],
    }
