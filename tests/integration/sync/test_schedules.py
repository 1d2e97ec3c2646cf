"""Each connection's sync schedules: created through the Scheduler API on connect (moto),
fired by the local runtime like any schedule, removed on disconnect."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from syncbridge.store.schedules import EventBridgeSchedules
from tests.integration.sync.test_runtime_flows import connect_to_ekos

pytestmark = pytest.mark.integration


def test_connect_creates_the_schedules_and_disconnect_removes_them(local_runtime: Any) -> None:
    rt, tenant = local_runtime, "sched-brewery"
    connect_to_ekos(rt, tenant)
    with rt.env_of("ApiFunction"):
        schedules = EventBridgeSchedules().describe(tenant, "ekos")
    assert {s.action for s in schedules} == {"incremental_sync", "reconcile"}
    assert all(s.next_run for s in schedules)
    incremental = next(s for s in schedules if s.action == "incremental_sync")
    # the tick names the connection: only this tenant's connection is planned
    result = rt.fire_schedule(incremental.name)
    assert result["enqueued"] == 4
    rt.wait_idle(timeout=60)
    bodies = [
        r["body"]
        for c in rt.invocations("ImporterFunction")
        for r in c.event.get("Records", [])
        if '"incremental_sync"' in r["body"]
    ]
    assert len(bodies) == 4 and all(f'"tenant_id":"{tenant}"' in b for b in bodies)

    from syncbridge.authserver.service import create_person, sign_in
    from syncbridge.authserver.store import OAuthStore

    with rt.env_of("ApiFunction"):
        store = OAuthStore()
        login = create_person(store, tenant, "owner", "admin")
        session = sign_in(store, tenant, "owner", login.password)
    with httpx.Client(base_url=rt.base_url, cookies={"sb_session": session}, timeout=30) as http:
        assert http.delete("/connections/ekos").status_code == 200
    with rt.env_of("ApiFunction"):
        assert EventBridgeSchedules().describe(tenant, "ekos") == []
    with pytest.raises(KeyError):
        rt.fire_schedule(incremental.name)
