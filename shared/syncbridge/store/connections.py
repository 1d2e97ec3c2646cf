"""ERP connections in DynamoDB (CONNECTIONS_TABLE), tokens sealed with KMS, imports on SQS.

Item layout (every key starts with the tenant):
- connection: pk `TENANT#<t>#CONNECTIONS`, sk `CONNECTION#<id>`: status, scopes, `version`
  (bumped on every token write), `token_ciphertext` (KMS, EncryptionContext {tenant,
  connection}), `access_expires_at`, and the refresh lease (`store.lease`).
- authorization attempt: pk `TENANT#<t>#OAUTH_STATE`, sk `STATE#<sha256(state)>`:
  code_verifier, redirect_uri, `expires_at` (TTL; checked by the service too, since
  moto never expires items). Consumed by a conditional delete, so a state works once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.connections.messages import ImportCommand
from syncbridge.domain.connections.models import (
    Connection,
    ConnectionStatus,
    PendingAuthorization,
    StoredConnection,
)
from syncbridge.domain.connections.pkce import state_digest, state_tenant
from syncbridge.store import lease
from syncbridge.store.setup import SqsQueue

TABLE_ENV = "CONNECTIONS_TABLE"


def _conn_key(tenant_id: str, connection_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#CONNECTIONS", "sk": f"CONNECTION#{connection_id}"}


def _state_key(tenant_id: str, state: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#OAUTH_STATE", "sk": f"STATE#{state_digest(state)}"}


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    return bytes(value.value) if hasattr(value, "value") else bytes(value)


class DynamoConnectionRepository:
    """`ConnectionRepository` on the Connections table."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table(TABLE_ENV)
        return self._table

    # ---------------------------------------------------------------- attempts
    def save_pending(self, pending: PendingAuthorization) -> None:
        self.table.put_item(
            Item={
                **_state_key(pending.tenant_id, pending.state),
                "tenant_id": pending.tenant_id,
                "connection_id": pending.connection_id,
                "erp": pending.erp,
                "code_verifier": pending.code_verifier,
                "redirect_uri": pending.redirect_uri,
                "expires_at": int(pending.expires_at),
                "started_by": pending.started_by,
                "browser_binding": pending.browser_binding,
            }
        )

    def consume_pending(self, state: str) -> PendingAuthorization | None:
        tenant_id = state_tenant(state)
        if tenant_id is None:
            return None
        try:
            old = self.table.delete_item(
                Key=_state_key(tenant_id, state),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except ClientError as exc:
            if aws.condition_failed(exc):
                return None
            raise
        if not old or old.get("tenant_id") != tenant_id:
            return None
        return PendingAuthorization(
            tenant_id=tenant_id,
            connection_id=old["connection_id"],
            erp=old["erp"],
            state=state,
            code_verifier=old["code_verifier"],
            redirect_uri=old["redirect_uri"],
            expires_at=float(old["expires_at"]),
            started_by=old.get("started_by", ""),
            browser_binding=old.get("browser_binding", ""),
        )

    # ---------------------------------------------------------------- connections
    def get(self, tenant_id: str, connection_id: str) -> StoredConnection | None:
        item = self.table.get_item(
            Key=_conn_key(tenant_id, connection_id), ConsistentRead=True
        ).get("Item")
        return self._stored(item) if item else None

    def list(self, tenant_id: str) -> list[Connection]:
        from boto3.dynamodb.conditions import Key

        items: list[dict] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"TENANT#{tenant_id}#CONNECTIONS")
            & Key("sk").begins_with("CONNECTION#"),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [self._stored(i).connection for i in items]

    @staticmethod
    def _stored(item: dict) -> StoredConnection:
        connection = Connection(
            tenant_id=item["tenant_id"],
            connection_id=item["connection_id"],
            erp=item["erp"],
            status=item["status"],
            scopes=list(item.get("scopes") or []),
            connected_at=item.get("connected_at"),
            updated_at=item.get("updated_at"),
            last_error=item.get("last_error"),
        )
        expires = item.get("access_expires_at")
        return StoredConnection(
            connection=connection,
            version=int(item.get("version", 0)),
            token_ciphertext=_bytes(item.get("token_ciphertext")),
            access_expires_at=float(expires) if expires is not None else None,
        )

    def save_connected(
        self, connection: Connection, token_ciphertext: bytes, access_expires_at: float
    ) -> int:
        answer = self.table.update_item(
            Key=_conn_key(connection.tenant_id, connection.connection_id),
            UpdateExpression=(
                "SET tenant_id = :t, connection_id = :c, erp = :e, #st = :s, scopes = :sc, "
                "connected_at = :ca, updated_at = :ua, token_ciphertext = :tok, "
                "access_expires_at = :exp, version = if_not_exists(version, :zero) + :one "
                f"REMOVE {lease.HOLDER}, {lease.UNTIL}, last_error"
            ),
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={
                ":t": connection.tenant_id,
                ":c": connection.connection_id,
                ":e": connection.erp,
                ":s": connection.status,
                ":sc": connection.scopes,
                ":ca": connection.connected_at or _now_iso(),
                ":ua": connection.updated_at or _now_iso(),
                ":tok": token_ciphertext,
                ":exp": int(access_expires_at),
                ":zero": 0,
                ":one": 1,
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["version"])

    def acquire_refresh_lease(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        version: int,
        holder: str,
        now: float,
        until: float,
    ) -> bool:
        return lease.acquire(
            self.table,
            _conn_key(tenant_id, connection_id),
            holder,
            now=now,
            until=until,
            condition="version = :v AND #st = :active",
            names={"#st": "status"},
            values={":v": version, ":active": "active"},
        )

    def release_refresh_lease(self, tenant_id: str, connection_id: str, *, holder: str) -> None:
        lease.release(self.table, _conn_key(tenant_id, connection_id), holder)

    def replace_tokens(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        expected_version: int,
        token_ciphertext: bytes,
        access_expires_at: float,
    ) -> bool:
        try:
            self.table.update_item(
                Key=_conn_key(tenant_id, connection_id),
                UpdateExpression=(
                    "SET token_ciphertext = :tok, access_expires_at = :exp, updated_at = :ua, "
                    f"version = version + :one REMOVE {lease.HOLDER}, {lease.UNTIL}"
                ),
                ConditionExpression="version = :v AND #st = :active",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":tok": token_ciphertext,
                    ":exp": int(access_expires_at),
                    ":ua": _now_iso(),
                    ":one": 1,
                    ":v": expected_version,
                    ":active": "active",
                },
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True

    def set_status(
        self,
        tenant_id: str,
        connection_id: str,
        status: ConnectionStatus,
        *,
        error: str | None = None,
        drop_tokens: bool = False,
        expected_status: ConnectionStatus | None = None,
    ) -> bool:
        sets = ["#st = :s", "updated_at = :ua"]
        removes = []
        values: dict[str, Any] = {":s": status, ":ua": _now_iso()}
        if error:
            sets.append("last_error = :err")
            values[":err"] = error
        else:
            removes.append("last_error")
        if drop_tokens:
            sets.append("version = if_not_exists(version, :zero) + :one")
            values.update({":zero": 0, ":one": 1})
            removes += ["token_ciphertext", "access_expires_at", lease.HOLDER, lease.UNTIL]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        condition = "attribute_exists(pk)"
        if expected_status:
            condition += " AND #st = :expected"
            values[":expected"] = expected_status
        try:
            self.table.update_item(
                Key=_conn_key(tenant_id, connection_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                return False
            raise
        return True


class KmsTokenCipher:
    """`TokenCipher` with KMS (`TOKEN_KEY_ID`); tokens are small, so no data-key envelope."""

    def __init__(self, key_id: str | None = None) -> None:
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id or aws.required_env("TOKEN_KEY_ID")

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        answer = aws.client("kms").encrypt(
            KeyId=self.key_id, Plaintext=plaintext, EncryptionContext=context
        )
        return bytes(answer["CiphertextBlob"])

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        answer = aws.client("kms").decrypt(
            CiphertextBlob=ciphertext, EncryptionContext=context, KeyId=self.key_id
        )
        return bytes(answer["Plaintext"])


class SqsImportPublisher(SqsQueue):
    """`ImportPublisher`: the one SQS publisher on IMPORT_QUEUE_URL."""

    def __init__(self, env_var: str = "IMPORT_QUEUE_URL") -> None:
        super().__init__(env_var)

    def publish(self, command: ImportCommand) -> None:
        self.send(command)
