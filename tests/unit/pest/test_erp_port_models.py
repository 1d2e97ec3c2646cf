"""The ERP port's own small rules: which point fields a write sends, what a missing
credential or setting says, and the optional fields an admin is offered."""

from __future__ import annotations

from typing import Any

import pytest

from syncbridge.domain.pest.erp import (
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    PointFields,
)
from syncbridge.domain.pest.erp_fields import ErpFieldsService, OptionalErpField


def test_a_point_write_sends_only_the_fields_set_and_none_clears_one():
    assert PointFields().changes() == {}
    assert PointFields(barcode=None).changes() == {"barcode": None}
    both = PointFields(barcode="58-A0-CB-00-00-10-2F-01", device_status="active")
    assert both.changes() == {"barcode": "58-A0-CB-00-00-10-2F-01", "device_status": "active"}


def test_a_missing_credential_is_named_and_its_value_never_shown():
    config = ErpConfig(kind="odoo", base_url="https://erp.example", credentials={"key": "s3cr3t"})
    assert config.secret("key") == "s3cr3t"
    with pytest.raises(ErpAuthError) as missing:
        config.secret("password")
    assert str(missing.value) == "odoo: credential 'password' is missing"


def test_a_missing_setting_says_which_and_what_was_tried():
    exc = ErpConfigurationMissing(
        "no project named 'Pests'", setting="incident_container", tried="Pests"
    )
    assert (str(exc), exc.setting, exc.tried) == (
        "no project named 'Pests'", "incident_container", "Pests"
    )  # fmt: skip


class OptionalFieldsErp:
    """An ERP with one optional field missing until an admin creates it."""

    def __init__(self) -> None:
        self.present = False
        self.created: list[str] = []

    def _field(self) -> dict[str, Any]:
        return {
            "key": "device_status", "model": "product.product", "name": "x_device_status",
            "label": "Device status", "present": self.present,
        }  # fmt: skip

    def optional_fields(self) -> list[dict[str, Any]]:
        return [self._field()]

    def create_optional_field(self, key: str) -> dict[str, Any]:
        self.created.append(key)
        self.present = True
        return self._field()


def test_optional_fields_are_listed_and_created_on_request():
    erp = OptionalFieldsErp()
    service = ErpFieldsService(erp)
    (listed,) = service.list()
    assert isinstance(listed, OptionalErpField)
    assert (listed.name, listed.present) == ("x_device_status", False)
    created = service.create("device_status")
    assert erp.created == ["device_status"]
    assert (created.key, created.present) == ("device_status", True)
    assert service.list()[0].present is True
