"""Dead letters for operators: list, show and move them back, filtered or all.

    python -m syncbridge.ops replay list [--reason R] [--type T] [--tenant T] [--older-than 2h]
    python -m syncbridge.ops replay show MESSAGE_ID
    python -m syncbridge.ops replay move (--id ID ... | --reason R ... | --all)

Connection: the default AWS credentials/region (`--prefix` limits to the stack's queues), or
`--endpoint-url URL` for another SQS endpoint, or `--local` for the running local runtime
(reads the state file `python -m syncbridge_local serve` writes). Listing and moving go
through the `DeadLetterQueues` port (`store.dead_letters`), the same one the admin API uses;
every message carries its failure reason, attempts and first/last failure time.

Whole-queue moves on AWS can also let SQS do the work (`StartMessageMoveTask`):

    python -m syncbridge.ops.replay --dlq-arn arn:aws:sqs:...:ImportDLQ [--destination-arn ...]
    python -m syncbridge_local replay --queue ImportQueue     # against the running local runtime
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class QueueRef:
    url: str
    arn: str

    @property
    def fifo(self) -> bool:
        return self.arn.endswith(".fifo")


@dataclass(frozen=True)
class ReplayResult:
    moved: int | None  # None: SQS moves asynchronously (see `task`)
    task: str | None = None


class MessageMover(Protocol):
    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult: ...


class MessageMoveTask:
    """AWS: let SQS move the messages (to the original source queue when no destination)."""

    def __init__(self, sqs: Any, max_per_second: int | None = None) -> None:
        self.sqs = sqs
        self.max_per_second = max_per_second

    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult:
        request: dict[str, Any] = {"SourceArn": source.arn}
        if destination is not None:
            request["DestinationArn"] = destination.arn
        if self.max_per_second:
            request["MaxNumberOfMessagesPerSecond"] = self.max_per_second
        return ReplayResult(
            moved=None, task=self.sqs.start_message_move_task(**request)["TaskHandle"]
        )


class ReceiveSendDelete:
    """Local: receive each message, send it to the destination, then delete it."""

    def __init__(self, sqs: Any, limit: int | None = None) -> None:
        self.sqs = sqs
        self.limit = limit

    def move(self, source: QueueRef, destination: QueueRef | None) -> ReplayResult:
        if destination is None:
            raise ValueError("a local replay needs the destination queue")
        moved = 0
        while self.limit is None or moved < self.limit:
            messages = self.sqs.receive_message(
                QueueUrl=source.url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                VisibilityTimeout=30,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                self.sqs.send_message(**self._send_request(message, destination))
                self.sqs.delete_message(QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return ReplayResult(moved=moved)

    @staticmethod
    def _send_request(message: dict[str, Any], destination: QueueRef) -> dict[str, Any]:
        request: dict[str, Any] = {"QueueUrl": destination.url, "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            request["MessageAttributes"] = message["MessageAttributes"]
        if destination.fifo:
            attributes = message.get("Attributes", {})
            request["MessageGroupId"] = attributes.get("MessageGroupId", "replay")
            # A fresh id: the original may still be inside the 5-minute deduplication window.
            request["MessageDeduplicationId"] = f"replay-{message['MessageId']}-{time.time_ns()}"[
                :128
            ]
        return request


def queue_ref_from_arn(sqs: Any, arn: str) -> QueueRef:
    _, _, _, _, account, name = arn.split(":", 5)
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return QueueRef(url=url, arn=arn)


def move_task_main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(
        description="Replay an SQS dead-letter queue (StartMessageMoveTask)."
    )
    parser.add_argument("--dlq-arn", required=True, help="ARN of the dead-letter queue")
    parser.add_argument("--destination-arn", help="default: the queue the messages came from")
    parser.add_argument("--max-per-second", type=int)
    args = parser.parse_args(argv)
    sqs = boto3.client("sqs")
    source = queue_ref_from_arn(sqs, args.dlq_arn)
    destination = queue_ref_from_arn(sqs, args.destination_arn) if args.destination_arn else None
    result = MessageMoveTask(sqs, args.max_per_second).move(source, destination)
    print(f"started message move task {result.task}")
    return 0


# ---------------------------------------------------------------- list | show | move
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LOCAL_STATE = "syncbridge-local.json"


def parse_age(text: str) -> int:
    """`90s`, `10m`, `2h`, `3d` (or plain seconds) -> seconds."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    unit = DURATION_UNITS.get(text[-1:])
    if unit is None or not text[:-1].isdigit():
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 10m, 2h, 3d)")
    return int(text[:-1]) * unit


def _sqs_client(args: argparse.Namespace) -> Any:
    import json
    import os
    import tempfile
    from pathlib import Path

    import boto3

    if args.local:
        path = Path(
            os.environ.get("SYNCBRIDGE_LOCAL_STATE") or Path(tempfile.gettempdir()) / LOCAL_STATE
        )
        try:
            state = json.loads(path.read_text())
        except OSError:
            raise SystemExit(f"no running local runtime (state file {path} missing)") from None
        return boto3.client(
            "sqs",
            endpoint_url=state["moto_url"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return boto3.client("sqs", endpoint_url=args.endpoint_url, region_name=args.region)


def _selector(args: argparse.Namespace) -> Any:
    from syncbridge.domain.sync.dead_letters import DeadLetterFilter

    return DeadLetterFilter(
        reason=args.reason,
        message_type=args.type,
        tenant_id=args.tenant,
        min_age_seconds=args.older_than,
        queue=args.queue,
        message_ids=frozenset(args.id) if getattr(args, "id", None) else None,
    )


def replay_main(argv: list[str] | None = None, out: Any = None) -> int:
    """`replay list|show|move`: the operator's view of every dead-letter queue."""
    import json
    import sys

    from syncbridge.store.dead_letters import SqsDeadLetterQueues

    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m syncbridge.ops replay")
    parser.add_argument("--endpoint-url", help="another SQS endpoint (e.g. moto)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--local", action="store_true", help="the running local runtime")
    parser.add_argument("--prefix", default="", help="only queues whose name starts so")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "show", "move"):
        sub = commands.add_parser(name)
        if name == "show":
            sub.add_argument("message_id")
        sub.add_argument("--reason")
        sub.add_argument("--type", help="message type, e.g. erp_event:product-batches")
        sub.add_argument("--tenant")
        sub.add_argument("--older-than", type=parse_age, help="last failure at least this old")
        sub.add_argument("--queue", help="part of the DLQ or source queue name")
        if name != "show":
            sub.add_argument("--json", action="store_true", help="one JSON object per line")
        if name == "move":
            sub.add_argument("--id", action="append", help="a message id (repeatable)")
            sub.add_argument("--all", action="store_true", help="every dead letter (no filter)")
    args = parser.parse_args(argv)
    queues = SqsDeadLetterQueues(_sqs_client(args), name_prefix=args.prefix)
    if args.command == "show":
        args.id = [args.message_id]
        found = queues.list(_selector(args))
        if not found:
            print(f"no dead letter {args.message_id}", file=sys.stderr)
            return 1
        print(json.dumps(found[0].model_dump(), indent=2), file=out)
        return 0
    selector = _selector(args)
    if args.command == "move":
        if selector == type(selector)() and not args.all:
            print(
                "say which: --id, a filter (--reason/--type/--tenant/...), or --all",
                file=sys.stderr,
            )
            return 2
        result = queues.move(selector)
        print(f"moved {result.moved} message(s)", file=out)
        for message_id in result.message_ids:
            print(message_id, file=out)
        return 0
    letters = queues.list(selector)
    for letter in letters:
        if args.json:
            print(json.dumps(letter.model_dump(exclude={"body"})), file=out)
        else:
            print(
                f"{letter.message_id}  {letter.queue:<28} {letter.reason:<24} "
                f"attempts={letter.attempts} tenant={letter.tenant_id or '-'} "
                f"type={letter.message_type or '-'} last={letter.last_failure_at}",
                file=out,
            )
    if not args.json:
        print(f"{len(letters)} dead letter(s)", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        return replay_main(argv[1:])
    return move_task_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
