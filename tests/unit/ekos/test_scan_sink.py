"""The Ekos client as the outbound `ScanSink`: Ekos's answers as the domain's outcomes.

Regression caught: the outbound flow depending on Ekos's own error classes (a keg ERP
other than Ekos could not refuse a scan), or a refusal turning into a retry (or a 5xx
into an acknowledged "rejected").
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import httpx
import pytest

from syncbridge.adapters.ekos import EkosClient, EkosUnavailable, RetryPolicy
from syncbridge.adapters.ekos.scans import EkosScanSink
from syncbridge.domain.sync.models import ErpUnitScan
from syncbridge.domain.sync.outbound import ScanRefused

SCAN = ErpUnitScan(
    scan_id="scan-1",
    unit_serial="KEG-1",
    event="delivered",
    product_batch_id="b-1",
    location_id="cl-1",
    location_type="customer",
    scanned_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
)


class Tokens:
    def get_access_token(self) -> str:
        return "tok"

    def on_unauthorized(self, rejected: str) -> None:
        raise AssertionError("no 401 in these cases")


def sink(status: int, body: dict) -> tuple[EkosScanSink, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    retry = RetryPolicy(sleep=lambda _s: None, rng=random.Random(1), attempts=2)
    http = httpx.Client(transport=httpx.MockTransport(answer))
    return EkosScanSink(EkosClient("https://ekos.test", Tokens(), http=http, retry=retry)), seen


def test_a_new_and_a_replayed_receipt() -> None:
    new, seen = sink(201, {"id": "r-1", "scan_id": "scan-1"})
    with new as scans:
        accepted = scans.post_unit_scan(SCAN, "key-1")
    assert (accepted.id, accepted.replayed) == ("r-1", False)
    assert seen[0].headers["Idempotency-Key"] == "key-1"
    assert json.loads(seen[0].content)["scanned_at"] == "2026-03-01T12:00:00Z"
    replay, _ = sink(200, {"id": "r-1", "scan_id": "scan-1"})
    assert replay.post_unit_scan(SCAN, "key-1").replayed is True


def test_a_422_is_a_refusal_with_ekos_field_errors() -> None:
    errors = [{"field": "location_id", "message": "unknown location"}]
    refusing, _ = sink(422, {"errors": errors})
    with pytest.raises(ScanRefused) as refused:
        refusing.post_unit_scan(SCAN, "key-1")
    assert (refused.value.status, refused.value.errors) == (422, errors)


def test_a_409_key_conflict_is_a_refusal_too() -> None:
    refusing, _ = sink(409, {"error": "idempotency key reused"})
    with pytest.raises(ScanRefused) as refused:
        refusing.post_unit_scan(SCAN, "key-1")
    assert (refused.value.status, refused.value.errors) == (409, [])


def test_an_outage_stays_transient() -> None:
    down, seen = sink(503, {"error": "down"})
    with pytest.raises(EkosUnavailable):
        down.post_unit_scan(SCAN, "key-1")
    assert len(seen) == 2  # retried within the policy, then raised for SQS to retry
