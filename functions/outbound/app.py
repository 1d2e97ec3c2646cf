"""Consumes OUTBOUND_QUEUE_URL: home-platform unit scans pushed to the ERP exactly once.

Each record is one scan (`UnitScanMessage`); `push_unit_scan` maps internal ids to the
ERP's and posts with a stable Idempotency-Key. Permanent refusals (422, 409) are audited
and acknowledged; throttling/outages raise, so only that record is retried (then DLQ).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from syncbridge.adapters.ekos import bootstrap
from syncbridge.domain.sync.models import UnitScanMessage
from syncbridge.domain.sync.outbound import ScanSink, push_unit_scan
from syncbridge.lambdas import DeadLetteringProcessor, sqs_consumer
from syncbridge.observability import metrics
from syncbridge.store.audit import DynamoAuditTrail
from syncbridge.store.mappings import DynamoMappingRepository
from syncbridge.store.sync import FailedScanRepository


class ScanRecord(SqsRecordModel):
    body: Json[UnitScanMessage]  # type: ignore[assignment]


processor = DeadLetteringProcessor(event_type=EventType.SQS, model=ScanRecord)


@cache
def mappings() -> DynamoMappingRepository:
    return DynamoMappingRepository()


@cache
def audit() -> DynamoAuditTrail:
    return DynamoAuditTrail()


@cache
def failed_scans() -> FailedScanRepository:
    return FailedScanRepository()


def erp_client(message: UnitScanMessage) -> AbstractContextManager[ScanSink]:
    """The ERP client acting for the scan's tenant and connection (closed after use)."""
    if message.erp != "ekos":
        raise ValueError(f"no outbound adapter for ERP {message.erp!r}")
    return bootstrap.ekos_client(message.tenant_id, message.connection_id)


def record_handler(record: ScanRecord) -> str:
    message = record.body
    with erp_client(message) as ekos:
        outcome = push_unit_scan(
            message, mappings(), lambda _m: ekos, audit(), failed=failed_scans()
        )
    metrics.add_metric(name=f"Scans_{outcome}", unit="Count", value=1)
    return outcome


consume = sqs_consumer(record_handler, processor)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consume(event, context)
