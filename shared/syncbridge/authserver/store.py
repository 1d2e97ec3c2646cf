"""The authorization server's records in OAUTH_TABLE (DynamoDB).

Keys start with the tenant, as everywhere: `TENANT#<t>#OAUTH#<KIND>#<id>`, where the id of
a token or code is the SHA-256 of its value (the tenant comes from the credential itself,
see `credentials`). GSI `gsi1` groups the tokens of one grant ("family") so a refresh
token reused after rotation, or a code presented twice, revokes everything issued from it.
moto never expires items, and neither does DynamoDB promptly: readers check `expires_at`.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.authserver.models import Client, CodeRecord, Person, TokenKind, TokenRecord
from syncbridge.domain.errors import Conflict

_KIND_SK = {"access_token": "ACCESS", "refresh_token": "REFRESH"}


def _client_key(tenant_id: str, client_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#OAUTH#CLIENT#{client_id}", "sk": "CLIENT"}


def _person_key(tenant_id: str, username: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#OAUTH#PERSON#{username.lower()}", "sk": "PERSON"}


def _token_key(tenant_id: str, digest: str, kind: TokenKind) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#OAUTH#TOKEN#{digest}", "sk": _KIND_SK[kind]}


def _code_key(tenant_id: str, digest: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#OAUTH#CODE#{digest}", "sk": "CODE"}


def _family_pk(tenant_id: str, family_id: str) -> str:
    return f"TENANT#{tenant_id}#OAUTH#FAMILY#{family_id}"


class OAuthStore:
    """DynamoDB repository of clients, people, tokens and codes (one table, OAUTH_TABLE)."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table("OAUTH_TABLE")
        return self._table

    # ------------------------------------------------------------------ clients
    def add_client(self, client: Client) -> None:
        item = {
            **_client_key(client.tenant_id, client.client_id),
            "gsi1pk": f"TENANT#{client.tenant_id}#OAUTH#CLIENTS",
            "gsi1sk": client.client_id,
            **client.model_dump(),
        }
        self._put_new(item, f"client {client.client_id} already exists")

    def get_client(self, tenant_id: str, client_id: str) -> Client | None:
        item = self._get(_client_key(tenant_id, client_id))
        return Client.model_validate(item) if item else None

    def list_clients(self, tenant_id: str) -> list[Client]:
        """The tenant's registered clients (revoked ones too, marked `disabled`)."""
        return [Client.model_validate(i) for i in self._group(f"TENANT#{tenant_id}#OAUTH#CLIENTS")]

    def disable_client(self, tenant_id: str, client_id: str) -> bool:
        """Revoke a client for good (its secret and tokens stop working); False if unknown."""
        return self._update_existing(
            _client_key(tenant_id, client_id), "SET disabled = :t", {":t": True}
        )

    # ------------------------------------------------------------------ people
    def add_person(self, person: Person) -> None:
        item = {
            **_person_key(person.tenant_id, person.username),
            "gsi1pk": f"TENANT#{person.tenant_id}#OAUTH#PEOPLE",
            "gsi1sk": person.username,
            **person.model_dump(),
        }
        self._put_new(item, f"person {person.username} already exists")

    def get_person(self, tenant_id: str, username: str) -> Person | None:
        item = self._get(_person_key(tenant_id, username))
        return Person.model_validate(item) if item else None

    def list_people(self, tenant_id: str) -> list[Person]:
        return [Person.model_validate(i) for i in self._group(f"TENANT#{tenant_id}#OAUTH#PEOPLE")]

    def set_role(self, tenant_id: str, username: str, role: str, at: int) -> bool:
        """A new role; sessions issued before `at` (with the old role) stop working."""
        return self._update_existing(
            _person_key(tenant_id, username),
            "SET #r = :r, sessions_since = :at",
            {":r": role, ":at": at},
            {"#r": "role"},
        )

    def remove_person(self, tenant_id: str, username: str) -> bool:
        """Delete a person (their sessions die with them: see `service._active_access_token`)."""
        try:
            self.table.delete_item(
                Key=_person_key(tenant_id, username), ConditionExpression="attribute_exists(pk)"
            )
        except ClientError as error:
            if aws.condition_failed(error):
                return False
            raise
        return True

    # ------------------------------------------------------------------ tokens
    def put_token(self, record: TokenRecord) -> None:
        item = {
            **_token_key(record.tenant_id, record.digest, record.kind),
            "gsi1pk": _family_pk(record.tenant_id, record.family_id),
            "gsi1sk": f"{_KIND_SK[record.kind]}#{record.digest}",
            **record.model_dump(),
        }
        self._put_new(item, "token collision")

    def get_token(self, tenant_id: str, digest: str, kind: TokenKind) -> TokenRecord | None:
        item = self._get(_token_key(tenant_id, digest, kind))
        return TokenRecord.model_validate(item) if item else None

    def revoke_token(self, record: TokenRecord) -> None:
        """Mark a token revoked (never delete: a revoked value must stay unusable)."""
        self._set_revoked(_token_key(record.tenant_id, record.digest, record.kind))
        if record.kind == "refresh_token" and record.access_digest:
            self._set_revoked(_token_key(record.tenant_id, record.access_digest, "access_token"))

    def claim_refresh_token(self, record: TokenRecord) -> bool:
        """Atomically retire a refresh token on use; False when someone else used it first."""
        try:
            self.table.update_item(
                Key=_token_key(record.tenant_id, record.digest, "refresh_token"),
                UpdateExpression="SET revoked = :t",
                ConditionExpression="attribute_exists(pk) AND revoked = :f",
                ExpressionAttributeValues={":t": True, ":f": False},
            )
        except ClientError as error:
            if aws.condition_failed(error):
                return False
            raise
        return True

    def revoke_family(self, tenant_id: str, family_id: str) -> int:
        """Revoke every token issued from one grant; returns how many were revoked."""
        count = 0
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(_family_pk(tenant_id, family_id)),
        }
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                self._set_revoked({"pk": item["pk"], "sk": item["sk"]})
                count += 1
            if "LastEvaluatedKey" not in page:
                return count
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # ------------------------------------------------------------------ codes
    def put_code(self, record: CodeRecord) -> None:
        item = {**_code_key(record.tenant_id, record.digest), **record.model_dump()}
        self._put_new(item, "code collision")

    def claim_code(
        self, tenant_id: str, digest: str
    ) -> tuple[CodeRecord | None, CodeRecord | None]:
        """Atomically mark a code used. Returns (claimed, replayed): exactly one or neither set.

        `replayed` is the code's record when it had already been used: the caller treats
        that as an attack and revokes what the first use issued (RFC 6749 §4.1.2).
        """
        key = _code_key(tenant_id, digest)
        try:
            result = self.table.update_item(
                Key=key,
                UpdateExpression="SET used = :t",
                ConditionExpression="attribute_exists(pk) AND used = :f",
                ExpressionAttributeValues={":t": True, ":f": False},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise
            item = self._get(key)
            return None, (CodeRecord.model_validate(item) if item else None)
        return CodeRecord.model_validate(result["Attributes"]), None

    # ------------------------------------------------------------------ helpers
    def _group(self, gsi1pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(gsi1pk),
        }
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _update_existing(
        self,
        key: dict[str, str],
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> bool:
        try:
            self.table.update_item(
                Key=key,
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values,
                **({"ExpressionAttributeNames": names} if names else {}),
            )
        except ClientError as error:
            if aws.condition_failed(error):
                return False
            raise
        return True

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        return self.table.get_item(Key=key, ConsistentRead=True).get("Item")

    def _put_new(self, item: dict[str, Any], conflict_message: str) -> None:
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if aws.condition_failed(error):
                raise Conflict(conflict_message) from None
            raise

    def _set_revoked(self, key: dict[str, str]) -> None:
        try:
            self.table.update_item(
                Key=key,
                UpdateExpression="SET revoked = :t",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":t": True},
            )
        except ClientError as error:
            if not aws.condition_failed(error):
                raise
