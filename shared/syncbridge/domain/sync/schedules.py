"""Each connection's own sync schedules: created on connect, removed on disconnect.

A stack-wide schedule keeps firing for connections that are gone and cannot be shown per
connection; one EventBridge Scheduler schedule per connection and action can. The tick a
schedule sends names its connection (`ScheduleTick.tenant_id/connection_id`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel

from syncbridge.domain.sync.models import SyncAction

EXPRESSIONS: dict[SyncAction, str] = {
    "incremental_sync": "rate(15 minutes)",
    "reconcile": "cron(0 3 * * ? *)",
}
_NAME_SAFE = re.compile(r"[^0-9A-Za-z_.-]")


class ScheduleInfo(BaseModel):
    name: str
    action: str
    expression: str
    state: str = "ENABLED"
    next_run: str | None = None


class ConnectionSchedules(Protocol):
    def ensure(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]:
        """Create the connection's schedules that do not exist yet; all of them."""
        ...

    def remove(self, tenant_id: str, connection_id: str) -> int:
        """Delete the connection's schedules; how many there were."""
        ...

    def describe(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]: ...


def schedule_name(prefix: str, tenant_id: str, connection_id: str, action: str) -> str:
    """A Scheduler-safe name (<= 64 chars) unique per tenant, connection and action; the
    tenant is hashed, so a long or unusual tenant id never breaks the name rules."""
    tenant = hashlib.sha256(tenant_id.encode()).hexdigest()[:16]
    short = {"incremental_sync": "inc", "reconcile": "rec"}.get(action, action[:8])
    conn = _NAME_SAFE.sub("-", connection_id)[:16]
    return f"{_NAME_SAFE.sub('-', prefix)[:20]}-{tenant}-{conn}-{short}"


def next_run(expression: str, created: datetime, now: datetime) -> datetime | None:
    """When a `rate(...)` or daily `cron(M H * * ? *)` schedule fires next (None if other)."""
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if rate:
        step = timedelta(**{f"{rate.group(2)}s": int(rate.group(1))})
        periods = max(0, int((now - created) / step)) + 1
        return created + periods * step
    daily = re.fullmatch(r"cron\((\d+) (\d+) \* \* \? \*\)", expression)
    if daily:
        moment = now.astimezone(UTC).replace(
            hour=int(daily.group(2)), minute=int(daily.group(1)), second=0, microsecond=0
        )
        return moment if moment > now else moment + timedelta(days=1)
    return None
