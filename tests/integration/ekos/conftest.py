"""Fixtures for the Ekos integration tests: moto (DynamoDB, KMS, SQS, Secrets Manager) in
process, the Ekos simulator on a loopback port, and the connections routes behind the
foundation's resolver, driven with API Gateway REST (v1) proxy events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from syncbridge import aws
from syncbridge.api.principal import Principal
from syncbridge_local.simulators import ekos as ekos_sim
from tests.helpers.functions import FakeContext
from tests.helpers.moto import offline_aws

CLIENT_ID = "sync-bridge"
CLIENT_SECRET = "cs-" + uuid.uuid4().hex  # what Secrets Manager holds; must never be logged
PUBLIC_BASE = "https://api.sync-bridge.test/dev"
CALLBACK = PUBLIC_BASE + "/oauth/ekos/callback"
TENANT_A, TENANT_B = "tenant-a", "tenant-b"


@dataclass
class Aws:
    table: Any
    queue_url: str
    key_id: str

    def items(self) -> list[dict]:
        return self.table.scan()["Items"]

    def connection_items(self) -> list[dict]:
        return [i for i in self.items() if i["sk"].startswith("CONNECTION#")]

    def import_messages(self) -> list[dict]:
        sqs = aws.client("sqs")
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                return out
            for m in got:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture(scope="module")
def aws_module() -> Iterator[Aws]:
    """moto with the resources the connect flow uses, shared by a module's tests."""
    with pytest.MonkeyPatch.context() as mp:
        offline_aws(mp)
        mp.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
        aws.reset_clients()
        parameters.clear_caches()
        with mock_aws():
            table = aws.resource("dynamodb").create_table(
                TableName="connections-test",
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[
                    {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")
                ],
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
            )
            key_id = aws.client("kms").create_key(Description="tokens")["KeyMetadata"]["KeyId"]
            queue_url = aws.client("sqs").create_queue(QueueName="import-test")["QueueUrl"]
            secret_arn = aws.client("secretsmanager").create_secret(
                Name="ekos-client",
                SecretString=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
            )["ARN"]
            mp.setenv("CONNECTIONS_TABLE", "connections-test")
            mp.setenv("TOKEN_KEY_ID", key_id)
            mp.setenv("IMPORT_QUEUE_URL", queue_url)
            mp.setenv("EKOS_CLIENT_SECRET_ARN", secret_arn)
            yield Aws(table, queue_url, key_id)
        parameters.clear_caches()
        aws.reset_clients()


@pytest.fixture
def aws_env(aws_module: Aws) -> Aws:
    """The module's moto resources, emptied for this test."""
    with aws_module.table.batch_writer() as batch:
        for item in aws_module.items():
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    aws_module.import_messages()
    return aws_module


@pytest.fixture(scope="module")
def sim_server() -> Iterator[ekos_sim.EkosSimulator]:
    simulator = ekos_sim.start(
        seed=11,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[CALLBACK],
        auto_approve=True,
    )
    yield simulator
    simulator.stop()


@pytest.fixture
def sim(
    sim_server: ekos_sim.EkosSimulator, monkeypatch: pytest.MonkeyPatch
) -> ekos_sim.EkosSimulator:
    """The module's simulator, reset to a clean state for this test."""
    sim_server.register_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
    sim_server.reset(auto_approve=True)
    monkeypatch.setenv("EKOS_BASE_URL", sim_server.url)
    return sim_server


PERSON = "brewer@example.com"


def principal(tenant: str, subject: str = PERSON) -> Principal:
    """A signed-in admin of `tenant` (a browser session carries its role's scopes)."""
    from syncbridge.authserver.scopes import scopes_for_roles

    return Principal(tenant_id=tenant, client_id="browser-session", subject=subject,
                     scopes=scopes_for_roles(frozenset({"admin"})), roles=frozenset({"admin"}))  # fmt: skip


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """The connections router behind the foundation's resolver, invoked like API Gateway."""

    def __init__(self) -> None:
        from syncbridge.api.resolver import make_resolver
        from syncbridge.api.routes import connections

        self.app = make_resolver()
        self.app.include_router(connections.router)
        self.browsers: dict[str, str] = {}  # tenant -> the binding cookie its browser holds
        self.last_started: str | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        tenant: str | None = None,
        query: dict | None = None,
        subject: str = PERSON,
        cookie: str | None = None,
    ) -> ApiResponse:
        headers = {"Host": "api.sync-bridge.test", "Accept": "text/html"}
        if cookie:
            headers["Cookie"] = cookie
        event = {
            "resource": path,
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
            "pathParameters": None,
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
            "requestContext": {
                "stage": "dev", "requestId": uuid.uuid4().hex, "httpMethod": method,
                "resourcePath": path, "path": f"/dev{path}",
                **({"authorizer": principal(tenant, subject).to_context()} if tenant else {}),
            },
        }  # fmt: skip
        result = self.app.resolve(event, FakeContext())
        out = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for k, values in (result.get("multiValueHeaders") or {}).items():
            out.setdefault(k.lower(), values[0])
        for value in result.get("cookies") or (result.get("multiValueHeaders") or {}).get(
            "Set-Cookie", []
        ):
            out["set-cookie"] = value
        return ApiResponse(result["statusCode"], out, result.get("body") or "")

    # ------------------------------------------------------------ the browser's walk
    def start(self, tenant: str) -> str:
        """GET /connections/ekos/start -> the Ekos authorize URL."""
        response = self.call("GET", "/connections/ekos/start", tenant=tenant)
        assert response.status == 302, response.body
        self.browsers[tenant] = response.headers["set-cookie"].split(";", 1)[0]
        self.last_started = tenant
        return response.headers["location"]

    @staticmethod
    def follow_to_ekos(authorize_url: str) -> dict[str, str]:
        """Let the (auto-approving) simulator answer; the query it redirects back with."""
        answer = httpx.get(authorize_url, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(CALLBACK + "?"), location
        return dict(parse_qsl(urlparse(location).query))

    def callback(self, query: dict[str, str], tenant: str | None = None, **kw: Any) -> ApiResponse:
        """The callback in `tenant`'s browser (default: the one that started last)."""
        tenant = tenant or self.last_started
        kw.setdefault("cookie", self.browsers.get(tenant or ""))
        return self.call("GET", "/oauth/ekos/callback", query=query, tenant=tenant, **kw)

    def connect(self, tenant: str) -> ApiResponse:
        return self.callback(self.follow_to_ekos(self.start(tenant)))


@pytest.fixture
def api(aws_env: Aws, sim) -> Api:
    return Api()
