"""DynamoDB/SQS side of the guided setup: progress per type, audit entries, queues.

The audit trail lives in `store.audit`.

Setup table layout (one partition per tenant, `TENANT#<tenant>#SETUP`):
- sk `CONN#<connection>#HEAD`: the setup (erp, run id, status, started/completed at);
- sk `CONN#<connection>#TYPE#<type>`: one resource type's status, counters and counts.
A type item that does not exist yet (or belongs to an older run) reads as `pending`.
State changes are conditional updates on `status`, so each step happens once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from syncbridge import aws
from syncbridge.domain.setup.models import RESOURCE_ORDER, Setup, TypeProgress, TypeStatus
from syncbridge.domain.setup.state import allowed_sources


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints/floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#SETUP"


def _type_sk(connection_id: str, resource_type: str) -> str:
    return f"CONN#{connection_id}#TYPE#{resource_type}"


def _head_sk(connection_id: str) -> str:
    return f"CONN#{connection_id}#HEAD"


class DynamoSetupRepository:
    """`SetupRepository` on `SETUP_TABLE`."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("SETUP_TABLE")

    # ------------------------------------------------------------------ reading
    def get(self, tenant_id: str, connection_id: str) -> Setup | None:
        page = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": _pk(tenant_id), ":prefix": f"CONN#{connection_id}#"},
            ConsistentRead=True,
        )
        items = [_plain(i) for i in page.get("Items", [])]
        return self._assemble(items, connection_id)

    def latest(self, tenant_id: str) -> Setup | None:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _pk(tenant_id)},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        heads = [i for i in items if i["sk"].endswith("#HEAD")]
        if not heads:
            return None
        head = max(heads, key=lambda i: i.get("started_at", ""))
        prefix = f"CONN#{head['connection_id']}#"
        return self._assemble(
            [i for i in items if i["sk"].startswith(prefix)], head["connection_id"]
        )

    @staticmethod
    def _assemble(items: list[dict[str, Any]], connection_id: str) -> Setup | None:
        head = next((i for i in items if i["sk"] == _head_sk(connection_id)), None)
        if head is None:
            return None
        types: dict[str, TypeProgress] = {}
        for item in items:
            rtype = item.get("resource_type")
            if item["sk"].endswith("#HEAD") or rtype not in RESOURCE_ORDER:
                continue
            if item.get("run_id") != head["run_id"]:
                continue  # an older run's progress: this run has not reached the type yet
            types[rtype] = TypeProgress.model_validate(
                {k: v for k, v in item.items() if k in TypeProgress.model_fields}
            )
        return Setup(
            tenant_id=head["tenant_id"],
            connection_id=connection_id,
            erp=head["erp"],
            run_id=head["run_id"],
            status=head.get("status", "in_progress"),
            started_at=head.get("started_at", ""),
            completed_at=head.get("completed_at", ""),
            types=types,
        )

    # ------------------------------------------------------------------ writing
    def start(self, setup: Setup, replace_run: str | None = None) -> Setup:
        item = {
            "pk": _pk(setup.tenant_id),
            "sk": _head_sk(setup.connection_id),
            "tenant_id": setup.tenant_id,
            "connection_id": setup.connection_id,
            "erp": setup.erp,
            "run_id": setup.run_id,
            "status": "in_progress",
            "started_at": setup.started_at or _now(),
        }
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if replace_run is not None:
            condition = {
                "ConditionExpression": "run_id = :old",
                "ExpressionAttributeValues": {":old": replace_run},
            }
        try:
            self.table.put_item(Item=item, **condition)
        except ClientError as exc:
            if not aws.condition_failed(exc):
                raise
        stored = self.get(setup.tenant_id, setup.connection_id)
        assert stored is not None
        return stored

    def begin_import(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        run_id: str,
        now: int,
        lease_seconds: int,
    ) -> bool:
        key = {"pk": _pk(tenant_id), "sk": _type_sk(connection_id, resource_type)}
        try:  # resume: an importing type whose lease ran out keeps its counters and cursor
            self.table.update_item(
                Key=key,
                UpdateExpression="SET lease_until = :lease, updated_at = :at ADD attempts :one",
                ConditionExpression="run_id = :run AND #s = :importing AND lease_until < :now",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":importing": "importing",
                    ":run": run_id,
                    ":lease": now + lease_seconds,
                    ":now": now,
                    ":at": _now(),
                    ":one": 1,
                },
            )
            return True
        except ClientError as exc:
            if not aws.condition_failed(exc):
                raise
        try:  # a fresh start: counters, cursor and attempts from zero
            self.table.update_item(
                Key=key,
                UpdateExpression=(
                    "SET #s = :importing, run_id = :run, resource_type = :rt, pages = :zero,"
                    " #records = :zero, lease_until = :lease, updated_at = :at, #err = :empty,"
                    " #cursor = :empty, attempts = :one"
                ),
                ConditionExpression="attribute_not_exists(#s) OR run_id <> :run OR #s = :pending",
                ExpressionAttributeNames={
                    "#s": "status",
                    "#records": "records",
                    "#err": "error",
                    "#cursor": "cursor",
                },
                ExpressionAttributeValues={
                    ":importing": "importing",
                    ":pending": "pending",
                    ":run": run_id,
                    ":rt": resource_type,
                    ":zero": 0,
                    ":one": 1,
                    ":lease": now + lease_seconds,
                    ":at": _now(),
                    ":empty": "",
                },
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True

    def add_progress(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        pages: int,
        records: int,
        cursor: str | None = None,
    ) -> None:
        names = {"#records": "records"}
        values: dict[str, Any] = {":p": pages, ":r": records, ":at": _now()}
        sets = "updated_at = :at"
        if cursor is not None:
            names["#cursor"] = "cursor"
            values[":c"] = cursor
            sets += ", #cursor = :c"
        self.table.update_item(
            Key={"pk": _pk(tenant_id), "sk": _type_sk(connection_id, resource_type)},
            UpdateExpression=f"ADD pages :p, #records :r SET {sets}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def transition(
        self,
        tenant_id: str,
        connection_id: str,
        resource_type: str,
        target: TypeStatus,
        **fields: Any,
    ) -> bool:
        sources = sorted(allowed_sources(target))
        names = {"#s": "status"}
        values: dict[str, Any] = {":target": target, ":at": _now()}
        sets = ["#s = :target", "updated_at = :at"]
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
        placeholders = []
        for i, source in enumerate(sources):
            values[f":src{i}"] = source
            placeholders.append(f":src{i}")
        try:
            self.table.update_item(
                Key={"pk": _pk(tenant_id), "sk": _type_sk(connection_id, resource_type)},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"#s IN ({', '.join(placeholders)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True

    def complete(self, tenant_id: str, connection_id: str) -> bool:
        try:
            self.table.update_item(
                Key={"pk": _pk(tenant_id), "sk": _head_sk(connection_id)},
                UpdateExpression="SET #s = :complete, completed_at = :at",
                ConditionExpression="attribute_exists(pk) AND #s <> :complete",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":complete": "complete", ":at": _now()},
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True


class SqsQueue:
    """The one SQS publisher: `MessageQueue` (and, with a group and deduplication id,
    `FifoQueue`) on the queue whose URL the template put in `env_var`, read when sending."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var

    def send(
        self,
        message: BaseModel,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> str:
        """Send `message` as JSON; returns SQS's message id."""
        fifo: dict[str, str] = {}
        if group_id is not None:
            fifo["MessageGroupId"] = group_id
        if deduplication_id is not None:
            fifo["MessageDeduplicationId"] = deduplication_id
        answer = aws.client("sqs").send_message(
            QueueUrl=aws.required_env(self.env_var),
            MessageBody=message.model_dump_json(),
            **fifo,
        )
        return str(answer["MessageId"])
