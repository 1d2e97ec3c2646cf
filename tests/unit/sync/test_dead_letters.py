"""Dead letters carry why they failed; operators list, show and move them (moto SQS)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from syncbridge import aws
from syncbridge.domain.errors import Conflict
from syncbridge.domain.sync.dead_letters import (
    REASON,
    DeadLetterFilter,
    describe_body,
    failure_of,
)
from syncbridge.lambdas import DeadLetteringFifoProcessor, sqs_consumer
from syncbridge.ops.replay import parse_age, replay_main
from syncbridge.store.dead_letters import SqsDeadLetterQueues


class Waiting(Conflict):
    code = "dependency_not_mapped"


def _queues(fifo: bool = False) -> tuple[str, str, str]:
    sqs = aws.client("sqs")
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"work-dlq{suffix}", Attributes=extra)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = sqs.create_queue(
        QueueName=f"work{suffix}",
        Attributes={
            **extra,
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return source, dlq, arn


def _event(arn: str, body: dict[str, Any], receive_count: int, msg_id: str = "m-1") -> dict:
    return {
        "Records": [
            {
                "messageId": msg_id,
                "receiptHandle": "rh",
                "body": json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "ApproximateFirstReceiveTimestamp": "1767225600000",
                    "SentTimestamp": "1767225600000",
                    "MessageGroupId": "g-1",
                },
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
        ]
    }


def failing(record: Any) -> None:
    raise Waiting("product p-9 of this batch is not mapped yet", product_id="p-9")


BODY = {
    "kind": "erp_event",
    "tenant_id": "t-1",
    "erp": "ekos",
    "event": {"resource_type": "product-batches", "resource_id": "b-1"},
}


@pytest.mark.parametrize("fifo", [False, True])
def test_last_attempt_is_parked_with_its_reason_earlier_ones_retried(
    moto: None, lambda_context: Any, fifo: bool
) -> None:
    _, _, arn = _queues(fifo)
    processor = DeadLetteringFifoProcessor() if fifo else None
    consume = sqs_consumer(failing, processor)
    # an early attempt fails the record (SQS retries it) and parks nothing
    with pytest.raises(BatchProcessingError):  # every record of the batch failed
        consume(_event(arn, BODY, receive_count=1), lambda_context)
    assert SqsDeadLetterQueues().list(DeadLetterFilter()) == []
    # the last allowed attempt is acknowledged and parked with why, how often, since when
    last = consume(_event(arn, BODY, receive_count=3), lambda_context)
    assert last["batchItemFailures"] == []
    [letter] = SqsDeadLetterQueues().list(DeadLetterFilter())
    assert letter.reason == "dependency_not_mapped"
    assert "p-9" in letter.detail
    assert letter.attempts == 3
    assert letter.first_failure_at.startswith("2026-01-01")
    assert letter.last_failure_at >= letter.first_failure_at
    assert (letter.tenant_id, letter.message_type) == ("t-1", "erp_event:product-batches")
    assert letter.source_queue == arn and letter.queue.startswith("work-dlq")
    # listing leaves the message in the DLQ
    assert len(SqsDeadLetterQueues().list(DeadLetterFilter())) == 1


def test_move_is_selective_and_keeps_the_history(moto: None, lambda_context: Any) -> None:
    source, _, arn = _queues()
    consume = sqs_consumer(failing)
    for i, tenant in enumerate(("t-1", "t-2", "t-1")):
        consume(_event(arn, {**BODY, "tenant_id": tenant}, 3, f"m-{i}"), lambda_context)
    queues = SqsDeadLetterQueues()
    assert len(queues.list(DeadLetterFilter(tenant_id="t-1"))) == 2
    assert queues.list(DeadLetterFilter(reason="other")) == []
    assert queues.list(DeadLetterFilter(min_age_seconds=3600)) == []  # all failed just now
    result = queues.move(DeadLetterFilter(tenant_id="t-2"))
    assert result.moved == 1
    # the moved message is back on its source queue, with its reason and a replay count
    back = aws.client("sqs").receive_message(
        QueueUrl=source, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    assert len(back) == 1 and json.loads(back[0]["Body"])["tenant_id"] == "t-2"
    assert back[0]["MessageAttributes"][REASON]["StringValue"] == "dependency_not_mapped"
    assert back[0]["MessageAttributes"]["sb-replays"]["StringValue"] == "1"
    assert [d.tenant_id for d in queues.list(DeadLetterFilter())] == ["t-1", "t-1"]


def test_cli_lists_shows_and_moves(moto: None, lambda_context: Any, monkeypatch: Any) -> None:
    _, _, arn = _queues()
    sqs_consumer(failing)(_event(arn, BODY, 3), lambda_context)
    monkeypatch.setattr("syncbridge.ops.replay._sqs_client", lambda _args: aws.client("sqs"))
    out = io.StringIO()
    assert replay_main(["list", "--json"], out) == 0
    [line] = out.getvalue().splitlines()
    listed = json.loads(line)
    assert listed["reason"] == "dependency_not_mapped" and "body" not in listed
    out = io.StringIO()
    assert replay_main(["show", listed["message_id"]], out) == 0
    assert json.loads(out.getvalue())["body"] == json.dumps(BODY)
    assert replay_main(["move"], io.StringIO()) == 2  # neither a filter nor --all
    out = io.StringIO()
    assert replay_main(["move", "--reason", "dependency_not_mapped"], out) == 0
    assert out.getvalue().startswith("moved 1 message(s)")


def test_reasons_and_body_descriptions() -> None:
    assert failure_of(Waiting("wait"))[0] == "dependency_not_mapped"
    assert failure_of(TimeoutError("slow"))[0] == "timeout_error"
    assert describe_body(
        json.dumps({"action": "import", "resource_type": "products", "tenant_id": "t"})
    ) == ("import:products", "t")
    assert describe_body("not json") == ("", "")
    assert parse_age("2h") == 7200 and parse_age("90") == 90


@pytest.mark.parametrize(
    ("body", "described"),
    [
        # a queued ERP change event: its action-less envelope names the event's type
        ({"tenant_id": "t", "erp": "ekos", "event": {"resource_type": "products"}},
         ("erp_event:products", "t")),
        ({"kind": "pull", "tenant_id": "t", "event": {"resource_type": "products"}},
         ("pull:products", "t")),
        # commands name their action, and the type when they have one
        ({"action": "incremental_sync", "tenant_id": "t"}, ("incremental_sync", "t")),
        ({"kind": "reconcile", "resource_type": "products", "tenant_id": "t"},
         ("reconcile:products", "t")),
        # a resource type without an action says nothing about the message's kind
        ({"resource_type": "products", "tenant_id": "t"}, ("", "t")),
        # an outbound unit scan
        ({"scan_id": "s-1", "tenant_id": "t"}, ("unit_scan", "t")),
        ({"scan_id": "s-1"}, ("unit_scan", "")),
        # nothing known
        ({"tenant_id": None}, ("", "")),
        ([1, 2], ("", "")),
    ],
)  # fmt: skip
def test_a_dead_letters_body_is_described_by_its_kind_and_tenant(body, described) -> None:
    """The kind and tenant a dead letter is filtered by (`replay list --type`, the admin API's
    `message_type`): a wrong kind hides the letter from the filter that should find it."""
    assert describe_body(json.dumps(body)) == described
