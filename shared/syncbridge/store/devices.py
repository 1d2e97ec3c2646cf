"""DEVICES_TABLE (device records, DevEUI uniqueness) and the devices' AUDIT_TABLE entries.

Keys:
- `TENANT#<t>#DEVICES` / `DEVICE#<id>`      the device (JSON `data`, `version`, the claim: `store.lease`)
- `TENANT#<t>#DEVEUI#<deveui>` / `UNIQUE`   which device holds a DevEUI (conditional put)
- AUDIT_TABLE `TENANT#<t>#DEVICE#<id>` / `<iso time>#<random>`   who/when/old/new, with TTL
Every write that could race is conditional: create (not exists), save (same version),
claim (lease free or expired), reserve (free or already ours).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.pest.errors import ConcurrentUpdate, DuplicateDevEui
from syncbridge.domain.pest.models import AuditEntry, Device
from syncbridge.store import lease
from syncbridge.store.pest import query_all

DEFAULT_AUDIT_RETENTION_DAYS = 400


def _devices_pk(tenant: str) -> str:
    return f"TENANT#{tenant}#DEVICES"


def _eui_key(tenant: str, deveui: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant}#DEVEUI#{deveui}", "sk": "UNIQUE"}


class DynamoDeviceStore:
    """`DeviceStore` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("DEVICES_TABLE")
        return self._table

    def _key(self, tenant: str, device_id: str) -> dict[str, str]:
        return {"pk": _devices_pk(tenant), "sk": f"DEVICE#{device_id}"}

    @staticmethod
    def _load(item: dict[str, Any]) -> Device:
        device = Device.model_validate_json(item["data"])
        device.version = int(item["version"])
        return device

    def get(self, tenant: str, device_id: str) -> Device | None:
        item = self.table.get_item(Key=self._key(tenant, device_id), ConsistentRead=True).get(
            "Item"
        )
        return self._load(item) if item else None

    def list(self, tenant: str) -> list[Device]:
        return [self._load(i) for i in query_all(self.table, _devices_pk(tenant), "DEVICE#")]

    def create(self, device: Device) -> bool:
        stored = device.model_copy(update={"version": 1})
        try:
            self.table.put_item(
                Item={
                    **self._key(device.tenant_id, device.device_id),
                    "data": stored.model_dump_json(),
                    "version": 1,
                    "tenant_id": device.tenant_id,
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise

    def save(self, device: Device) -> Device:
        new = device.model_copy(update={"version": device.version + 1})
        try:
            self.table.update_item(
                Key=self._key(device.tenant_id, device.device_id),
                UpdateExpression="SET #d = :d, version = :n",
                ConditionExpression="version = :v",
                ExpressionAttributeNames={"#d": "data"},
                ExpressionAttributeValues={
                    ":d": new.model_dump_json(),
                    ":n": new.version,
                    ":v": device.version,
                },
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                raise ConcurrentUpdate(
                    f"device {device.device_id} changed meanwhile; reload and retry"
                ) from None
            raise
        return new

    # ---------------------------------------------------------------- DevEUI uniqueness
    def reserve_deveui(self, tenant: str, deveui: str, device_id: str) -> None:
        try:
            self.table.put_item(
                Item={**_eui_key(tenant, deveui), "device_id": device_id, "deveui": deveui},
                ConditionExpression="attribute_not_exists(pk) OR device_id = :d",
                ExpressionAttributeValues={":d": device_id},
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                owner = self.owner_of(tenant, deveui)
                raise DuplicateDevEui(
                    f"DevEUI {deveui} is already used by device {owner}", deveui=deveui
                ) from None
            raise

    def release_deveui(self, tenant: str, deveui: str, device_id: str) -> None:
        try:
            self.table.delete_item(
                Key=_eui_key(tenant, deveui),
                ConditionExpression="device_id = :d",
                ExpressionAttributeValues={":d": device_id},
            )
        except ClientError as exc:
            if not aws.condition_failed(exc):
                raise

    def owner_of(self, tenant: str, deveui: str) -> str | None:
        item = self.table.get_item(Key=_eui_key(tenant, deveui), ConsistentRead=True).get("Item")
        return item["device_id"] if item else None

    # ---------------------------------------------------------------- claims
    def try_claim(self, tenant: str, device_id: str, owner: str, seconds: int) -> bool:
        now = time.time()
        return lease.acquire(
            self.table,
            self._key(tenant, device_id),
            owner,
            now=now,
            until=now + seconds,
            reentrant=True,
            condition="attribute_exists(pk)",
        )

    def release_claim(self, tenant: str, device_id: str, owner: str) -> None:
        lease.release(self.table, self._key(tenant, device_id), owner)


class DynamoDeviceAudit:
    """`AuditLog` on AUDIT_TABLE; entries expire after the retention period."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("AUDIT_TABLE")
        return self._table

    def append(self, tenant: str, device_id: str, entry: AuditEntry) -> None:
        days = int(os.environ.get("AUDIT_RETENTION_DAYS", DEFAULT_AUDIT_RETENTION_DAYS))
        self.table.put_item(
            Item={
                "pk": f"TENANT#{tenant}#DEVICE#{device_id}",
                "sk": f"{entry.at.isoformat()}#{uuid.uuid4().hex[:8]}",
                "data": entry.model_dump_json(),
                "expires_at": int(time.time()) + days * 86400,
            }
        )

    def history(self, tenant: str, device_id: str) -> list[AuditEntry]:
        items = query_all(self.table, f"TENANT#{tenant}#DEVICE#{device_id}")
        return [AuditEntry.model_validate_json(i["data"]) for i in items]
