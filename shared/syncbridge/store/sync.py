"""DynamoDB and SQS implementations of the sync services' ports (`domain.sync.ports`).

- `SqsFifoQueue`: the events queue (FIFO group + deduplication id).
- `EventMappingRepository`: the setup team's mappings plus the per-record `source_version`
  (newest `occurred_at` applied), advanced only by a conditional write.
- `ActiveConnectionDirectory`: every active connection, for the scheduler.
- `SetupProgressView`: has the guided setup applied a resource type yet?
- `SyncCursorRepository`: where the next incremental read of a connection's type starts.
- `SyncReviewItems`: records a change event could not place, as review proposals
  (PROPOSALS_TABLE, run `sync` of the ERP's connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError
from pydantic import BaseModel

from syncbridge import aws
from syncbridge.domain.setup.models import Page, Proposal, proposal_scope
from syncbridge.domain.sync.ports import ConnectionRef
from syncbridge.store.mappings import DynamoMappingRepository, _pk
from syncbridge.store.proposals import DynamoProposalRepository
from syncbridge.store.setup import DynamoSetupRepository


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class SqsFifoQueue:
    """`FifoQueue` on the FIFO queue whose URL the template put in `env_var`."""

    def __init__(self, env_var: str = "EVENTS_QUEUE_URL") -> None:
        self.env_var = env_var

    def send(self, message: BaseModel, *, group_id: str, deduplication_id: str) -> None:
        aws.client("sqs").send_message(
            QueueUrl=aws.required_env(self.env_var),
            MessageBody=message.model_dump_json(),
            MessageGroupId=group_id,
            MessageDeduplicationId=deduplication_id,
        )


class EventMappingRepository(DynamoMappingRepository):
    """`EventMappings`: mappings with the version of the newest change applied."""

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
            if _conditional_failed(error):
                return False
            raise
        return True


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
            if _conditional_failed(error):
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
