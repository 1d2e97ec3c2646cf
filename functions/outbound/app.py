"""Consumes OUTBOUND_QUEUE_URL: home-platform unit scans pushed to the ERP exactly once.

Each record is one scan (`UnitScanMessage`); `push_unit_scan` maps internal ids to the
ERP's and posts with a stable Idempotency-Key to the scan's ERP (`keg.scan_sink`). Permanent refusals (422, 409) are audited
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

from syncbridge.domain.sync.models import UnitScanMessage
from syncbridge.domain.sync.outbound import ScanSink, push_unit_scan
from syncbridge.lambdas import DeadLetteringProcessor, sqs_consumer
from syncbridge.observability import metrics
from syncbridge.roots import keg


class ScanRecord(SqsRecordModel):
    body: Json[UnitScanMessage]  # type: ignore[assignment]


processor = DeadLetteringProcessor(event_type=EventType.SQS, model=ScanRecord)


@cache
def mappings() -> Any:
    return keg.outbound_mappings()


@cache
def audit() -> Any:
    return keg.audit_log()


@cache
def failed_scans() -> Any:
    return keg.failed_scans()


def erp_client(message: UnitScanMessage) -> AbstractContextManager[ScanSink]:
    """The scan's ERP, acting for its tenant and connection (closed after use)."""
    return keg.scan_sink(message)


def record_handler(record: ScanRecord) -> str:
    message = record.body
    with erp_client(message) as sink:
        outcome = push_unit_scan(
            message, mappings(), lambda _m: sink, audit(), failed=failed_scans()
        )
    metrics.add_metric(name=f"Scans_{outcome}", unit="Count", value=1)
    return outcome


consume = sqs_consumer(record_handler, processor)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consume(event, context)
