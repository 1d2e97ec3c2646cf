"""PEST_TABLE: per-tenant pest-control config, snapshots, cursors, alert dedupe, incidents.

Keys (every partition starts with the tenant, except the one-item-per-tenant registry the
scheduled incident sync iterates):
- `TENANT#<t>#PEST` / `CONFIG`                 tenant config (JSON, `version`)
- `TENANT#<t>#PEST` / `META#<source>`          snapshot / cursor state of a source
- `TENANT#<t>#PEST` / `IOT#devices`            the IoT device snapshot (one item)
- `TENANT#<t>#PEST` / `LEASE#<name>`           short leases (who refreshes the snapshot)
- `TENANT#<t>#POINTS` / `POINT#<id>`           ERP point snapshot, one item per point
- `TENANT#<t>#ALERTS` / `ALERT#<event id>`     alert dedupe claims (TTL 90 days)
- `TENANT#<t>#INCIDENTS` / `GROUP#<key>`       open incident groups (`version`)
- `PEST#TENANTS` / `TENANT#<t>`                 registry of tenants with a pest config
Models are stored as JSON strings in `data`, so no float/Decimal juggling.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import BaseModel, TypeAdapter

from syncbridge import aws
from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.errors import Conflict
from syncbridge.domain.pest.models import IncidentGroup, IotDevice, Point, SnapshotMeta
from syncbridge.store import lease

REGISTRY_PK = "PEST#TENANTS"
ALERT_RETENTION_SECONDS = 90 * 24 * 3600
STALE_CLAIM_SECONDS = 300
_DEVICES = TypeAdapter(list[IotDevice])


def _pest(tenant: str) -> str:
    return f"TENANT#{tenant}#PEST"


def _lease_key(tenant: str, name: str) -> dict[str, str]:
    return {"pk": _pest(tenant), "sk": f"LEASE#{name}"}


def query_all(table: Any, pk: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """Every item of a partition (optionally with a sort-key prefix), following pages."""
    condition = Key("pk").eq(pk)
    if prefix:
        condition = condition & Key("sk").begins_with(prefix)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    while True:
        page = table.query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoPestStore:
    """`PestStore` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("PEST_TABLE")
        return self._table

    # ---------------------------------------------------------------- config
    def get_config(self, tenant: str) -> PestConfig | None:
        item = self.table.get_item(Key={"pk": _pest(tenant), "sk": "CONFIG"}).get("Item")
        if not item:
            return None
        config = PestConfig.model_validate_json(item["data"])
        config.version = int(item.get("version", 0))
        return config

    def put_config(self, tenant: str, config: PestConfig, expected_version: int | None) -> None:
        self._put_versioned(
            _pest(tenant),
            "CONFIG",
            config,
            expected_version,
            "the configuration changed meanwhile; reload and retry",
        )
        self.register_tenant(tenant)

    def _put_versioned(
        self,
        pk: str,
        sk: str,
        model: BaseModel,
        expected_version: int | None,
        conflict_message: str,
    ) -> None:
        """Store `model` as version `expected_version + 1` iff the stored version is still
        `expected_version` (None: iff nothing is stored); raise Conflict otherwise."""
        new_version = (expected_version or 0) + 1
        data = model.model_copy(update={"version": new_version}).model_dump_json()
        kwargs: dict[str, Any] = {
            "Item": {"pk": pk, "sk": sk, "data": data, "version": new_version}
        }
        if expected_version is None:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            kwargs["ConditionExpression"] = "version = :v"
            kwargs["ExpressionAttributeValues"] = {":v": expected_version}
        try:
            self.table.put_item(**kwargs)
        except ClientError as exc:
            if aws.condition_failed(exc):
                raise Conflict(conflict_message) from None
            raise

    def register_tenant(self, tenant: str) -> None:
        self.table.put_item(Item={"pk": REGISTRY_PK, "sk": f"TENANT#{tenant}", "tenant_id": tenant})

    def list_tenants(self) -> list[str]:
        return [item["tenant_id"] for item in query_all(self.table, REGISTRY_PK, "TENANT#")]

    # ---------------------------------------------------------------- snapshot meta
    def get_meta(self, tenant: str, source: str) -> SnapshotMeta | None:
        item = self.table.get_item(Key={"pk": _pest(tenant), "sk": f"META#{source}"}).get("Item")
        return SnapshotMeta.model_validate_json(item["data"]) if item else None

    def put_meta(self, tenant: str, meta: SnapshotMeta) -> None:
        self.table.put_item(
            Item={"pk": _pest(tenant), "sk": f"META#{meta.source}", "data": meta.model_dump_json()}
        )

    # ---------------------------------------------------------------- points
    def upsert_points(self, tenant: str, points: Iterable[Point]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for point in points:
                batch.put_item(
                    Item={
                        "pk": f"TENANT#{tenant}#POINTS",
                        "sk": f"POINT#{point.id}",
                        "data": point.model_dump_json(),
                    }
                )

    def delete_points(self, tenant: str, point_ids: Iterable[str]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for pid in point_ids:
                batch.delete_item(Key={"pk": f"TENANT#{tenant}#POINTS", "sk": f"POINT#{pid}"})

    def list_points(self, tenant: str) -> list[Point]:
        items = query_all(self.table, f"TENANT#{tenant}#POINTS", "POINT#")
        return [Point.model_validate_json(item["data"]) for item in items]

    def get_iot_devices(self, tenant: str) -> list[IotDevice]:
        item = self.table.get_item(Key={"pk": _pest(tenant), "sk": "IOT#devices"}).get("Item")
        return _DEVICES.validate_json(item["data"]) if item else []

    def put_iot_devices(self, tenant: str, devices: list[IotDevice]) -> None:
        self.table.put_item(
            Item={
                "pk": _pest(tenant),
                "sk": "IOT#devices",
                "data": _DEVICES.dump_json(devices).decode(),
            }
        )

    # ---------------------------------------------------------------- leases
    def try_lease(self, tenant: str, name: str, owner: str, seconds: int) -> bool:
        now = time.time()
        return lease.acquire(
            self.table,
            _lease_key(tenant, name),
            owner,
            now=now,
            until=now + seconds,
            also_set={"expires_at": int(now) + seconds + 3600},  # TTL: a lease item is litter
        )

    def release_lease(self, tenant: str, name: str, owner: str) -> None:
        lease.release(self.table, _lease_key(tenant, name), owner, delete_item=True)

    # ---------------------------------------------------------------- alerts
    def claim_alert(self, tenant: str, alert_id: str) -> bool:
        now = int(time.time())
        try:
            self.table.put_item(
                Item={
                    "pk": f"TENANT#{tenant}#ALERTS",
                    "sk": f"ALERT#{alert_id}",
                    "state": "claimed",
                    "claimed_at": now,
                    "expires_at": now + ALERT_RETENTION_SECONDS,
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#s = :claimed AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={
                    ":claimed": "claimed",
                    ":stale": now - STALE_CLAIM_SECONDS,
                },
            )
            return True
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise

    def finish_alert(
        self, tenant: str, alert_id: str, outcome: str, incident_id: str | None
    ) -> None:
        self.table.update_item(
            Key={"pk": f"TENANT#{tenant}#ALERTS", "sk": f"ALERT#{alert_id}"},
            UpdateExpression="SET #s = :s, outcome = :o, incident_id = :i",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":s": "done", ":o": outcome, ":i": incident_id or ""},
        )

    def release_alert(self, tenant: str, alert_id: str) -> None:
        self.table.delete_item(Key={"pk": f"TENANT#{tenant}#ALERTS", "sk": f"ALERT#{alert_id}"})

    # ---------------------------------------------------------------- incident groups
    def get_group(self, tenant: str, key: str) -> IncidentGroup | None:
        item = self.table.get_item(
            Key={"pk": f"TENANT#{tenant}#INCIDENTS", "sk": f"GROUP#{key}"}
        ).get("Item")
        if not item:
            return None
        group = IncidentGroup.model_validate_json(item["data"])
        group.version = int(item["version"])
        return group

    def put_group(self, tenant: str, group: IncidentGroup, expected_version: int | None) -> None:
        self._put_versioned(
            f"TENANT#{tenant}#INCIDENTS",
            f"GROUP#{group.key}",
            group,
            expected_version,
            f"incident group {group.key} changed meanwhile",
        )

    def list_groups(self, tenant: str) -> list[IncidentGroup]:
        groups = []
        for item in query_all(self.table, f"TENANT#{tenant}#INCIDENTS", "GROUP#"):
            group = IncidentGroup.model_validate_json(item["data"])
            group.version = int(item["version"])
            groups.append(group)
        return groups
