"""Create in moto what the template declares: queues, tables, keys, secrets, schedules, buckets.

Resources are created in dependency order (a dead-letter queue before the queue that
redrives to it, a key before the secret it encrypts). Types the runtime does not create
(functions, APIs, roles, layers) still get deterministic names and ARNs so that `!Ref` and
`!GetAtt` to them resolve.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syncbridge_local.template import (
    ACCOUNT_ID,
    REGION,
    Resolver,
    Template,
    TemplateError,
    references,
)

log = logging.getLogger("syncbridge_local")

QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)


@dataclass(frozen=True)
class QueueInfo:
    logical_id: str
    name: str
    url: str
    arn: str
    fifo: bool
    visibility_timeout: int
    dead_letter_logical_id: str | None
    max_receive_count: int | None


@dataclass
class Stack:
    """What was created: the resolver that knows every Ref/GetAtt, plus queue details."""

    name: str
    template: Template
    resolver: Resolver
    clients: Callable[[str], Any]
    queues: dict[str, QueueInfo] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    def ref(self, logical_id: str) -> Any:
        return self.resolver.ref(logical_id)

    def attr(self, logical_id: str, name: str) -> Any:
        return self.resolver.get_att(logical_id, name)

    def queue_by_arn(self, arn: str) -> QueueInfo:
        for queue in self.queues.values():
            if queue.arn == arn:
                return queue
        raise TemplateError(f"no queue with ARN {arn} in the template")


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def generate_secret_string(spec: dict[str, Any]) -> str:
    """What Secrets Manager's GenerateSecretString would produce."""
    alphabet = ""
    if not spec.get("ExcludeLowercase"):
        alphabet += string.ascii_lowercase
    if not spec.get("ExcludeUppercase"):
        alphabet += string.ascii_uppercase
    if not spec.get("ExcludeNumbers"):
        alphabet += string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-./:;<=>?@[]^_{|}~"
    if spec.get("IncludeSpace"):
        alphabet += " "
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded) or string.ascii_letters
    length = int(spec.get("PasswordLength", 32))
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    if "SecretStringTemplate" in spec:
        body = json.loads(spec["SecretStringTemplate"])
        body[spec.get("GenerateStringKey", "password")] = password
        return json.dumps(body)
    return password


class Provisioner:
    """Creates the template's resources in moto under a name prefix (the stack name)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.handlers: dict[str, Callable[[str, dict[str, Any]], tuple[Any, dict[str, Any]]]] = {
            "AWS::SQS::Queue": self._queue,
            "AWS::DynamoDB::Table": self._table,
            "AWS::KMS::Key": self._key,
            "AWS::KMS::Alias": self._alias,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::S3::Bucket": self._bucket,
        }

    def name(self, logical_id: str, explicit: str | None = None) -> str:
        return f"{self.stack.name}-{explicit or logical_id}"

    def run(self, only: set[str] | None = None) -> None:
        """Create every supported resource, or only `only` and what they reference (tests
        build just the tables and queues they need)."""
        resources = self.stack.template.resources
        resolver = self.stack.resolver
        wanted = self._with_dependencies(only) if only is not None else None
        for logical_id, resource in resources.items():
            if resource.get("Type") not in self.handlers:
                ref, attrs = self._synthesized(logical_id, resource.get("Type", ""))
                resolver.refs[logical_id] = ref
                resolver.attrs[logical_id] = attrs
        for logical_id in self._creation_order():
            if wanted is not None and logical_id not in wanted:
                continue
            resource = resources[logical_id]
            condition = resource.get("Condition")
            if condition and not resolver.condition(condition):
                continue
            props = resolver.resolve(resource.get("Properties", {}))
            ref, attrs = self.handlers[resource["Type"]](logical_id, props)
            resolver.refs[logical_id] = ref
            resolver.attrs[logical_id] = attrs
            self.stack.created.append(logical_id)

    def _with_dependencies(self, logical_ids: set[str]) -> set[str]:
        resources = self.stack.template.resources
        unknown = logical_ids - set(resources)
        if unknown:
            raise TemplateError(f"not in the template: {sorted(unknown)}")
        wanted, pending = set(), list(logical_ids)
        while pending:
            logical_id = pending.pop()
            if logical_id in wanted:
                continue
            wanted.add(logical_id)
            pending.extend(
                ref
                for ref in references(resources[logical_id].get("Properties", {}))
                if resources.get(ref, {}).get("Type") in self.handlers
            )
        return wanted

    def _creation_order(self) -> list[str]:
        resources = self.stack.template.resources
        pending = {k for k, v in resources.items() if v.get("Type") in self.handlers}
        deps = {k: references(resources[k].get("Properties", {})) & pending for k in pending}
        order: list[str] = []
        while pending:
            ready = sorted(k for k in pending if not (deps[k] - set(order)))
            if not ready:
                raise TemplateError(f"circular references between {sorted(pending)}")
            order.extend(ready)
            pending -= set(ready)
        return order

    def _synthesized(self, logical_id: str, rtype: str) -> tuple[Any, dict[str, Any]]:
        name = self.name(logical_id)
        if rtype == "AWS::Serverless::Function":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
            return name, {"Arn": arn}
        if rtype in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            api_id = f"local{zlib.crc32(name.encode()) % 10**6:06d}"
            return api_id, {"RootResourceId": "root"}
        if rtype == "AWS::IAM::Role":
            return name, {"Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "RoleId": name}
        if rtype == "AWS::Serverless::LayerVersion":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1", {}
        service = rtype.split("::")[1].lower() if "::" in rtype else "local"
        return name, {"Arn": f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{name}"}

    # ------------------------------------------------------------ resource types
    def _queue(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        fifo = bool(props.get("FifoQueue"))
        name = self.name(logical_id, (props.get("QueueName") or "").removesuffix(".fifo"))
        if fifo:
            name += ".fifo"
        attributes = {k: _str(props[k]) for k in QUEUE_ATTRIBUTES if k in props}
        dead_letter_id = max_receive = None
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            if isinstance(policy, str):
                policy = json.loads(policy)
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": policy["deadLetterTargetArn"],
                    "maxReceiveCount": int(policy["maxReceiveCount"]),
                }
            )
            dead_letter_id = self.stack.queue_by_arn(policy["deadLetterTargetArn"]).logical_id
            max_receive = int(policy["maxReceiveCount"])
        sqs = self.stack.clients("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        self.stack.queues[logical_id] = QueueInfo(
            logical_id=logical_id,
            name=name,
            url=url,
            arn=arn,
            fifo=fifo,
            visibility_timeout=int(props.get("VisibilityTimeout", 30)),
            dead_letter_logical_id=dead_letter_id,
            max_receive_count=max_receive,
        )
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}

    def _table(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        name = self.name(logical_id, props.get("TableName"))
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                request[key] = [
                    {k: v for k, v in index.items() if k != "ProvisionedThroughput"}
                    for index in props[key]
                ]
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, **stream}
        dynamodb = self.stack.clients("dynamodb")
        description = dynamodb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        attrs = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attrs["StreamArn"] = description["LatestStreamArn"]
        return name, attrs

    def _key(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        kms = self.stack.clients("kms")
        request = {"Description": props.get("Description", logical_id)}
        for key in ("KeyUsage", "KeySpec"):
            if key in props:
                request[key] = props[key]
        meta = kms.create_key(**request)["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}

    def _alias(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        alias = "alias/" + self.stack.name + "-" + props["AliasName"].removeprefix("alias/")
        self.stack.clients("kms").create_alias(AliasName=alias, TargetKeyId=props["TargetKeyId"])
        return alias, {}

    def _secret(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        name = self.name(logical_id, props.get("Name"))
        value = props.get("SecretString")
        if value is None:
            value = generate_secret_string(props.get("GenerateSecretString", {}))
        request = {"Name": name, "SecretString": value}
        if props.get("Description"):
            request["Description"] = props["Description"]
        if props.get("KmsKeyId"):
            request["KmsKeyId"] = props["KmsKeyId"]
        arn = self.stack.clients("secretsmanager").create_secret(**request)["ARN"]
        return arn, {"Id": arn}

    def _schedule(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        name = self.name(logical_id, props.get("Name"))
        request = {
            k: props[k]
            for k in (
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "FlexibleTimeWindow",
                "Target",
                "State",
                "Description",
                "GroupName",
            )
            if k in props
        }
        arn = self.stack.clients("scheduler").create_schedule(Name=name, **request)["ScheduleArn"]
        return name, {"Arn": arn}

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        name = self.name(logical_id, props.get("BucketName")).lower()
        self.stack.clients("s3").create_bucket(Bucket=name)
        return name, {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        }
