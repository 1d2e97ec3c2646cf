"""The product template keeps the rules the issue sets: DLQs, partial batch failures,
point-in-time recovery, tenant-first keys, handlers that exist, runnable schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncbridge_local.schedules import parse_schedule
from syncbridge_local.template import Template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = Template.load(ROOT / "template.yaml")
QUEUES = TEMPLATE.of_type("AWS::SQS::Queue")
DEAD_LETTER_QUEUES = {
    q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    for q in QUEUES.values()
    if "RedrivePolicy" in q.get("Properties", {})
}
FUNCTIONS = TEMPLATE.of_type("AWS::Serverless::Function")


@pytest.mark.parametrize("queue", sorted(set(QUEUES) - DEAD_LETTER_QUEUES))
def test_every_work_queue_redrives_to_a_dead_letter_queue(queue: str) -> None:
    policy = QUEUES[queue]["Properties"].get("RedrivePolicy")
    assert policy, f"{queue} has no RedrivePolicy"
    assert int(policy["maxReceiveCount"]) >= 1


@pytest.mark.parametrize("queue", sorted(DEAD_LETTER_QUEUES))
def test_dead_letter_queues_keep_messages_for_days_and_match_fifo(queue: str) -> None:
    props = QUEUES[queue].get("Properties", {})
    assert int(props.get("MessageRetentionPeriod", 0)) >= 7 * 86400
    sources = [
        q
        for q in QUEUES.values()
        if "RedrivePolicy" in q.get("Properties", {})
        and q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == queue
    ]
    assert all(
        bool(s["Properties"].get("FifoQueue")) == bool(props.get("FifoQueue")) for s in sources
    )


def sqs_events() -> list[tuple[str, str, dict]]:
    return [
        (fn, name, event["Properties"])
        for fn, resource in FUNCTIONS.items()
        for name, event in (resource["Properties"].get("Events") or {}).items()
        if event["Type"] == "SQS"
    ]


@pytest.mark.parametrize(("function", "event", "props"), sqs_events())
def test_every_queue_consumer_reports_partial_batch_failures(
    function: str, event: str, props: dict
) -> None:
    assert "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []), (
        f"{function}.{event}"
    )


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_points_at_a_handler_that_exists(function: str) -> None:
    props = FUNCTIONS[function]["Properties"]
    module, _, attr = props["Handler"].rpartition(".")
    file = ROOT / props["CodeUri"] / (module.replace(".", "/") + ".py")
    assert file.is_file(), f"{function}: {file} missing"
    assert f"def {attr}(" in file.read_text(), f"{function}: {file} defines no {attr}"


@pytest.mark.parametrize("table", sorted(TEMPLATE.of_type("AWS::DynamoDB::Table")))
def test_every_table_has_point_in_time_recovery_and_encryption(table: str) -> None:
    props = TEMPLATE.resources[table]["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props.get("BillingMode") == "PAY_PER_REQUEST"


@pytest.mark.parametrize("schedule", sorted(TEMPLATE.of_type("AWS::Scheduler::Schedule")))
def test_every_schedule_expression_is_one_the_local_runtime_can_fire(schedule: str) -> None:
    parse_schedule(TEMPLATE.resources[schedule]["Properties"]["ScheduleExpression"])
