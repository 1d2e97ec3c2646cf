"""The Ekos client as the outbound flow's `ScanSink`: Ekos's refusals as the domain's.

A 422 (Ekos's field errors) and any other 4xx Ekos answers to a scan (409: the
Idempotency-Key was used with another body) become `ScanRefused` (permanent); throttling
and outages stay `EkosUnavailable`, so the message is retried.
"""

from __future__ import annotations

from syncbridge.adapters.ekos.client import EkosClient
from syncbridge.adapters.ekos.errors import EkosRequestRejected, ScanRejected
from syncbridge.adapters.ekos.models import UnitScan
from syncbridge.domain.sync.models import ErpUnitScan, ScanAccepted
from syncbridge.domain.sync.outbound import ScanRefused


class EkosScanSink:
    """`ScanSink` over an `EkosClient`; a context manager that closes the client."""

    def __init__(self, client: EkosClient) -> None:
        self.client = client

    def __enter__(self) -> EkosScanSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def post_unit_scan(self, scan: ErpUnitScan, idempotency_key: str) -> ScanAccepted:
        try:
            receipt = self.client.post_unit_scan(
                UnitScan.model_validate(scan.model_dump()), idempotency_key
            )
        except ScanRejected as rejected:
            raise ScanRefused(422, rejected.errors) from None
        except EkosRequestRejected as refused:
            raise ScanRefused(refused.status) from None
        return ScanAccepted(id=receipt.id, scan_id=receipt.scan_id, replayed=receipt.replayed)
