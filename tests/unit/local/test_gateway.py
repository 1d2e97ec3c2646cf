"""Local API Gateway pieces: route matching, proxy events, proxy responses, authorizers."""

from __future__ import annotations

import base64
import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from syncbridge_local.gateway import (
    AuthorizerDenied,
    AuthorizerSpec,
    Gateway,
    Route,
    RouteMatch,
    authorize,
    http_response,
    match_route,
    proxy_event,
)


def route(path: str, method: str = "GET", **kw) -> Route:
    return Route(
        function_id=kw.pop("fn", "Fn"),
        api_id="Api",
        api_ref="abc123",
        stage="dev",
        path=path,
        method=method,
        **kw,
    )


def request(path: str, method: str = "GET", **kw) -> Request:
    return Request(EnvironBuilder(path=path, method=method, **kw).get_environ())


ROUTES = [
    route("/setup/{resource_type}/proposals"),
    route("/setup/state"),
    route("/setup/{resource_type}/proposals/{external_id}", "PUT"),
    route("/files/{proxy+}", "ANY", fn="Files"),
    route("/health"),
    route("/", fn="Root"),
]


class TestMatching:
    def test_literal_beats_parameter(self) -> None:
        found = match_route([*ROUTES, route("/setup/{x}")], "GET", "/setup/state")
        assert isinstance(found, RouteMatch)
        assert found.route.path == "/setup/state"

    def test_parameters_are_extracted(self) -> None:
        found = match_route(ROUTES, "PUT", "/setup/products/proposals/P-1")
        assert isinstance(found, RouteMatch)
        assert found.path_parameters == {"resource_type": "products", "external_id": "P-1"}

    def test_greedy_proxy_and_any_method(self) -> None:
        found = match_route(ROUTES, "DELETE", "/files/a/b/c")
        assert isinstance(found, RouteMatch)
        assert found.route.function_id == "Files"
        assert found.path_parameters == {"proxy": "a/b/c"}

    def test_trailing_slash_and_root(self) -> None:
        assert isinstance(match_route(ROUTES, "GET", "/health/"), RouteMatch)
        found = match_route(ROUTES, "GET", "/")
        assert isinstance(found, RouteMatch) and found.route.function_id == "Root"

    def test_unknown_path_gives_no_methods(self) -> None:
        assert match_route(ROUTES, "GET", "/nope") == []
        assert match_route(ROUTES, "GET", "/setup/x/proposals/y/z") == []

    def test_wrong_method_gives_the_allowed_methods(self) -> None:
        assert match_route(ROUTES, "POST", "/setup/state") == ["GET"]


class TestProxyEvent:
    def test_full_event(self) -> None:
        req = request(
            "/setup/products/proposals",
            query_string="q=a&q=b&page=2",
            headers={"X-Api": "1", "Cookie": "sb_session=abc"},
        )
        found = match_route(ROUTES, "GET", req.path)
        event = proxy_event(req, found, request_id="rid-1", authorizer={"tenant_id": "t1"})
        assert event["resource"] == "/setup/{resource_type}/proposals"
        assert event["path"] == "/setup/products/proposals"
        assert event["httpMethod"] == "GET"
        assert event["pathParameters"] == {"resource_type": "products"}
        assert event["queryStringParameters"] == {"q": "b", "page": "2"}
        assert event["multiValueQueryStringParameters"] == {"q": ["a", "b"], "page": ["2"]}
        assert event["headers"]["X-Api"] == "1"
        assert event["headers"]["Cookie"] == "sb_session=abc"
        assert event["body"] is None and event["isBase64Encoded"] is False
        ctx = event["requestContext"]
        assert ctx["requestId"] == "rid-1"
        assert ctx["stage"] == "dev" and ctx["path"] == "/setup/products/proposals"
        assert ctx["authorizer"] == {"tenant_id": "t1"}
        assert ctx["identity"]["sourceIp"]

    def test_no_query_and_no_path_params_are_null(self) -> None:
        req = request("/health")
        event = proxy_event(req, match_route(ROUTES, "GET", "/health"))
        assert event["queryStringParameters"] is None
        assert event["multiValueQueryStringParameters"] is None
        assert event["pathParameters"] is None

    def test_text_body_is_kept_and_undecodable_bytes_are_base64(self) -> None:
        found = match_route(ROUTES, "POST", "/files/x")
        event = proxy_event(
            request("/files/x", "POST", data='{"a": 1}', content_type="application/json"), found
        )
        assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False
        event = proxy_event(
            request("/files/x", "POST", data=b"\xff\xfe", content_type="text/plain"), found
        )
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\xfe"

    def test_binary_media_types_are_base64(self) -> None:
        r = route("/up", "POST", binary_media_types=("image~1*",))
        event = proxy_event(
            request("/up", "POST", data=b"png", content_type="image/png"), RouteMatch(r, {})
        )
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"png"


class TestProxyResponse:
    def test_status_headers_and_multi_value_headers(self) -> None:
        response = http_response(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "application/json", "X-One": "1"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": json.dumps({"ok": True}),
            }
        )
        assert response.status_code == 201
        assert response.headers["X-One"] == "1"
        assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert json.loads(response.get_data()) == {"ok": True}

    def test_base64_body_is_decoded(self) -> None:
        response = http_response(
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x00\x01").decode(),
                "isBase64Encoded": True,
            }
        )
        assert response.get_data() == b"\x00\x01"

    def test_malformed_result_is_502(self) -> None:
        assert http_response("not a dict").status_code == 502
        assert http_response({"body": "no status"}).status_code == 502


def policy(effect: str, resource: str = "*") -> dict:
    return {
        "principalId": "u1",
        "context": {"tenant_id": "t1"},
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }


class TestAuthorizer:
    spec = AuthorizerSpec(name="A", function_id="Auth", payload_type="TOKEN")

    def run(self, result=None, exc: Exception | None = None, headers=None, spec=None):
        calls = []

        def invoke(function_id, event):
            calls.append(event)
            if exc:
                raise exc
            return result

        req = request("/health", headers=headers or {})
        found = match_route(ROUTES, "GET", "/health")
        return authorize(spec or self.spec, req, found, invoke), calls

    def test_token_authorizer_gets_the_token_and_method_arn(self) -> None:
        context, calls = self.run(policy("Allow"), headers={"Authorization": "Bearer x"})
        assert context == {"tenant_id": "t1", "principalId": "u1"}
        assert calls[0]["authorizationToken"] == "Bearer x"
        assert calls[0]["methodArn"].endswith(":abc123/dev/GET/health")

    def test_missing_token_is_401_without_a_call(self) -> None:
        with pytest.raises(AuthorizerDenied) as denied:
            self.run(policy("Allow"))
        assert denied.value.status == 401

    def test_deny_and_non_matching_resource_are_403(self) -> None:
        for result in (policy("Deny"), policy("Allow", "arn:aws:execute-api:*:*:*/dev/POST/*")):
            with pytest.raises(AuthorizerDenied) as denied:
                self.run(result, headers={"Authorization": "t"})
            assert denied.value.status == 403

    def test_exception_is_401(self) -> None:
        with pytest.raises(AuthorizerDenied) as denied:
            self.run(exc=Exception("Unauthorized"), headers={"Authorization": "t"})
        assert denied.value.status == 401

    def test_request_authorizer_gets_headers_and_query(self) -> None:
        spec = AuthorizerSpec(name="R", function_id="Auth", payload_type="REQUEST")
        _, calls = self.run(policy("Allow"), headers={"Cookie": "sb_session=s"}, spec=spec)
        assert calls[0]["type"] == "REQUEST"
        assert calls[0]["headers"]["Cookie"] == "sb_session=s"


def test_gateway_turns_handler_crash_into_json_502() -> None:
    def invoke(function_id, event):
        raise RuntimeError("boom with secrets")

    response, _ = Gateway([route("/health")], invoke).handle(request("/health"))
    assert response.status_code == 502
    body = json.loads(response.get_data())
    assert body["error"]["code"] == "internal_error" and "secrets" not in response.get_data(
        as_text=True
    )
