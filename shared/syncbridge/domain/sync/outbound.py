"""Push one home-platform unit scan to the ERP, exactly once.

The Idempotency-Key is a UUIDv5 of (tenant, ERP, scan id): every redelivery of the same
scan sends the same key, so the ERP answers the first receipt again instead of recording a
second scan. Failures split in two: the ERP refusing the scan itself (422 invalid, 409 key
reused with another body, other 4xx) is permanent: it goes to the audit trail and to the
user's list of failed scans (`FailedScans`), and the message is acknowledged; throttling,
outages and missing mappings raise, so SQS retries the message and finally parks it in
the DLQ with the reason. A person's retry of a failed scan (`retry_failed_scan`, after
fixing what the ERP refused) sends it again with `attempt + 1`, hence a new key: the ERP
would answer the old key with its old refusal (or 409 for the changed body).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from syncbridge.domain.errors import Conflict, NotFound
from syncbridge.domain.sync.models import ErpUnitScan, ScanAccepted, UnitScanMessage
from syncbridge.domain.sync.ports import AuditTrail, FailedScans, MessageQueue, ScanMappings
from syncbridge.observability import logger

# Fixed namespace for scan idempotency keys (never change it: keys must stay stable).
SCAN_KEY_NAMESPACE = uuid.UUID("6f1c0a52-2d0e-4a39-9a51-5b0f3f1c7e21")

ScanOutcome = Literal["sent", "replayed", "rejected"]
LOCATION_TYPES = {"customer": "customer-locations", "storage": "storage-locations"}


class ScanRefused(Exception):
    """The ERP refused the scan itself (422 invalid, 409 key reused with another body, other
    4xx): permanent, retrying the same scan will not help. `errors` are the ERP's
    {field, message} pairs, when it gave any."""

    def __init__(self, status: int, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"the ERP refused the scan with {status}")
        self.status = status
        self.errors = list(errors or [])


class ScanSink(Protocol):
    """The ERP side of a scan (for Ekos: `syncbridge.adapters.ekos.scans.EkosScanSink`).

    Raises `ScanRefused` for a permanent refusal; anything else it raises (throttling,
    outage) is transient: the message is retried."""

    def post_unit_scan(self, scan: ErpUnitScan, idempotency_key: str) -> ScanAccepted: ...


class ScanNotFailed(NotFound):
    code = "scan_not_failed"


class ScanNotMapped(Conflict):
    """The scan's batch or location has no ERP id yet: retried (then DLQ, replayable)."""

    code = "scan_not_mapped"


def idempotency_key(tenant_id: str, erp: str, scan_id: str, attempt: int = 0) -> str:
    """The same UUID for every delivery of one scan (and of one retry of it)."""
    suffix = f"/retry-{attempt}" if attempt else ""
    return str(uuid.uuid5(SCAN_KEY_NAMESPACE, f"{tenant_id}/{erp}/{scan_id}{suffix}"))


def to_erp_scan(message: UnitScanMessage, mappings: ScanMappings) -> ErpUnitScan:
    """The scan in the ERP's ids (raises ScanNotMapped when a mapping is missing)."""
    tenant, erp = message.tenant_id, message.erp
    batch = mappings.external_for(tenant, erp, "product-batches", message.product_batch_id)
    location = mappings.external_for(
        tenant, erp, LOCATION_TYPES[message.location_type], message.location_id
    )
    missing = [
        name
        for name, value in (("product_batch_id", batch), ("location_id", location))
        if value is None
    ]
    if missing:
        raise ScanNotMapped("the scan refers to records not mapped to the ERP yet", fields=missing)
    assert batch is not None and location is not None
    return ErpUnitScan(
        scan_id=message.scan_id,
        unit_serial=message.unit_serial,
        event=message.event,
        product_batch_id=batch,
        location_id=location,
        location_type=message.location_type,
        scanned_at=message.scanned_at,
    )


def push_unit_scan(
    message: UnitScanMessage,
    mappings: ScanMappings,
    sink_for: Callable[[UnitScanMessage], ScanSink],
    audit: AuditTrail,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    failed: FailedScans | None = None,
) -> ScanOutcome:
    """Send the scan; permanent refusals are audited, listed and acknowledged, the rest
    raise."""
    scan = to_erp_scan(message, mappings)
    key = idempotency_key(message.tenant_id, message.erp, message.scan_id, message.attempt)
    log = {"scan_id": message.scan_id, "erp": message.erp}
    try:
        receipt = sink_for(message).post_unit_scan(scan, key)
    except ScanRefused as refused:
        _refused(audit, failed, message, clock, refused.status, refused.errors)
        logger.warning(
            "scan refused by the ERP; not retried", extra={**log, "status": refused.status}
        )
        return "rejected"
    if failed is not None and message.attempt:
        failed.resolve(message.tenant_id, message.erp, message.scan_id)
    logger.info("scan sent", extra={**log, "replayed": receipt.replayed})
    return "replayed" if receipt.replayed else "sent"


def retry_failed_scan(
    tenant_id: str, erp: str, scan_id: str, failed: FailedScans, queue: MessageQueue
) -> UnitScanMessage:
    """Send a refused scan again (a person fixed the cause), with a fresh key."""
    stored = failed.get(tenant_id, erp, scan_id)
    if stored is None:
        raise ScanNotFailed(f"no failed scan {scan_id}", scan_id=scan_id)
    message = UnitScanMessage.model_validate(stored["message"])
    again = message.model_copy(update={"attempt": message.attempt + 1})
    queue.send(again)
    logger.info("failed scan retried", extra={"scan_id": scan_id, "attempt": again.attempt})
    return again


def _refused(
    audit: AuditTrail,
    failed: FailedScans | None,
    message: UnitScanMessage,
    clock: Callable[[], datetime],
    status: int,
    errors: list[dict[str, Any]],
) -> None:
    plain = [
        {"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in errors
    ]
    _audit_refusal(audit, message, clock, status, plain)
    if failed is not None:
        failed.record(message, status, plain, f"SCAN#{message.erp}#{message.scan_id}")


def _audit_refusal(
    audit: AuditTrail,
    message: UnitScanMessage,
    clock: Callable[[], datetime],
    status: int,
    errors: list[dict[str, Any]],
) -> None:
    audit.record(
        message.tenant_id,
        [
            {
                "entry_id": f"SCAN#{message.erp}#{message.scan_id}",
                "at": clock().isoformat(),
                "actor": "outbound",
                "action": "scan_rejected",
                "erp": message.erp,
                "scan_id": message.scan_id,
                "status": status,
                "errors": errors,
                "resource_type": "unit-scans",
                "external_id": message.scan_id,
                "source": "outbound",
                "after": message.model_dump(mode="json"),
            }
        ],
    )
