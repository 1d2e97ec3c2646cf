"""The composition root builds working ports from secrets + environment (both Odoo protocols)."""

from __future__ import annotations

import pytest

from syncbridge import pest_bootstrap
from syncbridge.domain.pest.config import default_config

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("protocol", ["json2", "xmlrpc"])
def test_build_erp_from_secret_reads_the_points(sims, monkeypatch, protocol):
    odoo, _ = sims
    secret = {k: odoo.credentials[k] for k in ("database", "login", "api_key")}
    secret["protocol"] = protocol
    monkeypatch.setattr(pest_bootstrap, "load_secret", lambda env_var, tenant: dict(secret))
    monkeypatch.setenv("ODOO_BASE_URL", odoo.url)
    erp = pest_bootstrap.build_erp("golden-crust", default_config())
    points = erp.list_inspection_points(None)
    assert len(points) == 11 and len(erp.list_point_ids()) == 11


def test_build_iot_from_secret_lists_the_devices(sims, monkeypatch):
    _, microshare = sims
    monkeypatch.setattr(
        pest_bootstrap, "load_secret", lambda env_var, tenant: dict(microshare.credentials)
    )
    monkeypatch.setenv("MICROSHARE_API_URL", microshare.url)
    monkeypatch.setenv("MICROSHARE_AUTH_URL", microshare.auth_url)
    iot = pest_bootstrap.build_iot("golden-crust", default_config())
    devices = iot.list_devices("io.microshare.trap.packed")
    assert sorted(d.point_ref for d in devices) == ["ERP024_025_01", "ERP024_025_02"]
    alerts = iot.list_alerts("io.microshare.event.alert.rodent", None)
    assert len(alerts) == 5 and all(a.event == "rodent_present" for a in alerts)


def test_wrong_credentials_are_source_unavailable_without_the_secret(sims, monkeypatch):
    odoo, _ = sims
    monkeypatch.setattr(
        pest_bootstrap,
        "load_secret",
        lambda env_var, tenant: {"database": "odoo", "login": "x", "api_key": "wrong-key-123"},
    )
    monkeypatch.setenv("ODOO_BASE_URL", odoo.url)
    erp = pest_bootstrap.build_erp("golden-crust", default_config())
    with pytest.raises(pest_bootstrap.SourceUnavailable) as info:
        erp.list_point_ids()
    assert "wrong-key-123" not in str(info.value)
