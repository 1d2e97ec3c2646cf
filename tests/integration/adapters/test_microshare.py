"""The Microshare adapter against the Microshare simulator."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.microshare import (
    TRAP_CLUSTERS,
    TRAP_EVENTS,
    UNASSIGNED_DEVEUI,
    AssignDevEui,
    Device,
    DeviceMatch,
    DeviceMeta,
    InvalidDevEui,
    MicroshareAuthError,
    MicroshareClient,
    MicroshareConflict,
    MicroshareUnavailable,
    RemoveDevice,
    SetDeviceStatus,
    UpsertDevice,
    same_deveui,
)
from syncbridge_local.simulators import microshare as microshare_sim
from syncbridge_local.simulators.odoo import seed
from tests.integration.adapters.conftest import RecordingSleep

pytestmark = pytest.mark.integration
CLUSTER = microshare_sim.SEED_CLUSTER_ID


class FakeClock:
    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim():
    server = microshare_sim.start()
    yield server
    server.stop()


def client_for(sim, *, credentials=None, clock=None, settle=0.0, sleeps=None, per_page=100):
    return MicroshareClient.from_secret(
        sim.url,
        sim.auth_url,
        credentials or sim.credentials,
        http=httpx.Client(timeout=2),
        retry=RetryPolicy(attempts=3, base_delay=0.01, sleep=sleeps or RecordingSleep()),
        settle_seconds=settle,
        per_page=per_page,
        **({"clock": clock} if clock else {}),
    )


def pending_device(reference: str, point: str = "Mixing Room") -> Device:
    location = [seed.SITE, "", point, reference, "", ""]
    return Device(id=UNASSIGNED_DEVEUI, meta=DeviceMeta(location=location), status="pending")


def test_reads_the_golden_crust_trap_cluster(sim):
    clusters = list(client_for(sim).list_clusters(TRAP_CLUSTERS))
    assert [c.name for c in clusters] == ["Golden Crust traps"]
    devices = clusters[0].devices
    assert {d.reference for d in devices} == {"ERP024_025_01", "ERP024_025_02"}
    assert all(d.status == "active" and not d.unassigned for d in devices)
    # Odoo keeps one of these DevEUIs plain and lower-case: they still match
    odoo_barcodes = {p.reference: p.deveui for p in seed.MAPPED}
    assert all(same_deveui(d.id, odoo_barcodes[d.reference]) for d in devices)


def test_device_changes_keep_fields_we_do_not_model(sim):
    client = client_for(sim)
    client.update_devices(TRAP_CLUSTERS, CLUSTER, [UpsertDevice(pending_device("ERP024_025_03"))])
    client.update_devices(
        TRAP_CLUSTERS,
        CLUSTER,
        [
            AssignDevEui("ERP024_025_03", "58a0cb0000102f03"),
            SetDeviceStatus(DeviceMatch(reference="ERP024_025_03"), "active"),
        ],
    )
    stored = sim.state.clusters[TRAP_CLUSTERS][CLUSTER]
    assert stored["data"]["owner"] == "Golden Crust Pest Services"  # unknown field kept
    new = [d for d in stored["data"]["devices"] if d["meta"]["location"][3] == "ERP024_025_03"]
    assert new == [
        {
            "id": "58-A0-CB-00-00-10-2F-03",
            "meta": {"location": pending_device("ERP024_025_03").meta.location},
            "status": "active",
        }
    ]
    puts = sim.state.put_count
    client.update_devices(
        TRAP_CLUSTERS, CLUSTER, [RemoveDevice(DeviceMatch(deveui="58a0cb0000102f03"))]
    )
    client.update_devices(
        TRAP_CLUSTERS, CLUSTER, [RemoveDevice(DeviceMatch(reference="ERP024_025_03"))]
    )
    assert sim.state.put_count == puts + 1  # the second removal found nothing to do
    assert len(sim.state.devices()) == 2


def test_a_deveui_belongs_to_one_device_and_must_be_valid(sim):
    client = client_for(sim)
    client.update_devices(TRAP_CLUSTERS, CLUSTER, [UpsertDevice(pending_device("ERP024_025_04"))])
    with pytest.raises(MicroshareConflict, match="already belongs"):
        client.update_devices(
            TRAP_CLUSTERS, CLUSTER, [AssignDevEui("ERP024_025_04", "58A0CB0000102F01")]
        )
    with pytest.raises(InvalidDevEui):
        client.update_devices(TRAP_CLUSTERS, CLUSTER, [AssignDevEui("ERP024_025_04", "58-A0-CB")])
    assert [d for d in client.get_cluster(TRAP_CLUSTERS, CLUSTER).devices if d.unassigned]


def test_naive_read_modify_write_loses_a_concurrent_update(sim):
    """The control: without re-read, merge and verify, two writers lose an update."""
    sim.state.read_delay = 0.2
    writers = [client_for(sim), client_for(sim)]
    barrier = threading.Barrier(2)

    def naive_add(client, reference):
        barrier.wait()
        cluster = client.get_cluster(TRAP_CLUSTERS, CLUSTER)
        client.replace_cluster(cluster.with_devices([*cluster.devices, pending_device(reference)]))

    threads = [
        threading.Thread(target=naive_add, args=(w, f"ERP024_025_0{i + 5}"))
        for i, w in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sim.state.devices()) == 3  # 2 seeded + only one of the two new devices


def test_two_concurrent_writers_lose_no_update(sim):
    # Given two independent writers (two processes: no shared lock) and a slow API that
    # makes their read-modify-write windows overlap
    sim.state.read_delay = 0.1
    writers = [client_for(sim, settle=0.5), client_for(sim, settle=0.5)]
    barrier = threading.Barrier(2)
    references = {0: ["ERP024_025_03", "ERP024_025_05", "ERP024_025_07"],
                  1: ["ERP024_025_04", "ERP024_025_06", "ERP024_025_08"]}  # fmt: skip
    errors: list[BaseException] = []

    def add_devices(index: int) -> None:
        try:
            barrier.wait()
            for reference in references[index]:
                writers[index].update_devices(
                    TRAP_CLUSTERS, CLUSTER, [UpsertDevice(pending_device(reference))]
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    # When both add three devices at the same time
    threads = [threading.Thread(target=add_devices, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every device is there: overwritten changes were merged again and re-PUT
    assert errors == []
    stored = {d["meta"]["location"][3] for d in sim.state.devices()}
    assert stored == {"ERP024_025_01", "ERP024_025_02", *references[0], *references[1]}


def test_a_failed_cluster_put_is_never_resent_stale_but_merged_again(sim):
    client = client_for(sim)
    sim.faults.fail_next(503, times=2, method="PUT")
    cluster = client.update_devices(
        TRAP_CLUSTERS, CLUSTER, [UpsertDevice(pending_device("ERP024_025_09"))]
    )
    assert "ERP024_025_09" in {d.reference for d in cluster.devices}
    # read, PUT (503), re-read, PUT (503), re-read, PUT, verify
    assert sim.faults.calls_to(f"/device/{TRAP_CLUSTERS}/{CLUSTER}") == 7
    sim.faults.fail_next(503, times=10, method="PUT")
    with pytest.raises(MicroshareUnavailable):
        client.update_devices(TRAP_CLUSTERS, CLUSTER, [UpsertDevice(pending_device("X1"))])


def test_tokens_are_reused_then_renewed_before_they_expire(sim):
    clock = FakeClock()
    sim.state.clock = clock
    client = client_for(sim, clock=clock)
    for _ in range(3):
        client.get_cluster(TRAP_CLUSTERS, CLUSTER)
    assert client.tokens.issued == 1 and sim.state.token_requests == 1
    # When 48 h minus 4 minutes have passed (inside the 5-minute renewal margin)
    clock.now += microshare_sim.TOKEN_TTL_SECONDS - 240
    client.get_cluster(TRAP_CLUSTERS, CLUSTER)
    # Then a new token was fetched before the old one was refused
    assert client.tokens.issued == 2 and sim.state.token_requests == 2


def test_a_token_refused_early_is_renewed_once_on_401(sim):
    client = client_for(sim)
    client.get_cluster(TRAP_CLUSTERS, CLUSTER)
    sim.state.expire_tokens()
    assert len(client.get_cluster(TRAP_CLUSTERS, CLUSTER).devices) == 2
    assert client.tokens.issued == 2


def test_bad_credentials_fail_without_showing_them(sim, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # restored after the test
    wrong = {**sim.credentials, "password": "not-the-password-77x"}
    client = client_for(sim, credentials=wrong)
    with pytest.raises(MicroshareAuthError) as raised:
        client.get_cluster(TRAP_CLUSTERS, CLUSTER)
    assert not client.health().ok
    good = client_for(sim)
    good.get_cluster(TRAP_CLUSTERS, CLUSTER)
    shown = (
        f"{raised.value!r} {raised.value} {raised.value.__cause__!r} {raised.value.__context__!r}"
    )
    ours = caplog.records  # ours, httpx's and the simulators' access logs
    assert any(r.name == "httpx" for r in ours)  # the HTTP log was on, and redacted
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    for secret in (wrong["password"], sim.credentials["password"], good.tokens.get_access_token()):
        assert secret not in shown and secret not in logged


def test_alert_shares_are_read_across_pages(sim):
    client = client_for(sim, per_page=2)
    alerts = list(client.list_alerts())
    assert [a.id for a in alerts] == [f"rodent-000{i}" for i in range(1, 6)]
    assert {a.kind for a in alerts} == {"rodent_present"}
    assert [a.reference for a in alerts[:3]] == ["ERP024_025_01"] * 3
    assert alerts[0].created_at.tzinfo is not None
    assert alerts[0].deveui == "58-A0-CB-00-00-10-2F-01"
    events = list(client.list_trap_events(TRAP_EVENTS))
    assert [e.kind for e in events] == ["trap_triggered", "catch_detected", "rearmed"]


def test_rate_limits_are_waited_out_and_outages_are_unavailable(sim):
    sleeps = RecordingSleep()
    client = client_for(sim, sleeps=sleeps)
    sim.faults.rate_limit(times=1, retry_after=2, path_contains="/share/")
    assert len(list(client.list_alerts())) == 5
    assert sleeps.delays == [2.0]
    sim.go_down()
    with pytest.raises(MicroshareUnavailable) as raised:
        client.get_cluster(TRAP_CLUSTERS, CLUSTER)
    assert raised.value.retryable and not client.health().ok
    sim.come_up()
    assert client.health().ok


def test_creates_a_cluster_and_finds_it_by_name(sim):
    client = client_for(sim)
    created = client.create_cluster(
        TRAP_CLUSTERS, "Golden Crust Leeds traps", [pending_device("L1")]
    )
    assert created.id and created.devices[0].reference == "L1"
    assert client.find_cluster(TRAP_CLUSTERS, "Golden Crust Leeds traps").id == created.id
    assert client.find_cluster(TRAP_CLUSTERS, "Nope") is None
