"""Accept an ERP change event: put it on the FIFO events queue, ordered per record.

MessageGroupId keeps one record's events in order (tenant, ERP, type, record id);
MessageDeduplicationId, derived from the event id, makes SQS drop a retried push within
its 5-minute window. Beyond that window the applier's version check makes a duplicate
harmless, so the endpoint can answer 202 as soon as SQS has the message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime

from syncbridge.domain.sync.models import ErpChangeEvent, EventAccepted, QueuedErpEvent
from syncbridge.domain.sync.ports import FifoQueue
from syncbridge.observability import logger

_GROUP_SAFE = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")


def group_id(tenant_id: str, erp: str, resource_type: str, resource_id: str) -> str:
    """The FIFO group of one ERP record (hashed when the raw id is not SQS-safe)."""
    raw = f"{tenant_id}#{erp}#{resource_type}#{resource_id}"
    if _GROUP_SAFE.match(raw):
        return raw
    return (
        f"{tenant_id[:40]}#{erp}#{resource_type}#sha256:"
        + hashlib.sha256(resource_id.encode()).hexdigest()[:40]
    )


def deduplication_id(tenant_id: str, erp: str, event_id: str) -> str:
    """The same for every retry of one event (per tenant and ERP), 64 hex characters."""
    return hashlib.sha256(f"{tenant_id}#{erp}#{event_id}".encode()).hexdigest()


def accept_erp_event(
    tenant_id: str,
    erp: str,
    event: ErpChangeEvent,
    queue: FifoQueue,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EventAccepted:
    """Queue `event` for the caller's tenant (the token's, never one named in the URL or
    body; the route's policy has already required the `events:write` scope)."""
    queued = QueuedErpEvent(tenant_id=tenant_id, erp=erp, received_at=clock(), event=event)
    queue.send(
        queued,
        group_id=group_id(tenant_id, erp, event.resource_type, event.resource_id),
        deduplication_id=deduplication_id(tenant_id, erp, str(event.event_id)),
    )
    logger.info(
        "erp event queued",
        extra={
            "tenant_id": tenant_id,
            "erp": erp,
            "event_id": str(event.event_id),
            "resource_type": event.resource_type,
            "event_action": event.action,
        },
    )
    return EventAccepted(event_id=event.event_id)
