"""The ERP port: models, config secrecy and the adapter registry."""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from syncbridge.adapters import erp
from syncbridge.adapters.erp import (
    ErpAdapter,
    ErpAuthError,
    ErpConfig,
    ErpConfigurationMissing,
    ErpUnavailable,
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
    """A stand-in for 'SAP', registered by dotted path as a new ERP module would be."""

    def __init__(self, config: ErpConfig, **options: Any) -> None:
        self.config, self.options = config, options


def test_a_new_erp_is_one_registration(monkeypatch):
    monkeypatch.setattr(erp, "REGISTRY", dict(erp.REGISTRY))
    register_erp_adapter("csv", "tests.unit.adapters.test_erp_port:CsvErp")
    # When a config of the new kind is built, with options for the factory
    adapter = build_erp_adapter(
        {"kind": "csv", "base_url": "sftp://example/points.csv", "credentials": {"key": "k-9"}},
        retry="fast",
    )
    # Then the registered factory got the validated config and the options unchanged
    assert type(adapter) is CsvErp
    assert isinstance(adapter.config, ErpConfig)
    assert (adapter.config.kind, adapter.config.base_url) == ("csv", "sftp://example/points.csv")
    assert adapter.config.secret("key") == "k-9"
    assert adapter.options == {"retry": "fast"}


def test_a_registered_factory_callable_is_used_as_is(monkeypatch):
    monkeypatch.setattr(erp, "REGISTRY", dict(erp.REGISTRY))
    built: list[ErpConfig] = []
    register_erp_adapter("csv", lambda config: built.append(config) or "the adapter")
    assert build_erp_adapter(ErpConfig(kind="csv", base_url="sftp://x")) == "the adapter"
    assert [c.base_url for c in built] == ["sftp://x"]


PORT_METHODS = sorted(
    name for name, value in vars(ErpAdapter).items() if callable(value) and not name.startswith("_")
)


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    """Names, kinds and defaults: what a caller of the port relies on (not annotations)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def _registered_adapters() -> list[Any]:
    return [
        build_erp_adapter(
            {
                "kind": "odoo",
                "base_url": "https://odoo.test",
                "settings": {"database": "odoo"},
                "credentials": {"api_key": "k"},
            }
        ),
        build_erp_adapter(
            {"kind": "resterp", "base_url": "https://erp.test", "credentials": {"api_key": "k"}}
        ),
    ]


def test_the_registry_builds_odoo_and_resterp_by_dotted_path():
    odoo, rest = _registered_adapters()
    assert (odoo.erp, rest.erp) == ("odoo-json2", "resterp")
    odoo.close()
    rest.close()


@pytest.mark.parametrize("method", PORT_METHODS)
def test_every_registered_adapter_offers_the_port_method_as_declared(method):
    # isinstance() on a runtime_checkable protocol only looks for attribute names; the
    # services call these methods with keywords and rely on their defaults, so compare those.
    expected = _parameters(getattr(ErpAdapter, method))
    for adapter in _registered_adapters():
        implementation = getattr(type(adapter), method, None)
        assert callable(implementation), f"{type(adapter).__name__} lacks {method}"
        assert _parameters(implementation) == expected, f"{type(adapter).__name__}.{method}"
        adapter.close()


def test_no_port_method_goes_unchecked():
    # The parametrized check above covers what the protocol declares; pin that list.
    assert PORT_METHODS == [
        "add_incident_note",
        "close",
        "create_incident",
        "find_category",
        "find_incident",
        "get_point",
        "health",
        "list_inspection_points",
        "list_point_ids",
        "write_point_fields",
    ]


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
