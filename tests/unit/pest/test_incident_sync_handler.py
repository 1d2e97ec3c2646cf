"""The scheduled incident-sync handler: iterates tenants, isolates failures per tenant."""

from __future__ import annotations

import pytest

from syncbridge.api.routes.pest_incidents import IncidentSyncOut
from tests.helpers.functions import ROOT, FakeContext, load_function


@pytest.fixture
def handler(monkeypatch):
    return load_function("incident_sync")


def test_unknown_action_is_refused(handler):
    assert handler.lambda_handler({"action": "nope"}, FakeContext())["ok"] is False


def test_each_tenant_runs_and_one_failure_does_not_stop_the_others(handler, monkeypatch):
    class Store:
        def list_tenants(self):
            return ["a", "broken", "c"]

    ran = []

    def run(ctx):
        if ctx == "broken":
            raise RuntimeError("boom")
        ran.append(ctx)
        return IncidentSyncOut(
            tenant_id=ctx,
            stale=False,
            errors={},
            summary={"created": 1},
            results=[],
            devices_retried={},
        )

    monkeypatch.setattr(handler, "pest_tenants", lambda: Store().list_tenants())
    monkeypatch.setattr(handler, "context_for", lambda tenant: tenant)
    monkeypatch.setattr(handler, "run_incident_sync", run)
    result = handler.lambda_handler({"action": "sync_incidents"}, FakeContext())
    assert ran == ["a", "c"]
    assert result["ok"] is False
    assert result["tenants"]["broken"] == {"error": "RuntimeError"}
    assert result["tenants"]["a"]["summary"] == {"created": 1}
    one = handler.lambda_handler({"action": "sync_incidents", "tenant_id": "c"}, FakeContext())
    assert list(one["tenants"]) == ["c"] and one["ok"]


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "events").glob("incident_sync-*.json")),
    ids=lambda p: p.stem,
)
def test_sample_events_run(handler, monkeypatch, path):
    import json

    class Store:
        def list_tenants(self):
            return ["golden-crust"]

    monkeypatch.setattr(handler, "pest_tenants", lambda: Store().list_tenants())
    monkeypatch.setattr(handler, "context_for", lambda tenant: tenant)
    monkeypatch.setattr(
        handler,
        "run_incident_sync",
        lambda ctx: IncidentSyncOut(
            tenant_id=ctx, stale=False, errors={}, summary={}, results=[], devices_retried={}
        ),
    )
    result = handler.lambda_handler(json.loads(path.read_text()), FakeContext())
    assert result == {
        "ok": True,
        "tenants": {"golden-crust": {"stale": False, "summary": {}, "errors": {}}},
    }
