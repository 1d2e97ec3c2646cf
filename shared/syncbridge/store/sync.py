"""DynamoDB and SQS implementations of the sync services' ports (`domain.sync.ports`).

- `SqsFifoQueue`: the events queue (FIFO group + deduplication id).
- `EventMappingRepository`: the setup team's mappings plus the per-record `source_version`
  (newest `occurred_at` applied), advanced only by a conditional write.
- `DynamoEventClaims`: one claim per applied ERP event (MAPPINGS_TABLE, pk
  `TENANT#<t>#EVENTS#<erp>`, sk `EVENT#<event id>`), expiring with the dead letters.
- `ActiveConnectionDirectory`: every active connection, for the scheduler.
- `SetupProgressView`: has the guided setup applied a resource type yet?
- `SyncCursorRepository`: where the next incremental read of a connection's type starts.
- `FailedScanRepository`: unit scans the ERP refused, until a retry goes through.
- `SyncRunRepository`: the history of sync runs (counts per chunk added atomically).
- `SyncReviewItems`: records a change event could not place, as review proposals
  (PROPOSALS_TABLE, run `sync` of the ERP's connection).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.setup.models import Page, Proposal, proposal_scope
from syncbridge.domain.sync.models import SyncCommand
from syncbridge.domain.sync.ports import ClaimState, ConnectionRef
from syncbridge.domain.sync.pull import SyncReport
from syncbridge.store.mappings import DynamoMappingRepository, _pk
from syncbridge.store.proposals import DynamoProposalRepository
from syncbridge.store.setup import DynamoSetupRepository, SqsQueue


class SqsFifoQueue(SqsQueue):
    """`FifoQueue`: the one SQS publisher on the events queue (EVENTS_QUEUE_URL)."""

    def __init__(self, env_var: str = "EVENTS_QUEUE_URL") -> None:
        super().__init__(env_var)


class EventMappingRepository(DynamoMappingRepository):
    """`EventMappings`: mappings with the version of the newest change applied."""

    def snapshot(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> tuple[str | None, str | None]:
        item = (
            self.table.get_item(
                Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
                ConsistentRead=True,
                ProjectionExpression="internal_id, source_version",
            ).get("Item")
            or {}
        )
        return item.get("internal_id"), item.get("source_version")

    def source_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
            ConsistentRead=True,
            ProjectionExpression="source_version",
        ).get("Item")
        return (item or {}).get("source_version")

    def advance_version(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        external_id: str,
        version: str,
        event_id: str,
    ) -> bool:
        try:
            self.table.update_item(
                Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
                UpdateExpression="SET source_version = :v, source_event_id = :e",
                ConditionExpression=(
                    "attribute_exists(pk) AND "
                    "(attribute_not_exists(source_version) OR source_version < :v)"
                ),
                ExpressionAttributeValues={":v": version, ":e": event_id},
            )
        except ClientError as error:
            if aws.condition_failed(error):
                return False
            raise
        return True

    def count(self, tenant_id: str, erp: str, resource_type: str) -> int:
        """Mapped records of a type (a COUNT over the `EXT#` items)."""
        return _count(self.table, _pk(tenant_id, erp, resource_type), "EXT#")

    def tombstone_version(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> str | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"TOMB#{external_id}"},
            ConsistentRead=True,
        ).get("Item")
        return (item or {}).get("source_version")

    def bury(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, version: str
    ) -> None:
        try:
            self.table.update_item(
                Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"TOMB#{external_id}"},
                UpdateExpression="SET source_version = :v",
                ConditionExpression="attribute_not_exists(source_version) OR source_version < :v",
                ExpressionAttributeValues={":v": version},
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise

    def mark_seen(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str, run_id: str
    ) -> None:
        try:
            self.table.update_item(
                Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
                UpdateExpression="SET reconciled_run = :r",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":r": run_id},
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise

    def page_mapped(
        self, tenant_id: str, erp: str, resource_type: str, after: str | None, limit: int
    ) -> tuple[list[tuple[str, str, str, str]], str | None]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :ext)",
            "ExpressionAttributeValues": {
                ":pk": _pk(tenant_id, erp, resource_type),
                ":ext": "EXT#",
            },
            "ProjectionExpression": "external_id, internal_id, reconciled_run, updated_at",
            "ConsistentRead": True,
        }
        if after is not None:
            kwargs["ExclusiveStartKey"] = {
                "pk": _pk(tenant_id, erp, resource_type),
                "sk": f"EXT#{after}",
            }
        rows: list[tuple[str, str, str, str]] = []
        while len(rows) < limit:
            kwargs["Limit"] = min(1000, limit - len(rows))
            page = self.table.query(**kwargs)
            rows += [
                (
                    i["external_id"],
                    i["internal_id"],
                    i.get("reconciled_run", ""),
                    i.get("updated_at", ""),
                )
                for i in page.get("Items", [])
            ]
            if "LastEvaluatedKey" not in page:
                return rows, None
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return rows, rows[-1][0] if rows else None


CLAIM_RETENTION_SECONDS = 14 * 86400
"""As long as the events DLQ keeps a message: a replayed letter of an applied event is a
duplicate still (DynamoDB's TTL on `expires_at` removes the claim afterwards)."""


class DynamoEventClaims:
    """`EventClaims` on MAPPINGS_TABLE: a conditional put wins the event for one delivery."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        return self._table if self._table is not None else aws.table("MAPPINGS_TABLE")

    @staticmethod
    def _key(tenant_id: str, erp: str, event_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#EVENTS#{erp}", "sk": f"EVENT#{event_id}"}

    def claim(self, tenant_id: str, erp: str, event_id: str, lease_seconds: float) -> ClaimState:
        now_ms = int(time.time() * 1000)
        try:
            self.table.put_item(
                Item={
                    **self._key(tenant_id, erp, event_id),
                    "state": "applying",
                    "lease_until_ms": now_ms + int(lease_seconds * 1000),
                    "expires_at": now_ms // 1000 + CLAIM_RETENTION_SECONDS,
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#s = :applying AND lease_until_ms < :now)"
                ),
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":applying": "applying", ":now": now_ms},
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise
            item = self.table.get_item(
                Key=self._key(tenant_id, erp, event_id), ConsistentRead=True
            ).get("Item")
            return "done" if item and item.get("state") == "done" else "busy"
        return "claimed"

    def finish(self, tenant_id: str, erp: str, event_id: str, outcome: str) -> None:
        # a plain put (the claim is this delivery's): cheaper than an update expression
        self.table.put_item(
            Item={
                **self._key(tenant_id, erp, event_id),
                "state": "done",
                "outcome": outcome,
                "expires_at": int(time.time()) + CLAIM_RETENTION_SECONDS,
            }
        )

    def release(self, tenant_id: str, erp: str, event_id: str) -> None:
        try:
            self.table.delete_item(
                Key=self._key(tenant_id, erp, event_id),
                ConditionExpression="#s = :applying",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":applying": "applying"},
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise


class _OnConnectionsTable:
    """A reader/writer of CONNECTIONS_TABLE (the given table, else the env's, looked up once)."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("CONNECTIONS_TABLE")
        return self._table


class ActiveConnectionDirectory(_OnConnectionsTable):
    """`ActiveConnections` over CONNECTIONS_TABLE (a filtered scan: a few items per tenant)."""

    def list_active(self) -> Iterator[ConnectionRef]:
        kwargs: dict[str, Any] = {
            "FilterExpression": Attr("sk").begins_with("CONNECTION#") & Attr("status").eq("active"),
            "ProjectionExpression": "tenant_id, connection_id, erp",
        }
        while True:
            page = self.table.scan(**kwargs)
            for item in page.get("Items", []):
                if item.get("tenant_id") and item.get("connection_id") and item.get("erp"):
                    yield ConnectionRef(
                        tenant_id=item["tenant_id"],
                        connection_id=item["connection_id"],
                        erp=item["erp"],
                    )
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class SetupProgressView:
    """`SetupProgress` from the setup team's repository."""

    def __init__(self, setups: DynamoSetupRepository | None = None) -> None:
        self.setups = setups or DynamoSetupRepository()

    def type_done(self, tenant_id: str, erp: str, resource_type: str) -> bool:
        setup = self.setups.latest(tenant_id)
        if setup is None or setup.erp != erp:
            return False
        return setup.status == "complete" or setup.progress(resource_type).status == "done"


class SyncCursorRepository(_OnConnectionsTable):
    """`SyncCursors` in CONNECTIONS_TABLE beside the connection (sk `SYNC#<conn>#<type>`)."""

    @staticmethod
    def _key(tenant_id: str, connection_id: str, resource_type: str) -> dict[str, str]:
        return {
            "pk": f"TENANT#{tenant_id}#CONNECTIONS",
            "sk": f"SYNC#{connection_id}#{resource_type}",
        }

    def get(self, tenant_id: str, connection_id: str, resource_type: str) -> str | None:
        item = self.table.get_item(
            Key=self._key(tenant_id, connection_id, resource_type), ConsistentRead=True
        ).get("Item")
        return (item or {}).get("updated_since")

    def advance(
        self, tenant_id: str, connection_id: str, resource_type: str, updated_since: str
    ) -> bool:
        """Move the cursor forward only (a slow, older run never moves it back)."""
        try:
            self.table.update_item(
                Key=self._key(tenant_id, connection_id, resource_type),
                UpdateExpression="SET updated_since = :u",
                ConditionExpression="attribute_not_exists(updated_since) OR updated_since < :u",
                ExpressionAttributeValues={":u": updated_since},
            )
        except ClientError as error:
            if aws.condition_failed(error):
                return False
            raise
        return True


SYNC_RUN = "sync"
"""The proposal run id of review items raised after the setup (one per ERP record)."""


class SyncReviewItems:
    """`ReviewItems` on the proposals table: `review` proposals in run `sync`."""

    def __init__(self, proposals: DynamoProposalRepository | None = None) -> None:
        self.proposals = proposals or DynamoProposalRepository()

    @staticmethod
    def scope(tenant_id: str, erp: str, resource_type: str) -> str:
        return proposal_scope(tenant_id, erp, resource_type, SYNC_RUN)

    def put(self, tenant_id: str, erp: str, resource_type: str, proposal: Proposal) -> None:
        self.proposals.put_many(self.scope(tenant_id, erp, resource_type), [proposal])

    def get(
        self, tenant_id: str, erp: str, resource_type: str, external_id: str
    ) -> Proposal | None:
        return self.proposals.get(self.scope(tenant_id, erp, resource_type), external_id)

    def remove(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> None:
        self.proposals.delete(self.scope(tenant_id, erp, resource_type), external_id)

    def list(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        return self.proposals.list(
            self.scope(tenant_id, erp, resource_type), "review", "", cursor, limit
        )

    def count(self, tenant_id: str, erp: str, resource_type: str) -> int:
        return _count(self.proposals.table, self.scope(tenant_id, erp, resource_type), "P#review#")


def _count(table: Any, pk: str, prefix: str = "") -> int:
    """Items under one partition key (a COUNT query: nothing but the number comes back)."""
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": pk, ":prefix": prefix},
        "Select": "COUNT",
    }
    total = 0
    while True:
        page = table.query(**kwargs)
        total += int(page.get("Count", 0))
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


RUN_RETENTION_SECONDS = 90 * 86400


class SyncRunRepository(_OnConnectionsTable):
    """`SyncRuns`: one item per run and type beside the connection (sk
    `RUN#<conn>#<started at>#<action>#<type>`), chunk counts added atomically, kept 90 days."""

    @staticmethod
    def _key(command: SyncCommand) -> dict[str, str]:
        return {
            "pk": f"TENANT#{command.tenant_id}#CONNECTIONS",
            "sk": (
                f"RUN#{command.connection_id}#{command.started_at or command.run_id}"
                f"#{command.action}#{command.resource_type}"
            ),
        }

    def record(self, command: SyncCommand, report: SyncReport, finished: bool) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        names = {"#s": "status"}
        values: dict[str, Any] = {
            ":s": "done" if finished else "running",
            ":now": now,
            ":run": command.run_id,
            ":action": command.action,
            ":rt": command.resource_type,
            ":conn": command.connection_id,
            ":started": command.started_at or now,
            ":chunks": 1,
            ":read": report.read,
            ":exp": int(time.time()) + RUN_RETENTION_SECONDS,
        }
        adds = ["chunks :chunks", "#read :read"]
        names["#read"] = "read"
        for group in ("outcomes", "drift"):
            for i, (name, count) in enumerate(getattr(report, group).items()):
                names[f"#{group[0]}{i}"] = f"{group}_{name}"
                values[f":{group[0]}{i}"] = count
                adds.append(f"#{group[0]}{i} :{group[0]}{i}")
        sets = [
            "#s = :s",
            "updated_at = :now",
            "run_id = :run",
            "sync_action = :action",
            "resource_type = :rt",
            "connection_id = :conn",
            "started_at = if_not_exists(started_at, :started)",
            "expires_at = :exp",
        ]
        if finished:
            sets.append("finished_at = :now")
        if report.cursor:
            sets.append("last_cursor = :cursor")
            values[":cursor"] = report.cursor
        self.table.update_item(
            Key=self._key(command),
            UpdateExpression="SET " + ", ".join(sets) + " ADD " + ", ".join(adds),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def recent(self, tenant_id: str, connection_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs of a connection (one row per run and type), newest first."""
        page = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": f"TENANT#{tenant_id}#CONNECTIONS",
                ":prefix": f"RUN#{connection_id}#",
            },
            ScanIndexForward=False,
            Limit=limit,
        )
        out = []
        for item in page.get("Items", []):
            row: dict[str, Any] = {
                "run_id": item.get("run_id"),
                "action": item.get("sync_action"),
                "resource_type": item.get("resource_type"),
                "status": item.get("status"),
                "started_at": item.get("started_at"),
                "finished_at": item.get("finished_at"),
                "chunks": int(item.get("chunks", 0)),
                "read": int(item.get("read", 0)),
                "cursor": item.get("last_cursor"),
                "outcomes": {},
                "drift": {},
            }
            for name, value in item.items():
                for group in ("outcomes", "drift"):
                    if name.startswith(group + "_"):
                        row[group][name[len(group) + 1 :]] = int(value)
            out.append(row)
        return out


class FailedScanRepository(_OnConnectionsTable):
    """`FailedScans` beside the connection (sk `SCANFAIL#<erp>#<scan id>`, kept 90 days)."""

    @staticmethod
    def _key(tenant_id: str, erp: str, scan_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}#CONNECTIONS", "sk": f"SCANFAIL#{erp}#{scan_id}"}

    def record(
        self, message: Any, status: int, errors: list[dict[str, str]], audit_ref: str
    ) -> None:
        self.table.put_item(
            Item={
                **self._key(message.tenant_id, message.erp, message.scan_id),
                "scan_id": message.scan_id,
                "erp": message.erp,
                "status": status,
                "errors_json": json.dumps(errors),
                "message_json": message.model_dump_json(),
                "failed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "attempt": message.attempt,
                "audit_ref": audit_ref,
                "expires_at": int(time.time()) + RUN_RETENTION_SECONDS,
            }
        )

    def resolve(self, tenant_id: str, erp: str, scan_id: str) -> None:
        self.table.delete_item(Key=self._key(tenant_id, erp, scan_id))

    @staticmethod
    def _row(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "scan_id": item["scan_id"],
            "erp": item["erp"],
            "status": int(item["status"]),
            "errors": json.loads(item.get("errors_json") or "[]"),
            "failed_at": item.get("failed_at", ""),
            "attempt": int(item.get("attempt", 0)),
            "audit_ref": item.get("audit_ref", ""),
            "message": json.loads(item["message_json"]),
        }

    def get(self, tenant_id: str, erp: str, scan_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=self._key(tenant_id, erp, scan_id), ConsistentRead=True)
        return self._row(item["Item"]) if "Item" in item else None

    def list(self, tenant_id: str, limit: int = 100) -> list[dict[str, Any]]:
        page = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": f"TENANT#{tenant_id}#CONNECTIONS",
                ":prefix": "SCANFAIL#",
            },
            Limit=limit,
        )
        return [self._row(i) for i in page.get("Items", [])]


class SyncStatusReads:
    """`StatusReads` over the stores above."""

    def cursor(self, tenant_id: str, connection_id: str, resource_type: str) -> str | None:
        return SyncCursorRepository().get(tenant_id, connection_id, resource_type)

    def mapped_count(self, tenant_id: str, erp: str, resource_type: str) -> int:
        return EventMappingRepository().count(tenant_id, erp, resource_type)

    def review_count(self, tenant_id: str, erp: str, resource_type: str) -> int:
        return SyncReviewItems().count(tenant_id, erp, resource_type)

    def runs(self, tenant_id: str, connection_id: str, limit: int) -> list[dict[str, Any]]:
        return SyncRunRepository().recent(tenant_id, connection_id, limit)

    def failed_scans(self, tenant_id: str) -> list[dict[str, Any]]:
        return FailedScanRepository().list(tenant_id)
