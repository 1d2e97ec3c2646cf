"""The ERP port: models, config secrecy and the adapter registry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from syncbridge.adapters import erp
from syncbridge.adapters.erp import (
    ErpAdapter,
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    ErpHealth,
    ErpUnavailable,
    IncidentDraft,
    IncidentRef,
    InspectionPoint,
    PointFields,
    build_erp_adapter,
    register_erp_adapter,
)


def test_point_fields_write_only_what_was_set_and_none_clears():
    assert PointFields(barcode="58-A0-CB-00-00-10-2F-01").changes() == {
        "barcode": "58-A0-CB-00-00-10-2F-01"
    }
    assert PointFields(barcode=None).changes() == {"barcode": None}
    assert PointFields().changes() == {}
    with pytest.raises(ValidationError):
        PointFields(device_status="exploded")
    with pytest.raises(ValidationError):
        PointFields(name="not writable")


def test_points_need_aware_write_dates():
    with pytest.raises(ValidationError):
        InspectionPoint(id="1", name="x", write_date=datetime(2026, 11, 23))


def test_config_never_shows_credentials():
    config = ErpConfig(kind="odoo", base_url="https://odoo.test", credentials={"api_key": "k-123"})
    assert "k-123" not in repr(config) and "k-123" not in config.model_dump_json()
    assert config.secret("api_key") == "k-123"
    with pytest.raises(ErpAuthError, match="password"):
        config.secret("password")


def test_errors_say_whether_to_retry():
    assert ErpUnavailable("x").retryable and not ErpAuthError("x").retryable


class CsvErp:
    """A stand-in for 'SAP': registering it is all a new ERP needs."""

    erp = "csv"

    def __init__(self, config: ErpConfig) -> None:
        self.config = config

    def list_inspection_points(self, since=None, *, include_archived=False) -> Iterator:
        return iter([])

    def list_point_ids(self, *, include_archived=True) -> set[str]:
        return set()

    def get_point(self, point_id):
        raise NotImplementedError

    def write_point_fields(self, point_id, fields):
        raise NotImplementedError

    def create_incident(self, draft: IncidentDraft) -> IncidentRef:
        return IncidentRef(id="1", kind="row", dedupe_key=draft.dedupe_key)

    def find_incident(self, dedupe_key):
        return None

    def add_incident_note(self, incident_id, note) -> None:
        pass

    def find_category(self, name="Inspection Points") -> str:
        return "1"

    def health(self) -> ErpHealth:
        return ErpHealth(ok=True, erp=self.erp, detail=str(datetime.now(UTC)))

    def close(self) -> None:
        pass


def test_a_new_erp_is_one_registration(monkeypatch):
    monkeypatch.setattr(erp, "REGISTRY", dict(erp.REGISTRY))
    register_erp_adapter("csv", CsvErp)
    adapter = build_erp_adapter({"kind": "csv", "base_url": "sftp://example/points.csv"})
    assert isinstance(adapter, ErpAdapter) and adapter.health().ok


def test_the_registry_builds_odoo_and_resterp_by_dotted_path():
    odoo = build_erp_adapter(
        {
            "kind": "odoo",
            "base_url": "https://odoo.test",
            "settings": {"database": "odoo"},
            "credentials": {"api_key": "k"},
        }
    )
    rest = build_erp_adapter(
        {"kind": "resterp", "base_url": "https://erp.test", "credentials": {"api_key": "k"}}
    )
    assert (odoo.erp, rest.erp) == ("odoo-json2", "resterp")
    assert isinstance(odoo, ErpAdapter) and isinstance(rest, ErpAdapter)
    odoo.close()
    rest.close()


def test_unknown_kinds_and_incomplete_settings_are_clear_errors():
    with pytest.raises(ValueError, match=r"unknown ERP kind 'sap'.*odoo"):
        build_erp_adapter({"kind": "sap", "base_url": "https://sap.test"})
    with pytest.raises(ErpConfigurationMissing, match="database"):
        build_erp_adapter(
            {
                "kind": "odoo",
                "base_url": "https://odoo.test",
                "settings": {"protocol": "xmlrpc", "login": "admin"},
                "credentials": {"api_key": "k"},
            }
        )
    with pytest.raises(ErpAuthError, match="api_key"):
        build_erp_adapter(
            {"kind": "odoo", "base_url": "https://odoo.test", "settings": {"database": "d"}}
        )
