"""External id <-> internal id mappings (`MAPPINGS_TABLE`), the binder of the OCA connector.

pk `TENANT#<t>#MAP#<erp>#<type>`, sk `EXT#<external id>`; gsi1 (`gsi1pk` =
`TENANT#<t>#MAPI#<erp>#<type>`, `gsi1sk` = `INT#<internal id>`) finds the ERP record of an
internal one. Each item carries `version` and `updated_at`; writes are conditional, so a
mapping is never silently repointed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws


def _pk(tenant_id: str, erp: str, resource_type: str) -> str:
    return f"TENANT#{tenant_id}#MAP#{erp}#{resource_type}"


def _gsi1pk(tenant_id: str, erp: str, resource_type: str) -> str:
    return f"TENANT#{tenant_id}#MAPI#{erp}#{resource_type}"


def _new_item(
    tenant_id: str,
    erp: str,
    resource_type: str,
    external_id: str,
    internal_id: str,
    source: str,
    at: str,
) -> dict[str, Any]:
    """A mapping as it is first written (version 1), by a single put or a batch."""
    return {
        "pk": _pk(tenant_id, erp, resource_type),
        "sk": f"EXT#{external_id}",
        "internal_id": internal_id,
        "external_id": external_id,
        "tenant_id": tenant_id,
        "erp": erp,
        "resource_type": resource_type,
        "gsi1pk": _gsi1pk(tenant_id, erp, resource_type),
        "gsi1sk": f"INT#{internal_id}",
        "source": source,
        "updated_at": at,
        "version": 1,
    }


class DynamoMappingRepository:
    """`MappingRepository` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("MAPPINGS_TABLE")

    def put(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        external_id: str,
        internal_id: str,
        source: str,
    ) -> bool:
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        try:  # a new mapping: one conditional put (the common case, and the cheaper call)
            self.table.put_item(
                Item=_new_item(tenant_id, erp, resource_type, external_id, internal_id, source, at),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as exc:
            if not aws.condition_failed(exc):
                raise
        try:  # it exists: the same pairing is confirmed, another one refused
            self.table.update_item(
                Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
                UpdateExpression=(
                    "SET internal_id = :iid, external_id = :eid, tenant_id = :t, erp = :erp,"
                    " resource_type = :rt, gsi1pk = :g1pk, gsi1sk = :g1sk, #src = :src,"
                    " updated_at = :at ADD version :one"
                ),
                ConditionExpression="attribute_not_exists(pk) OR internal_id = :iid",
                ExpressionAttributeNames={"#src": "source"},
                ExpressionAttributeValues={
                    ":iid": internal_id,
                    ":eid": external_id,
                    ":t": tenant_id,
                    ":erp": erp,
                    ":rt": resource_type,
                    ":g1pk": _gsi1pk(tenant_id, erp, resource_type),
                    ":g1sk": f"INT#{internal_id}",
                    ":src": source,
                    ":at": at,
                    ":one": 1,
                },
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True

    def put_many(
        self,
        tenant_id: str,
        erp: str,
        resource_type: str,
        pairs: dict[str, str],
        source: str,
    ) -> set[str]:
        """Write many external -> internal mappings in 25-item batches; the external ids
        already mapped to another internal id (left unchanged). Mappings already equal are
        not rewritten, so a replay writes nothing. Batched writes carry no condition: the
        applier is the only writer of a type while it applies (ERP events for a type wait
        until its setup step is done)."""
        current = self.external_to_internal(tenant_id, erp, resource_type)
        conflicts = {e for e, i in pairs.items() if e in current and current[e] != i}
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.table.batch_writer() as batch:
            for external_id, internal_id in pairs.items():
                if external_id in current:
                    continue
                batch.put_item(
                    Item=_new_item(
                        tenant_id, erp, resource_type, external_id, internal_id, source, at
                    )
                )
        return conflicts

    def get(self, tenant_id: str, erp: str, resource_type: str, external_id: str) -> str | None:
        item = self.table.get_item(
            Key={"pk": _pk(tenant_id, erp, resource_type), "sk": f"EXT#{external_id}"},
            ConsistentRead=True,
        ).get("Item")
        return item["internal_id"] if item else None

    def external_for(
        self, tenant_id: str, erp: str, resource_type: str, internal_id: str
    ) -> str | None:
        """The ERP id mapped to `internal_id` (via gsi1), if any."""
        page = self.table.query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues={
                ":pk": _gsi1pk(tenant_id, erp, resource_type),
                ":sk": f"INT#{internal_id}",
            },
        )
        items = page.get("Items", [])
        return items[0]["external_id"] if items else None

    def external_to_internal(self, tenant_id: str, erp: str, resource_type: str) -> dict[str, str]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :ext)",
            "ExpressionAttributeValues": {
                ":pk": _pk(tenant_id, erp, resource_type),
                ":ext": "EXT#",
            },
            "ProjectionExpression": "external_id, internal_id",
            "ConsistentRead": True,
        }
        out: dict[str, str] = {}
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                out[item["external_id"]] = item["internal_id"]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def internal_ids(self, tenant_id: str, erp: str, resource_type: str) -> set[str]:
        return set(self.external_to_internal(tenant_id, erp, resource_type).values())
