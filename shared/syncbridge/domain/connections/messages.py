"""The message a successful connection puts on IMPORT_QUEUE_URL (the importer consumes it).

Agreed with the guided-setup team: one command per resource type; the callback enqueues
the first (`customer-locations`), and each submit enqueues the next type with the same
`run_id`. The importer must be idempotent on (tenant_id, connection_id, run_id,
resource_type): SQS may deliver a message twice.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ImportResource = Literal["customer-locations", "storage-locations", "products", "product-batches"]

# The order a guided import walks the resource types (a batch needs its product first).
IMPORT_ORDER: tuple[ImportResource, ...] = (
    "customer-locations",
    "storage-locations",
    "products",
    "product-batches",
)


class ImportCommand(BaseModel):
    """`{"action": "import", "tenant_id", "connection_id", "erp", "resource_type", "run_id"}`"""

    model_config = ConfigDict(extra="ignore", frozen=True)

    action: Literal["import"] = "import"
    tenant_id: str
    connection_id: str
    erp: Literal["ekos"] = "ekos"
    resource_type: ImportResource
    run_id: str
