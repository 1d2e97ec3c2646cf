"""Optional ERP fields: used when present, offered to an admin as a one-click creation,
never required.

A stock Odoo has no field for a device's status; the flows work without one (the status
lives in Sync Bridge and Microshare). An admin who wants it on the Odoo point too creates
it here in one call; from then on the ERP adapter writes it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from syncbridge.domain.pest.ports import ErpPort


class OptionalErpField(BaseModel):
    key: str  # what it is for: "device_status"
    model: str  # e.g. product.product
    name: str  # e.g. x_device_status
    label: str
    present: bool
    required_by_settings: bool = False


class ErpFieldsService:
    def __init__(self, erp: ErpPort) -> None:
        self.erp = erp

    def list(self) -> list[OptionalErpField]:
        """Each optional field and whether this ERP has it."""
        return [OptionalErpField.model_validate(f) for f in self.erp.optional_fields()]

    def create(self, key: str) -> OptionalErpField:
        """Create the optional field `key` in the ERP (idempotent)."""
        created: dict[str, Any] = self.erp.create_optional_field(key)
        return OptionalErpField.model_validate(created)
