"""Push one home-platform unit scan to the ERP, exactly once.

The Idempotency-Key is a UUIDv5 of (tenant, ERP, scan id): every redelivery of the same
scan sends the same key, so the ERP answers the first receipt again instead of recording a
second scan. Failures split in two: the ERP refusing the scan itself (422 invalid, 409 key
reused with another body, other 4xx) is permanent and goes to the audit trail, so the
message is not retried forever; throttling, outages and missing mappings raise, so SQS
retries the message and finally parks it in the DLQ for replay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from syncbridge.adapters.ekos.errors import EkosRequestRejected, ScanRejected
from syncbridge.adapters.ekos.models import ScanReceipt, UnitScan
from syncbridge.domain.errors import Conflict
from syncbridge.domain.sync.models import UnitScanMessage
from syncbridge.domain.sync.ports import AuditTrail, ScanMappings
from syncbridge.observability import logger

# Fixed namespace for scan idempotency keys (never change it: keys must stay stable).
SCAN_KEY_NAMESPACE = uuid.UUID("6f1c0a52-2d0e-4a39-9a51-5b0f3f1c7e21")

ScanOutcome = Literal["sent", "replayed", "rejected"]
LOCATION_TYPES = {"customer": "customer-locations", "storage": "storage-locations"}


class ScanSink(Protocol):
    """The ERP side of a scan (the Ekos adapter's `EkosClient.post_unit_scan`)."""

    def post_unit_scan(self, scan: UnitScan, idempotency_key: str) -> ScanReceipt: ...


class ScanNotMapped(Conflict):
    """The scan's batch or location has no ERP id yet: retried (then DLQ, replayable)."""

    code = "scan_not_mapped"


def idempotency_key(tenant_id: str, erp: str, scan_id: str) -> str:
    """The same UUID for every delivery of one scan."""
    return str(uuid.uuid5(SCAN_KEY_NAMESPACE, f"{tenant_id}/{erp}/{scan_id}"))


def to_erp_scan(message: UnitScanMessage, mappings: ScanMappings) -> UnitScan:
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
    return UnitScan(
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
) -> ScanOutcome:
    """Send the scan; permanent refusals are audited and acknowledged, the rest raise."""
    scan = to_erp_scan(message, mappings)
    key = idempotency_key(message.tenant_id, message.erp, message.scan_id)
    log = {"scan_id": message.scan_id, "erp": message.erp}
    try:
        receipt = sink_for(message).post_unit_scan(scan, key)
    except ScanRejected as rejected:
        _audit_refusal(audit, message, clock, 422, rejected.errors)
        logger.warning("scan rejected by the ERP; not retried", extra={**log, "status": 422})
        return "rejected"
    except EkosRequestRejected as refused:
        _audit_refusal(audit, message, clock, refused.status, [])
        logger.warning(
            "scan refused by the ERP; not retried", extra={**log, "status": refused.status}
        )
        return "rejected"
    logger.info("scan sent", extra={**log, "replayed": receipt.replayed})
    return "replayed" if receipt.replayed else "sent"


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
                "errors": [
                    {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
                    for e in errors
                ],
            }
        ],
    )
