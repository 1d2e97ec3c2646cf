"""The local API Gateway: HTTP -> proxy event -> handler -> HTTP, authorizers, errors."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_path_query_headers_and_text_body_reach_the_handler(http: httpx.Client) -> None:
    # Given a route /echo/{name} (ANY)
    # When a POST carries path, repeated query parameters, a header and a JSON body
    response = http.post(
        "/echo/ale?tag=a&tag=b&one=1", headers={"X-Trace": "t-1"}, json={"hello": "world"}
    )
    # Then the handler saw the REST API v1 proxy event
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["resource"] == "/echo/{name}"
    assert event["path"] == "/echo/ale"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"name": "ale"}
    assert event["queryStringParameters"] == {"tag": "b", "one": "1"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}
    assert event["headers"]["X-Trace"] == "t-1"
    assert event["multiValueHeaders"]["X-Trace"] == ["t-1"]
    assert json.loads(event["body"]) == {"hello": "world"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "test"
    assert context["resourcePath"] == "/echo/{name}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"]
    assert "authorizer" not in context  # public route


def test_binary_bodies_are_base64_both_ways(http: httpx.Client) -> None:
    # Given an Api with BinaryMediaTypes application/octet-stream
    raw = b"\x00\xffbinary"
    response = http.put(
        "/echo/blob", content=raw, headers={"Content-Type": "application/octet-stream"}
    )
    event = response.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    # And a base64 response body is decoded on the way out
    response = http.get("/echo/binary-reply")
    assert response.content == b"\x00\x01\xff"


def test_response_headers_and_multi_value_headers(http: httpx.Client) -> None:
    response = http.get("/echo/x")
    assert response.headers["X-Role"] == "echo"
    assert response.headers.get_list("Set-Cookie") == ["a=1", "b=2"]


def test_literal_segments_win_over_parameters_and_proxy_paths_match_deep(
    http: httpx.Client,
) -> None:
    assert http.get("/echo/static").json()["event"]["resource"] == "/echo/static"
    event = http.get("/files/a/b/c.txt").json()["event"]
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}


def test_each_function_runs_with_its_own_environment_and_context(http: httpx.Client) -> None:
    body = http.get("/echo/env").json()
    assert body["env"]["ROLE"] == "echo"  # the function's own variable
    assert body["env"]["GREETING"] == "hello"  # Globals, from the parameter default
    assert body["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024"
    assert body["env"]["RESULTS_TABLE"].endswith("-ResultsTable")
    assert body["context"]["memory"] == 1024
    assert 0 < body["context"]["remaining_ms"] <= 10_000


def test_unknown_route_is_a_json_404(http: httpx.Client) -> None:
    response = http.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_known_path_with_wrong_method_is_a_json_405_with_allow(http: httpx.Client) -> None:
    response = http.delete("/echo/static")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


class TestAuthorizer:
    def test_missing_identity_source_is_401_without_calling_the_authorizer(
        self, runtime, http
    ) -> None:
        before = len(runtime.invocations("AuthorizerFunction"))
        response = http.get("/private")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert len(runtime.invocations("AuthorizerFunction")) == before

    def test_authorizer_exception_is_401(self, http) -> None:
        response = http.get("/private", headers={"Authorization": "Bearer nonsense"})
        assert response.status_code == 401

    def test_deny_policy_is_403(self, http) -> None:
        response = http.get("/private", headers={"Authorization": "Bearer bad"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"

    def test_allow_passes_the_context_to_the_handler(self, http) -> None:
        response = http.get("/private", headers={"Authorization": "Bearer good"})
        assert response.status_code == 200
        authorizer = response.json()["event"]["requestContext"]["authorizer"]
        assert authorizer["tenant_id"] == "t1"
        assert authorizer["principalId"] == "user-1"

    def test_authorizer_gets_a_request_event_with_the_method_arn(self, runtime, http) -> None:
        http.get("/private", headers={"Authorization": "Bearer good"})
        call = runtime.invocations("AuthorizerFunction")[-1]
        assert call.event["type"] == "REQUEST"
        assert call.event["methodArn"].endswith("/test/GET/private")


class TestSharedResolver:
    def test_valid_body_is_accepted(self, http) -> None:
        response = http.post("/items", json={"name": "keg", "quantity": 2})
        assert response.status_code == 200
        assert response.json() == {"created": {"name": "keg", "quantity": 2}}

    def test_missing_field_is_422_naming_it(self, http) -> None:
        response = http.post("/items", json={"name": "keg"})
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["fields"] == [{"field": "quantity", "location": "body", "type": "missing"}]

    def test_malformed_json_is_400(self, http) -> None:
        response = http.post(
            "/items", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_body"

    def test_domain_error_keeps_its_status_and_code(self, http) -> None:
        response = http.post("/items", json={"name": "taken", "quantity": 1})
        assert response.status_code == 409
        assert response.json()["error"] == {
            "code": "conflict",
            "message": "an item with that name exists",
            "name": "taken",
        }

    def test_unexpected_error_is_500_with_correlation_id_and_trace_only_in_the_log(
        self, http, runtime
    ) -> None:
        response = http.get("/boom")
        assert response.status_code == 500
        error = response.json()["error"]
        assert error["code"] == "internal_error"
        assert error["correlation_id"] == response.headers["X-Correlation-Id"]
        assert "secret internals" not in response.text and "Traceback" not in response.text
        logged = [json.loads(line) for line in runtime.logs("ApiFunction") if line[:1] == "{"]
        failure = next(
            entry
            for entry in logged
            if entry.get("level") == "ERROR"
            and entry.get("correlation_id") == error["correlation_id"]
        )
        assert failure["correlation_id"] == error["correlation_id"]
        assert "secret internals" in failure["exception"]

    def test_handler_crash_outside_the_resolver_is_a_json_502(self, http) -> None:
        response = http.get("/crash")
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "internal_error"
        assert "crashed" not in response.text


def test_concurrent_requests_each_see_their_own_event(runtime) -> None:
    # Given a Powertools route (the resolver keeps the current event process-wide)
    from concurrent.futures import ThreadPoolExecutor

    names = [f"n{i}" for i in range(16)]

    def ask(name: str) -> dict:
        return httpx.get(f"{runtime.base_url}/who/{name}", timeout=20).json()

    # When many requests arrive at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, names))
    # Then every handler answered about its own request
    assert answers == [{"name": n, "path": f"/who/{n}"} for n in names]
