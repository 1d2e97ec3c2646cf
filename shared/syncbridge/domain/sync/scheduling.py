"""Turn a schedule tick into sync commands: one per active connection and resource type.

Each connection has its own schedules (created on connect, removed on disconnect, see
`schedules`); their ticks name the connection, so only it is planned, and a tick for a
connection that is no longer active plans nothing.

`incremental_sync` asks for records changed since the connection's cursor (or, without
one yet, since a look-back window a little longer than the schedule period, so a late
tick loses nothing; re-reading an overlap is harmless because applying is newest-wins).
`reconcile` asks for a full read of every id, which finds deletions older than the ERP's
tombstone retention.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncbridge.domain.sync.models import RESOURCE_TYPES, ScheduleTick, SyncCommand
from syncbridge.domain.sync.ports import ActiveConnections, MessageQueue, SyncCursors
from syncbridge.observability import logger

DEFAULT_LOOKBACK = timedelta(minutes=20)  # schedule period (15 min) + overlap


def plan_sync(
    tick: ScheduleTick,
    connections: ActiveConnections,
    queue: MessageQueue,
    cursors: SyncCursors | None = None,
    now: datetime | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> list[SyncCommand]:
    """Enqueue and return the commands for this tick (run id = action + tick minute)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    run_id = f"{tick.action}-{moment:%Y%m%dT%H%MZ}"
    fallback = (moment - lookback).strftime("%Y-%m-%dT%H:%M:%SZ")
    started_at = moment.isoformat(timespec="seconds")
    sent: list[SyncCommand] = []
    for connection in connections.list_active():
        if tick.tenant_id and (
            connection.tenant_id != tick.tenant_id
            or connection.connection_id != (tick.connection_id or connection.connection_id)
        ):
            continue  # a connection's own schedule plans that connection only
        for resource_type in RESOURCE_TYPES:
            updated_since = None
            if tick.action == "incremental_sync":
                stored = (
                    cursors.get(connection.tenant_id, connection.connection_id, resource_type)
                    if cursors
                    else None
                )
                updated_since = stored or fallback
            command = SyncCommand(
                action=tick.action,
                tenant_id=connection.tenant_id,
                connection_id=connection.connection_id,
                erp=connection.erp,
                resource_type=resource_type,
                run_id=run_id,
                updated_since=updated_since,
                started_at=started_at,
            )
            queue.send(command)
            sent.append(command)
    logger.info("sync commands enqueued", extra={"sync_action": tick.action, "commands": len(sent)})
    return sent
