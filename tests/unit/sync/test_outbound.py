"""Unit scans out: stable Idempotency-Key, 422 vs 5xx, partial batch failures."""

from __future__ import annotations

import json
import uuid
from contextlib import nullcontext
from typing import Any

import pytest

from syncbridge.domain.sync.models import ErpUnitScan, ScanAccepted, UnitScanMessage
from syncbridge.domain.sync.outbound import (
    ScanNotMapped,
    ScanRefused,
    idempotency_key,
    push_unit_scan,
)
from tests.helpers.functions import ROOT, FakeContext, load_function
from tests.unit.sync.fakes import (
    FakeAudit,
    FakeFailedScans,
    FakeMappings,
    FakeScanSink,
    unavailable,
)


def scan(scan_id: str = "scan-1", tenant: str = "tenant-a", **overrides: Any) -> UnitScanMessage:
    return UnitScanMessage.model_validate(
        {
            "tenant_id": tenant,
            "scan_id": scan_id,
            "unit_serial": "KEG-0042",
            "event": "delivered",
            "product_batch_id": "home-b1",
            "location_id": "home-c1",
            "location_type": "customer",
            "scanned_at": "2026-03-01T12:00:00Z",
        }
        | overrides
    )


@pytest.fixture
def mappings() -> FakeMappings:
    m = FakeMappings()
    for tenant in ("tenant-a", "tenant-b"):
        m.put(tenant, "ekos", "product-batches", f"ekos-batch-{tenant}", "home-b1", source="setup")
        m.put(
            tenant, "ekos", "customer-locations", f"ekos-cust-{tenant}", "home-c1", source="setup"
        )
    return m


def test_idempotency_key_is_a_stable_uuid_per_scan() -> None:
    key = idempotency_key("tenant-a", "ekos", "scan-1")
    assert uuid.UUID(key).version == 5
    assert key == idempotency_key("tenant-a", "ekos", "scan-1")
    assert key != idempotency_key("tenant-a", "ekos", "scan-2")
    assert key != idempotency_key("tenant-b", "ekos", "scan-1")


def test_scan_is_sent_in_erp_ids_and_a_redelivery_replays(mappings: FakeMappings) -> None:
    sink, audit = FakeScanSink(), FakeAudit()
    assert push_unit_scan(scan(), mappings, lambda _m: sink, audit) == "sent"
    assert push_unit_scan(scan(), mappings, lambda _m: sink, audit) == "replayed"
    (key1, sent), (key2, _) = sink.calls
    assert key1 == key2 == idempotency_key("tenant-a", "ekos", "scan-1")
    assert sent.product_batch_id == "ekos-batch-tenant-a"
    assert sent.location_id == "ekos-cust-tenant-a"
    assert len(sink.received) == 1


def test_a_422_is_audited_and_not_retried(mappings: FakeMappings) -> None:
    errors = [{"field": "product_batch_id", "message": "unknown batch"}]
    audit = FakeAudit()
    outcome = push_unit_scan(
        scan(), mappings, lambda _m: FakeScanSink(ScanRefused(422, errors)), audit
    )
    assert outcome == "rejected"
    entry = audit.entries["SCAN#ekos#scan-1"]
    assert entry["tenant_id"] == "tenant-a" and entry["status"] == 422
    assert entry["errors"] == errors


def test_a_refused_scan_is_audited_as_what_the_audit_api_filters_on(
    mappings: FakeMappings,
) -> None:
    """The whole audit entry of a refusal: `GET /audit?resource_type=unit-scans&
    external_id=...&actor=outbound&action=scan_rejected` finds it only with these values, and
    its `after` is the scan as queued (JSON-safe, so the entry can be stored and exported)."""
    from datetime import UTC, datetime

    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    errors = [{"field": "location_id", "message": "closed", "code": 7}]
    audit = FakeAudit()
    message = scan()
    sink = FakeScanSink(ScanRefused(422, errors))
    assert push_unit_scan(message, mappings, lambda _m: sink, audit, clock=lambda: at) == "rejected"
    assert audit.entries == {
        "SCAN#ekos#scan-1": {
            "tenant_id": "tenant-a",
            "entry_id": "SCAN#ekos#scan-1",
            "at": "2026-03-02T08:30:00+00:00",
            "actor": "outbound",
            "action": "scan_rejected",
            "erp": "ekos",
            "scan_id": "scan-1",
            "status": 422,
            "errors": [{"field": "location_id", "message": "closed"}],
            "resource_type": "unit-scans",
            "external_id": "scan-1",
            "source": "outbound",
            "after": message.model_dump(mode="json"),
        }
    }
    assert audit.entries["SCAN#ekos#scan-1"]["after"]["scanned_at"] == "2026-03-01T12:00:00Z"


def test_a_409_key_conflict_is_permanent_too(mappings: FakeMappings) -> None:
    audit = FakeAudit()
    sink = FakeScanSink(ScanRefused(409))
    assert push_unit_scan(scan(), mappings, lambda _m: sink, audit) == "rejected"
    assert audit.entries["SCAN#ekos#scan-1"]["status"] == 409


def test_throttling_or_outage_raises_so_sqs_retries(mappings: FakeMappings) -> None:
    audit = FakeAudit()
    with pytest.raises(Exception, match="503"):
        push_unit_scan(scan(), mappings, lambda _m: FakeScanSink(unavailable()), audit)
    assert audit.entries == {}


def test_unmapped_batch_raises_and_names_the_field() -> None:
    with pytest.raises(ScanNotMapped) as raised:
        push_unit_scan(scan(), FakeMappings(), lambda _m: FakeScanSink(), FakeAudit())
    assert raised.value.details["fields"] == ["product_batch_id", "location_id"]


# ------------------------------------------------------------------ the Lambda handler
def sqs_event(*bodies: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "x",
                    "ApproximateFirstReceiveTimestamp": "1700000000000",
                },
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:outbound",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_handler_reports_only_failed_records(
    mappings: FakeMappings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a batch: a good scan, one Ekos rejects (422), one hitting an outage, one malformed
    fn = load_function("outbound")
    sinks = {
        "ok": FakeScanSink(),
        "bad": FakeScanSink(ScanRefused(422)),
        "down": FakeScanSink(unavailable()),
    }
    audit = FakeAudit()
    monkeypatch.setattr(fn, "erp_client", lambda message: nullcontext(sinks[message.scan_id]))
    monkeypatch.setattr(fn, "mappings", lambda: mappings)
    monkeypatch.setattr(fn, "audit", lambda: audit)
    failed = FakeFailedScans()
    monkeypatch.setattr(fn, "failed_scans", lambda: failed)
    messages = [scan(name).model_dump(mode="json") for name in ("ok", "bad", "down")]
    # When the handler runs
    result = fn.lambda_handler(sqs_event(*messages, '{"scan_id": 1}'), FakeContext())
    # Then only the outage and the malformed record are retried; the 422 is audited and done
    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert len(sinks["ok"].received) == 1
    assert "SCAN#ekos#bad" in audit.entries
    assert "SCAN#ekos#down" not in audit.entries
    assert [f["scan_id"] for f in failed.list("tenant-a")] == ["bad"]  # shown to the user


class RecordingEkos:
    """Records every post and answers each as new: no de-duplication of its own, so only
    what the product sends (the Idempotency-Key) decides whether Ekos could count twice."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, ErpUnitScan]] = []

    def post_unit_scan(self, scan: ErpUnitScan, idempotency_key: str) -> ScanAccepted:
        self.posts.append((idempotency_key, scan))
        return ScanAccepted(id=f"ekos-{len(self.posts)}", scan_id=scan.scan_id)


def test_sample_event_redelivered_sends_each_scan_under_one_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = json.loads((ROOT / "events" / "outbound-scans.json").read_text())
    bodies = [json.loads(r["body"]) for r in sample["Records"]]
    mappings = FakeMappings()
    for body in bodies:
        kind = "customer-locations" if body["location_type"] == "customer" else "storage-locations"
        mappings.put(
            body["tenant_id"],
            "ekos",
            "product-batches",
            "ekos-b",
            body["product_batch_id"],
            "setup",
        )
        mappings.put(body["tenant_id"], "ekos", kind, "ekos-l", body["location_id"], "setup")
    fn, ekos = load_function("outbound"), RecordingEkos()
    monkeypatch.setattr(fn, "erp_client", lambda message: nullcontext(ekos))
    monkeypatch.setattr(fn, "mappings", lambda: mappings)
    monkeypatch.setattr(fn, "audit", FakeAudit)
    # When the batch is handled, then delivered again (SQS is at-least-once)
    assert fn.lambda_handler(sample, FakeContext()) == {"batchItemFailures": []}
    assert fn.lambda_handler(sample, FakeContext()) == {"batchItemFailures": []}
    # Then each scan went out twice under one key of its own, with the same body both times,
    # so Ekos answers the second post with the first receipt instead of a second scan
    first, again = ekos.posts[: len(bodies)], ekos.posts[len(bodies) :]
    assert first == again
    expected = [idempotency_key(b["tenant_id"], "ekos", b["scan_id"]) for b in bodies]
    assert [key for key, _ in first] == expected
    assert len(set(expected)) == len(bodies) == 2
    assert [scan.scan_id for _, scan in first] == [b["scan_id"] for b in bodies]


def test_a_refused_scan_is_listed_and_a_retry_uses_a_new_key(mappings: FakeMappings) -> None:
    from syncbridge.domain.sync.outbound import ScanNotFailed, retry_failed_scan
    from tests.unit.sync.fakes import FakeQueue

    audit, failed, queue = FakeAudit(), FakeFailedScans(), FakeQueue()
    refusing = FakeScanSink(ScanRefused(422, [{"field": "location_id", "message": "unknown"}]))
    assert push_unit_scan(scan(), mappings, lambda _m: refusing, audit, failed=failed) == "rejected"
    [listed] = failed.list("tenant-a")
    assert listed["status"] == 422 and listed["errors"][0]["field"] == "location_id"
    # a person fixes the cause and retries: the scan goes out again with a fresh key
    again = retry_failed_scan("tenant-a", "ekos", "scan-1", failed, queue)
    assert again.attempt == 1 and queue.messages == [again]
    sink = FakeScanSink()
    assert push_unit_scan(again, mappings, lambda _m: sink, audit, failed=failed) == "sent"
    [(key, _)] = sink.calls
    assert key != idempotency_key("tenant-a", "ekos", "scan-1")
    assert failed.list("tenant-a") == []  # no longer failed
    with pytest.raises(ScanNotFailed):
        retry_failed_scan("tenant-a", "ekos", "scan-1", failed, queue)
