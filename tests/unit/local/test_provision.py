"""Provisioning details that need no moto: generated secrets and creation order."""

from __future__ import annotations

import json
import string
from pathlib import Path

from syncbridge_local.provision import Provisioner, Stack, generate_secret_string
from syncbridge_local.template import Resolver, Template


def test_generated_secret_follows_the_template_spec() -> None:
    value = json.loads(
        generate_secret_string(
            {
                "SecretStringTemplate": '{"client_id": "sync-bridge"}',
                "GenerateStringKey": "client_secret",
                "PasswordLength": 40,
                "ExcludePunctuation": True,
            }
        )
    )
    assert value["client_id"] == "sync-bridge"
    assert len(value["client_secret"]) == 40
    assert set(value["client_secret"]) <= set(string.ascii_letters + string.digits)


def test_plain_generated_secret_honours_exclusions() -> None:
    value = generate_secret_string(
        {"PasswordLength": 64, "ExcludeCharacters": "abc", "ExcludeNumbers": True}
    )
    assert len(value) == 64 and not set(value) & set("abc" + string.digits)


def test_dead_letter_queues_and_keys_are_created_before_their_users(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("""
Resources:
  Secret: {Type: AWS::SecretsManager::Secret, Properties: {KmsKeyId: !Ref Key}}
  Queue: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt DLQ.Arn}}}
  DLQ: {Type: AWS::SQS::Queue}
  Key: {Type: AWS::KMS::Key}
  Fn: {Type: AWS::Serverless::Function}
""")
    template = Template.load(path)
    stack = Stack("s", template, Resolver(parameters={}), clients=lambda name: None)
    order = Provisioner(stack)._creation_order()
    assert order.index("DLQ") < order.index("Queue")
    assert order.index("Key") < order.index("Secret")
    assert "Fn" not in order


def test_only_the_named_resources_and_what_they_reference_are_created(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("""
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt DLQ.Arn, maxReceiveCount: 3}}
  DLQ: {Type: AWS::SQS::Queue}
  Other: {Type: AWS::SQS::Queue}
""")
    created: list[str] = []

    class Sqs:
        def create_queue(self, QueueName: str, Attributes: dict) -> dict:
            created.append(QueueName)
            return {"QueueUrl": f"https://sqs/{QueueName}"}

    template = Template.load(path)
    stack = Stack("s", template, Resolver(parameters={}), clients=lambda name: Sqs())
    Provisioner(stack).run(only={"Queue"})
    assert created == ["s-DLQ", "s-Queue"] and stack.created == ["DLQ", "Queue"]
