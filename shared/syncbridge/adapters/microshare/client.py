"""The Microshare API: device clusters and alert shares, behind the `DevicePlatform` port.

Device changes are read-modify-write of a whole cluster (the API has no per-device
endpoint and a PUT replaces the cluster: last writer wins). `update_devices` therefore:
1. re-reads the cluster and re-applies the changes to that fresh copy (merge), skipping
   the PUT if they are already there; a failed PUT is never resent as is (a late resend
   of an old snapshot would erase other writers' changes): it goes back to the re-read;
2. refuses to PUT a snapshot older than `settle_seconds / 2` (re-reads instead);
3. PUTs, waits `settle_seconds`, re-reads and verifies every change survived; if another
   writer's stale PUT erased one, goes back to 1 (with jittered backoff).
A writer whose snapshot predates our PUT must PUT within half the settle time, so the
verification read comes after any PUT that could erase our change. Writers in one process
are also serialized per cluster by a lock. This is as close to compare-and-swap as an API
without ETags allows; `MicroshareConflict(retryable=True)` reports a cluster that stayed
contended for every attempt.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx

from syncbridge.adapters.http import Failure, HttpCore, RetryPolicy, StatusTable
from syncbridge.adapters.microshare.auth import MicroshareCredentials, TokenProvider
from syncbridge.adapters.microshare.changes import DeviceChange
from syncbridge.adapters.microshare.errors import (
    MicroshareAuthError,
    MicroshareConflict,
    MicroshareError,
    MicroshareNotFound,
    MicroshareUnavailable,
)
from syncbridge.adapters.microshare.models import (
    RODENT_ALERTS,
    TRAP_CLUSTERS,
    TRAP_EVENTS,
    TRAP_HEALTH,
    Alert,
    Device,
    DeviceCluster,
    HealthRecord,
    Page,
    PlatformHealth,
)
from syncbridge.observability import logger

ShareRecord = TypeVar("ShareRecord", Alert, HealthRecord)


def _unavailable(failure: Failure) -> MicroshareUnavailable:
    return MicroshareUnavailable(f"Microshare {failure.what} failed with HTTP {failure.status}")


def _refused(failure: Failure) -> MicroshareAuthError:
    return MicroshareAuthError(f"Microshare refused {failure.what} (HTTP {failure.status})")


MICROSHARE_ERRORS = StatusTable(
    unreachable=lambda f: MicroshareUnavailable(
        f"Microshare unreachable during {f.what}: {f.error}"
    ),
    statuses={
        401: _refused,  # a fresh token refused too
        403: _refused,
        404: lambda f: MicroshareNotFound(f"Microshare {f.what}: not found"),
        409: lambda f: MicroshareConflict(f"Microshare refused {f.what} (HTTP 409)"),
        429: _unavailable,
        "5xx": _unavailable,
    },
    otherwise=lambda f: MicroshareError(f"Microshare {f.what} failed with HTTP {f.status}"),
)


class DevicePlatform(Protocol):
    """What the pest-control services need from the IoT platform."""

    def list_clusters(self, rec_type: str = TRAP_CLUSTERS) -> Iterator[DeviceCluster]: ...

    def get_cluster(self, rec_type: str, cluster_id: str) -> DeviceCluster: ...

    def find_cluster(self, rec_type: str, name: str) -> DeviceCluster | None: ...

    def create_cluster(
        self, rec_type: str, name: str, devices: Sequence[Device] = ()
    ) -> DeviceCluster: ...

    def update_devices(
        self, rec_type: str, cluster_id: str, changes: Sequence[DeviceChange]
    ) -> DeviceCluster: ...

    def list_alerts(self, rec_type: str = RODENT_ALERTS) -> Iterator[Alert]: ...

    def health(self) -> PlatformHealth: ...


class MicroshareClient:
    """`DevicePlatform` over Microshare's REST API."""

    def __init__(
        self,
        api_url: str,
        auth_url: str,
        credentials: MicroshareCredentials,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        settle_seconds: float = 1.0,
        attempts: int = 5,
        timeout_seconds: float = 10.0,
        per_page: int = 100,
    ) -> None:
        self._api = api_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout_seconds)
        self._retry = retry or RetryPolicy()
        self._tokens = TokenProvider(auth_url, credentials, self._http, self._retry, clock=clock)
        self._core = HttpCore(
            self._http,
            MICROSHARE_ERRORS,
            name="microshare",
            base_url=self._api,
            tokens=self._tokens,
            retry=self._retry,
        )
        # The write protocol's timing (snapshot age, settle wait, back-off): injectable so
        # tests can force an interleaving without racing the wall clock.
        self._monotonic, self._sleep = monotonic, sleep
        self._settle = settle_seconds
        self._attempts = attempts
        self._per_page = per_page
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def from_secret(
        cls, api_url: str, auth_url: str, secret: dict[str, str], **options: Any
    ) -> MicroshareClient:
        """From the Microshare secret's JSON (`{"username", "password", "client_id"}`)."""
        return cls(api_url, auth_url, MicroshareCredentials.model_validate(secret), **options)

    @property
    def tokens(self) -> TokenProvider:
        return self._tokens

    # --- HTTP --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        response = self._core.request(
            method,
            path,
            what=f"{method} {path}",
            params=params,
            json=body,
            headers={"Accept": "application/json"},
            retry=retry,
        )
        return response.json() if response.content else None

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        page_number = 1
        while True:
            page = Page.model_validate(
                self._request("GET", path, params={"page": page_number, "perPage": self._per_page})
            )
            yield from page.objs
            if not page.objs or page.meta.currentPage >= page.meta.totalPages:
                return
            page_number = page.meta.currentPage + 1

    # --- clusters ----------------------------------------------------------------------

    def list_clusters(self, rec_type: str = TRAP_CLUSTERS) -> Iterator[DeviceCluster]:
        for obj in self._pages(f"/device/{_seg(rec_type)}"):
            yield DeviceCluster.model_validate(obj)

    def get_cluster(self, rec_type: str, cluster_id: str) -> DeviceCluster:
        body = self._request("GET", f"/device/{_seg(rec_type)}/{_seg(cluster_id)}")
        return _one_cluster(body, f"cluster {cluster_id}")

    def find_cluster(self, rec_type: str, name: str) -> DeviceCluster | None:
        return next((c for c in self.list_clusters(rec_type) if c.name == name), None)

    def create_cluster(
        self, rec_type: str, name: str, devices: Sequence[Device] = ()
    ) -> DeviceCluster:
        cluster = DeviceCluster(recType=rec_type, name=name).with_devices(list(devices))
        body = self._request("POST", f"/device/{_seg(rec_type)}", body=cluster.to_wire())
        return _one_cluster(body, f"new cluster {name}")

    def replace_cluster(self, cluster: DeviceCluster, *, resend: bool = True) -> None:
        """A raw whole-cluster PUT (last writer wins). Prefer `update_devices`.

        With `resend=False` a failed PUT is not sent again: a delayed resend of an old
        snapshot could erase what other writers did meanwhile."""
        if not cluster.id:
            raise MicroshareNotFound("cannot PUT a cluster without an id")
        path = f"/device/{_seg(cluster.recType)}/{_seg(cluster.id)}"
        once = None if resend else RetryPolicy(attempts=1)
        self._request("PUT", path, body=cluster.to_wire(), retry=once)

    def update_devices(
        self, rec_type: str, cluster_id: str, changes: Sequence[DeviceChange]
    ) -> DeviceCluster:
        """Apply `changes` to the cluster without losing concurrent writers' changes."""
        with self._cluster_lock(rec_type, cluster_id):
            attempt, stale_reads = 0, 0
            failure: MicroshareUnavailable | None = None
            while attempt < self._attempts:
                self._tokens.get_access_token()  # renew first: a token fetch must not age the snapshot
                read_at = self._monotonic()
                current = self.get_cluster(rec_type, cluster_id)
                devices = current.devices
                if all(change.applied(devices) for change in changes):
                    return current
                for change in changes:
                    devices = change.apply(devices)
                if self._settle and self._monotonic() - read_at > self._settle / 2:
                    stale_reads += 1  # a slow read: its snapshot may predate a rival PUT
                    if stale_reads > 2 * self._attempts:
                        break
                    self._pause(stale_reads, "snapshot too old to PUT")
                    continue
                attempt += 1
                try:
                    self.replace_cluster(current.with_devices(devices), resend=False)
                except MicroshareUnavailable as exc:
                    failure = exc  # re-read and merge again rather than resend old data
                    self._pause(attempt, "cluster PUT failed")
                    continue
                failure = None
                if self._settle:
                    self._sleep(self._settle)
                check = self.get_cluster(rec_type, cluster_id)
                if all(change.applied(check.devices) for change in changes):
                    return check
                self._pause(attempt, "a concurrent writer overwrote our change")
        if failure is not None:
            raise failure
        raise MicroshareConflict(
            f"cluster {cluster_id} kept changing under us for {self._attempts} attempts",
            retryable=True,
        )

    def _pause(self, attempt: int, reason: str) -> None:
        logger.warning(
            "microshare cluster write retried", extra={"reason": reason, "attempt": attempt}
        )
        self._sleep(random.uniform(0, 0.05 * attempt))

    def _cluster_lock(self, rec_type: str, cluster_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault((rec_type, cluster_id), threading.Lock())

    # --- shares ------------------------------------------------------------------------

    def _share(self, rec_type: str, model: type[ShareRecord]) -> Iterator[ShareRecord]:
        """Every record of a share, de-duplicated by id (pages can shift while read)."""
        seen: set[str] = set()
        for obj in self._pages(f"/share/{_seg(rec_type)}"):
            record = model.model_validate(obj)
            if record.id not in seen:
                seen.add(record.id)
                yield record

    def list_alerts(self, rec_type: str = RODENT_ALERTS) -> Iterator[Alert]:
        """Every alert in the share."""
        return self._share(rec_type, Alert)

    def list_trap_events(self, rec_type: str = TRAP_EVENTS) -> Iterator[Alert]:
        return self.list_alerts(rec_type)

    def list_health(self, rec_type: str = TRAP_HEALTH) -> Iterator[HealthRecord]:
        """Every unpacked uplink in the share (battery, radio, trap state)."""
        return self._share(rec_type, HealthRecord)

    # --- health ------------------------------------------------------------------------

    def health(self, rec_type: str = TRAP_CLUSTERS) -> PlatformHealth:
        started = time.perf_counter()
        try:
            self._request("GET", f"/device/{_seg(rec_type)}", params={"page": 1, "perPage": 1})
        except MicroshareError as exc:
            return PlatformHealth(ok=False, detail=f"{type(exc).__name__}: {exc}")
        latency = (time.perf_counter() - started) * 1000
        return PlatformHealth(ok=True, detail="ok", latency_ms=round(latency, 1))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()


def _seg(value: str) -> str:
    return quote(value, safe="")


def _one_cluster(body: Any, what: str) -> DeviceCluster:
    """Microshare wraps single objects in the paginated envelope; accept both shapes."""
    if isinstance(body, dict) and "objs" in body:
        objs = body["objs"]
        if not objs:
            raise MicroshareNotFound(f"Microshare has no {what}")
        return DeviceCluster.model_validate(objs[0])
    return DeviceCluster.model_validate(body)
