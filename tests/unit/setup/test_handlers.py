"""The queue handlers parse, dispatch by `action`, and report failed records to SQS."""

from __future__ import annotations

import json

import pytest

from syncbridge.domain.setup.models import ApplyMessage, ImportMessage
from tests.helpers.functions import FakeContext, load_function


def _event(*bodies: object, arn: str = "arn:aws:sqs:us-east-1:123456789012:ImportQueue") -> dict:
    records = [
        {"messageId": f"m-{i}", "receiptHandle": "r", "body": json.dumps(b) if not isinstance(b, str) else b,
         "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g",
                        "MessageDeduplicationId": f"d-{i}"},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": arn, "awsRegion": "us-east-1"}
        for i, b in enumerate(bodies)
    ]  # fmt: skip
    return {"Records": records}


IMPORT = {"action": "import", "tenant_id": "t1", "connection_id": "ekos", "erp": "ekos",
          "resource_type": "products", "run_id": "r1"}  # fmt: skip


def test_the_importer_runs_imports_and_hands_sync_ticks_to_the_sync_service(monkeypatch):
    app = load_function("importer")
    seen: dict[str, list] = {"import": [], "sync": []}

    class Service:
        def handle(self, message: ImportMessage) -> str:
            seen["import"].append(message)
            return "imported"

    monkeypatch.setattr(app, "service", lambda: Service())
    import syncbridge.domain.sync.pull as pull

    monkeypatch.setattr(pull, "run_sync_message", lambda body: seen["sync"].append(body))
    sync = {**IMPORT, "action": "incremental_sync", "updated_since": "2026-01-01T00:00:00Z"}
    result = app.lambda_handler(_event(IMPORT, sync, "not json"), FakeContext())
    # the malformed record alone is reported failed; the others succeeded
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert seen["import"] == [ImportMessage(**IMPORT)]
    assert [json.loads(b)["action"] for b in seen["sync"]] == ["incremental_sync"]


def test_the_applier_tells_setup_applies_from_fifo_erp_events(monkeypatch):
    app = load_function("applier")
    applied: list = []

    class Service:
        def handle(self, message: ApplyMessage) -> str:
            applied.append(message.resource_type)
            return "applied"

    monkeypatch.setattr(app, "service", lambda: Service())
    import syncbridge.domain.sync.events as events

    monkeypatch.setattr(
        events, "apply_erp_event", lambda body, **_ports: applied.append(json.loads(body)["kind"])
    )
    apply = {**IMPORT, "action": "apply"}
    assert app.lambda_handler(_event(apply), FakeContext()) == {"batchItemFailures": []}
    fifo = "arn:aws:sqs:us-east-1:123456789012:EventsQueue.fifo"
    erp_event = {"kind": "erp_event", "tenant_id": "t1"}
    assert app.lambda_handler(_event(erp_event, arn=fifo), FakeContext()) == {
        "batchItemFailures": []
    }
    assert applied == ["products", "erp_event"]


@pytest.mark.parametrize("name", ["matcher"])
def test_a_bad_message_fails_only_its_record(name, monkeypatch):
    app = load_function(name)

    class Service:
        def handle(self, message) -> str:
            return "matched"

    monkeypatch.setattr(app, "service", lambda: Service())
    good = {**IMPORT, "action": "match"}
    bad = {**IMPORT, "action": "match", "resource_type": "pets"}
    result = app.lambda_handler(_event(good, bad), FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
