"""What the runtime creates from the template, its schedules, and DLQ replay."""

from __future__ import annotations

import json

import pytest

from syncbridge.ops.replay import QueueRef, ReceiveSendDelete
from tests.integration.local.conftest import deliveries

pytestmark = pytest.mark.integration


def test_tables_get_their_keys_indexes_and_ttl(runtime) -> None:
    dynamodb = runtime.client("dynamodb")
    name = runtime.table_name("ResultsTable")
    table = dynamodb.describe_table(TableName=name)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "pk": "HASH",
        "sk": "RANGE",
    }
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_queues_get_fifo_visibility_and_redrive_from_the_template(runtime) -> None:
    sqs = runtime.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=runtime.queue_url("OrderedQueue"), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["VisibilityTimeout"] == "60"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": runtime.queue("OrderedDLQ").arn, "maxReceiveCount": 2}


def test_generated_secret_and_kms_key_work(runtime) -> None:
    secret = json.loads(
        runtime.client("secretsmanager").get_secret_value(SecretId=runtime.ref("TestSecret"))[
            "SecretString"
        ]
    )
    assert secret["username"] == "svc"
    assert len(secret["password"]) == 24 and secret["password"].isalnum()
    kms = runtime.client("kms")
    blob = kms.encrypt(KeyId=runtime.process_env["TOKEN_KEY_ID"], Plaintext=b"token")[
        "CiphertextBlob"
    ]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"token"
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert f"alias/{runtime.stack_name}-test-key" in aliases


def test_schedules_exist_in_moto_and_fire_their_targets_on_demand(runtime) -> None:
    names = {s["Name"] for s in runtime.client("scheduler").list_schedules()["Schedules"]}
    assert f"{runtime.stack_name}-NightlySchedule" in names
    assert runtime.fire_schedule("NightlySchedule") == {"fired_with": {"source": "nightly"}}
    # a function's own ScheduleV2 event is a schedule too
    assert runtime.fire_schedule("ClockFunctionTick") == {"fired_with": {"source": "tick"}}


def test_a_schedule_can_target_a_queue(runtime) -> None:
    runtime.fire_schedule("EnqueueSchedule")
    runtime.wait_idle(timeout=20)
    call = runtime.journal[-1]
    assert call.function_id == "ConsumerFunction"
    assert json.loads(call.event["Records"][0]["body"])["source"] == "schedule"


def test_replay_moves_dead_letters_back_and_they_are_consumed(runtime) -> None:
    # Given a message sitting in the DLQ (e.g. the bug that failed it is now fixed)
    sqs = runtime.client("sqs")
    sqs.purge_queue(QueueUrl=runtime.queue_url("WorkDLQ"))
    sqs.send_message(
        QueueUrl=runtime.queue_url("WorkDLQ"), MessageBody=json.dumps({"outcome": "ok"})
    )
    dlq, queue = runtime.queue("WorkDLQ"), runtime.queue("WorkQueue")
    # When it is replayed into its source queue
    result = ReceiveSendDelete(sqs).move(QueueRef(dlq.url, dlq.arn), QueueRef(queue.url, queue.arn))
    runtime.wait_idle(timeout=20)
    # Then it was moved and consumed
    assert result.moved == 1
    assert runtime.queue_counts("WorkDLQ")["visible"] == 0
    replayed = runtime.journal[-1].message_ids()[0]
    assert deliveries(runtime, replayed) == [1]


def test_the_timer_fires_schedules_faster_with_a_speedup() -> None:
    from syncbridge_local.runtime import LocalRuntime
    from tests.integration.local.conftest import TEST_TEMPLATE

    # rate(1 minute) at 600x: every 0.1 s
    with LocalRuntime.start(
        TEST_TEMPLATE, pollers=False, schedule_speedup=600, simulators=False
    ) as rt:
        import time

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if sum(c.function_id == "ClockFunction" for c in rt.invocations()) >= 3:
                break
            time.sleep(0.05)
        ticks = rt.invocations("ClockFunction")
    assert len(ticks) >= 3
    assert ticks[0].result == {"fired_with": {"source": "tick"}}
