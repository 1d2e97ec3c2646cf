"""Matcher proposals awaiting review (`PROPOSALS_TABLE`).

pk `TENANT#<t>#CONN#<c>#TYPE#<type>#RUN#<run>`, sk `P#<decision>#<external id>`: the matcher's
decision is part of the key so the page lists one group (match / review / create) with a
key-range query, paginated server-side. The person's choice lives in the item and never
moves it between groups. Each item has a `version` for conditional updates.

The review group is listed most informative first (active learning): by the matcher's
`review_priority` (kept as the item's `priority`), then external id. The order is read
from a projection of the group's keys and priorities (a few dozen bytes an item), the
page's proposals then by key; a cursor is the last (priority, id) shown, so pages
neither repeat nor skip while a person works through them (priorities never change
after matching, and an edit never moves a proposal out of its group).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.setup import cursor as cursors
from syncbridge.domain.setup.errors import ProposalChanged
from syncbridge.domain.setup.models import DECISIONS, Page, Proposal
from syncbridge.store.cursor_key import cursor_key

MAX_SCANNED_PER_PAGE = 2000
"""A filtered page stops after reading this many items (and returns a cursor)."""


def _sk(decision: str, external_id: str) -> str:
    return f"P#{decision}#{external_id}"


PRIORITY_ORDERED = frozenset({"review"})
"""Groups listed most informative first; the others by external id."""


def _priority(proposal: Proposal) -> Decimal:
    """The matcher's review priority (0..1, higher = a more informative answer); 0 when
    the proposal carries none."""
    value = proposal.explanation.get("review_priority", 0)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Decimal(0)
    return Decimal(str(round(number, 6))) if math.isfinite(number) else Decimal(0)


def _search_text(proposal: Proposal) -> str:
    values = [proposal.external_id, *(str(v) for v in proposal.external.values() if v)]
    if proposal.internal:
        values += [str(v) for v in proposal.internal.values() if v]
    return " ".join(values).lower()


class DynamoProposalRepository:
    """`ProposalRepository` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        # Resolved on every use, never cached: a warm process may switch stacks (tests).
        return self._table if self._table is not None else aws.table("PROPOSALS_TABLE")

    def _item(self, scope: str, proposal: Proposal) -> dict[str, Any]:
        return {
            "pk": scope,
            "sk": _sk(proposal.decision, proposal.external_id),
            "external_id": proposal.external_id,
            "decision": proposal.decision,
            "version": proposal.version,
            "search": _search_text(proposal),
            "priority": _priority(proposal),
            "proposal_json": proposal.model_dump_json(),
        }

    @staticmethod
    def _proposal(item: dict[str, Any]) -> Proposal:
        return Proposal.model_validate(json.loads(item["proposal_json"]))

    def put_many(self, scope: str, proposals: Iterable[Proposal]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for proposal in proposals:
                batch.put_item(Item=self._item(scope, proposal))

    def get(self, scope: str, external_id: str) -> Proposal | None:
        keys = [{"pk": scope, "sk": _sk(d, external_id)} for d in DECISIONS]
        name = self.table.name
        response = aws.resource("dynamodb").batch_get_item(
            RequestItems={name: {"Keys": keys, "ConsistentRead": True}}
        )
        items = response.get("Responses", {}).get(name, [])
        return self._proposal(items[0]) if items else None

    def list(
        self,
        scope: str,
        decision: str,
        query: str = "",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        if decision in PRIORITY_ORDERED:
            return self._list_by_priority(scope, decision, query, cursor, limit)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": scope, ":prefix": f"P#{decision}#"},
        }
        if query:
            kwargs["FilterExpression"] = "contains(#search, :q)"
            kwargs["ExpressionAttributeNames"] = {"#search": "search"}
            kwargs["ExpressionAttributeValues"][":q"] = query
        listing = f"{scope}#{decision}#{query}"
        key = cursor_key()
        next_key = cursors.decode(cursor, context=listing, key=key)
        items: list[Proposal] = []
        scanned = 0
        while True:
            if next_key:
                kwargs["ExclusiveStartKey"] = next_key
            kwargs["Limit"] = max(limit * 4, 100) if query else limit - len(items)
            page = self.table.query(**kwargs)
            scanned += page.get("ScannedCount", 0)
            found = page.get("Items", [])
            for index, item in enumerate(found):
                items.append(self._proposal(item))
                if len(items) == limit:
                    exhausted = index == len(found) - 1 and "LastEvaluatedKey" not in page
                    position = None if exhausted else {"pk": item["pk"], "sk": item["sk"]}
                    return Page(
                        items=items, next_cursor=cursors.encode(position, context=listing, key=key)
                    )
            next_key = page.get("LastEvaluatedKey")
            if next_key is None:
                return Page(items=items, next_cursor=None)
            if scanned >= MAX_SCANNED_PER_PAGE:
                return Page(
                    items=items, next_cursor=cursors.encode(next_key, context=listing, key=key)
                )

    def _list_by_priority(
        self, scope: str, decision: str, query: str, cursor: str | None, limit: int
    ) -> Page:
        listing = f"{scope}#{decision}#{query}#priority"
        key = cursor_key()
        after = cursors.decode(cursor, context=listing, key=key)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": scope, ":prefix": f"P#{decision}#"},
            "ProjectionExpression": "sk, external_id, #priority",
            "ExpressionAttributeNames": {"#priority": "priority"},
        }
        if query:
            kwargs["FilterExpression"] = "contains(#search, :q)"
            kwargs["ExpressionAttributeNames"]["#search"] = "search"
            kwargs["ExpressionAttributeValues"][":q"] = query
        order: list[tuple[Decimal, str, str]] = []  # (-priority, external id, sk)
        while True:
            page = self.table.query(**kwargs)
            order += [
                (-Decimal(item.get("priority", 0)), item["external_id"], item["sk"])
                for item in page.get("Items", [])
            ]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        order.sort()
        start = 0
        if after is not None:
            try:
                last = (-Decimal(str(after["p"])), str(after["e"]), "\U0010ffff")
            except (KeyError, ArithmeticError, ValueError):
                raise InvalidInput(
                    "cursor is not one this API issued for this listing", field="cursor"
                ) from None
            start = bisect_right(order, last)
        shown = order[start : start + limit]
        items = self._get_many(scope, [sk for _, _, sk in shown])
        position = None
        if start + limit < len(order) and shown:
            position = {"p": str(-shown[-1][0]), "e": shown[-1][1]}
        return Page(items=items, next_cursor=cursors.encode(position, context=listing, key=key))

    def _get_many(self, scope: str, sks: list[str]) -> list[Proposal]:
        """The proposals under these sort keys, in that order (batch reads of 100)."""
        found: dict[str, Proposal] = {}
        name = self.table.name
        dynamodb = aws.resource("dynamodb")
        for lo in range(0, len(sks), 100):
            request = {name: {"Keys": [{"pk": scope, "sk": sk} for sk in sks[lo : lo + 100]],
                              "ConsistentRead": True}}  # fmt: skip
            while request:
                response = dynamodb.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(name, []):
                    found[item["sk"]] = self._proposal(item)
                request = response.get("UnprocessedKeys") or {}
        return [found[sk] for sk in sks if sk in found]

    def iter_all(self, scope: str) -> Iterator[Proposal]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": scope},
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                yield self._proposal(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self, scope: str, external_id: str) -> None:
        """Forget the proposal of `external_id` (whatever its decision group)."""
        with self.table.batch_writer() as batch:
            for decision in DECISIONS:
                batch.delete_item(Key={"pk": scope, "sk": _sk(decision, external_id)})

    def replace_many(self, scope: str, proposals: Iterable[Proposal]) -> int:
        """Store each proposal with its version + 1 in 25-item batches (bulk accept: one
        call per 25 instead of one per proposal; no per-item version condition)."""
        count = 0
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for proposal in proposals:
                stored = proposal.model_copy(update={"version": proposal.version + 1})
                batch.put_item(Item=self._item(scope, stored))
                count += 1
        return count

    def update(self, scope: str, proposal: Proposal, expected_version: int) -> Proposal:
        stored = proposal.model_copy(update={"version": expected_version + 1})
        try:
            self.table.put_item(
                Item=self._item(scope, stored),
                ConditionExpression="attribute_exists(pk) AND version = :v",
                ExpressionAttributeValues={":v": expected_version},
            )
        except ClientError as exc:
            if aws.condition_failed(exc):
                raise ProposalChanged(
                    "the proposal changed since the page loaded it; reload and try again",
                    external_id=proposal.external_id,
                ) from None
            raise
        return stored
