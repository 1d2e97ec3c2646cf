"""Dead letters: messages a consumer gave up on, with why, how often and since when.

A consumer that fails a message on its queue's last allowed receive sends it to the
dead-letter queue itself, with message attributes saying why (SQS's own redrive carries
nothing), and acknowledges the original. Operators then list, inspect and move them back
(all, or those matching a filter) through the `DeadLetterQueues` port: the same port
behind `python -m syncbridge.ops replay ...` and the admin API.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from syncbridge.domain.errors import DomainError

# Message attribute names (SQS allows 10 per message; these are 9 at most).
REASON = "sb-failure-reason"
DETAIL = "sb-failure-detail"
ATTEMPTS = "sb-attempts"
FIRST_FAILURE = "sb-first-failure-at"
LAST_FAILURE = "sb-last-failure-at"
SOURCE_QUEUE = "sb-source-queue"
MESSAGE_TYPE = "sb-message-type"
TENANT = "sb-tenant-id"
REPLAYS = "sb-replays"
OWN_ATTRIBUTES = (
    REASON,
    DETAIL,
    ATTEMPTS,
    FIRST_FAILURE,
    LAST_FAILURE,
    SOURCE_QUEUE,
    MESSAGE_TYPE,
    TENANT,
    REPLAYS,
)
DETAIL_LIMIT = 500


class Failure(BaseModel):
    """Why and when a message failed for the last time."""

    reason: str = Field(description="machine-readable code, e.g. dependency_not_mapped")
    detail: str = ""
    attempts: int = 1
    first_failure_at: str = ""
    last_failure_at: str = ""


class DeadLetter(BaseModel):
    """One message parked in a dead-letter queue."""

    message_id: str
    queue: str = Field(description="the dead-letter queue's name")
    source_queue: str = Field(default="", description="ARN of the queue it failed on")
    reason: str = "unknown"
    detail: str = ""
    attempts: int = 0
    first_failure_at: str = ""
    last_failure_at: str = ""
    message_type: str = ""
    tenant_id: str = ""
    replays: int = 0
    body: str = ""


class DeadLetterFilter(BaseModel):
    """Which dead letters an operation applies to (every given criterion must hold)."""

    reason: str | None = None
    message_type: str | None = None
    tenant_id: str | None = None
    min_age_seconds: int | None = Field(default=None, ge=0)
    message_ids: frozenset[str] | None = None
    queue: str | None = Field(default=None, description="a DLQ or source queue name part")

    def matches(self, letter: DeadLetter, now: datetime) -> bool:
        if self.message_ids is not None and letter.message_id not in self.message_ids:
            return False
        if self.reason and letter.reason != self.reason:
            return False
        if self.message_type and letter.message_type != self.message_type:
            return False
        if self.tenant_id and letter.tenant_id != self.tenant_id:
            return False
        if self.queue and self.queue not in letter.queue and self.queue not in letter.source_queue:
            return False
        if self.min_age_seconds is not None:
            last = _parse(letter.last_failure_at)
            if last is None or (now - last).total_seconds() < self.min_age_seconds:
                return False
        return True


class MoveResult(BaseModel):
    moved: int
    message_ids: list[str] = Field(default_factory=list)


class DeadLetterQueues(Protocol):
    """The dead-letter queues of the stack, read and replayed."""

    def list(self, selector: DeadLetterFilter) -> list[DeadLetter]: ...

    def move(self, selector: DeadLetterFilter) -> MoveResult:
        """Send each matching message back to the queue it failed on, then delete it."""
        ...


def failure_of(exc: BaseException) -> tuple[str, str]:
    """(reason code, human detail) for an exception: a domain error's own code, else the
    exception class in snake case. The detail is the message, truncated; domain messages
    are written to be shown, others are the library's words (never credentials: the
    adapters keep secrets out of their exception text)."""
    if isinstance(exc, DomainError):
        return exc.code, exc.message[:DETAIL_LIMIT]
    name = type(exc).__name__
    code = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return code, f"{name}: {text}"[:DETAIL_LIMIT]


def describe_body(body: str) -> tuple[str, str]:
    """(message type, tenant id) of a queue body, for filtering (empty when unknown)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return "", ""
    if not isinstance(parsed, dict):
        return "", ""
    kind = parsed.get("action") or parsed.get("kind") or ""
    event = parsed.get("event")
    if isinstance(event, dict) and event.get("resource_type"):
        kind = f"{kind or 'erp_event'}:{event['resource_type']}"
    elif parsed.get("resource_type") and kind:
        kind = f"{kind}:{parsed['resource_type']}"
    elif parsed.get("scan_id"):
        kind = "unit_scan"
    return str(kind), str(parsed.get("tenant_id") or "")


def list_dead_letters(
    queues: DeadLetterQueues, selector: DeadLetterFilter, tenant_id: str | None = None
) -> list[DeadLetter]:
    """Dead letters matching `selector`; with `tenant_id`, only that tenant's (the API)."""
    return queues.list(_scoped(selector, tenant_id))


def move_dead_letters(
    queues: DeadLetterQueues, selector: DeadLetterFilter, tenant_id: str | None = None
) -> MoveResult:
    return queues.move(_scoped(selector, tenant_id))


def _scoped(selector: DeadLetterFilter, tenant_id: str | None) -> DeadLetterFilter:
    if tenant_id is None:
        return selector
    return selector.model_copy(update={"tenant_id": tenant_id})


def _parse(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def counts_by_reason(letters: Iterable[DeadLetter]) -> dict[str, int]:
    out: dict[str, int] = {}
    for letter in letters:
        out[letter.reason] = out.get(letter.reason, 0) + 1
    return out


def attribute_values(failure: Failure, source_arn: str, body: str, replays: int) -> dict[str, Any]:
    """The SQS MessageAttributes a dead letter carries."""
    kind, tenant = describe_body(body)
    values = {
        REASON: failure.reason,
        DETAIL: failure.detail,
        ATTEMPTS: str(failure.attempts),
        FIRST_FAILURE: failure.first_failure_at,
        LAST_FAILURE: failure.last_failure_at,
        SOURCE_QUEUE: source_arn,
        MESSAGE_TYPE: kind,
        TENANT: tenant,
        REPLAYS: str(replays),
    }
    return {
        name: {
            "DataType": "Number" if name in (ATTEMPTS, REPLAYS) else "String",
            "StringValue": value,
        }
        for name, value in values.items()
        if value != ""
    }
