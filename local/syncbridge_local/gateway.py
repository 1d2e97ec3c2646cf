"""A local API Gateway (REST API, Lambda proxy integration) for the template's `Api` events.

Matches each HTTP request against the routes the template declares, runs the route's
Lambda authorizer when there is one, turns the request into a v1 proxy event, invokes the
function, and turns its proxy response back into HTTP. Requests no route matches get a
JSON 404; a known path with the wrong method gets a JSON 405 with an `Allow` header.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from syncbridge_local.template import ACCOUNT_ID, REGION

log = logging.getLogger("syncbridge_local")

Invoke = Callable[[str, dict[str, Any]], Any]  # (function logical id, event) -> result


@dataclass(frozen=True)
class AuthorizerSpec:
    """A Lambda authorizer of an Api (`Auth.Authorizers.<name>`)."""

    name: str
    function_id: str
    payload_type: str = "TOKEN"  # TOKEN or REQUEST
    headers: tuple[str, ...] = ()
    query_strings: tuple[str, ...] = ()
    validation_expression: str | None = None


@dataclass
class Route:
    """One `Type: Api` event: path template, method, the function and its authorizer."""

    function_id: str
    api_id: str
    api_ref: str
    stage: str
    path: str
    method: str  # upper case, or ANY
    authorizer: AuthorizerSpec | None = None
    binary_media_types: tuple[str, ...] = ()
    _regex: re.Pattern[str] = field(init=False, repr=False)
    _names: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.path = normalize_path(self.path)
        pattern, self._names = "", []
        for segment in self.path.strip("/").split("/") if self.path != "/" else []:
            m = re.fullmatch(r"\{([^}]+?)(\+?)\}", segment)
            if m and m.group(2):
                pattern += "/(.+)"
                self._names.append(m.group(1))
            elif m:
                pattern += "/([^/]+)"
                self._names.append(m.group(1))
            else:
                pattern += "/" + re.escape(segment)
        self._regex = re.compile("^" + (pattern or "/") + "$")

    def match(self, path: str) -> dict[str, str] | None:
        m = self._regex.match(path)
        if m is None:
            return None
        return dict(zip(self._names, m.groups(), strict=True))

    @property
    def specificity(self) -> tuple[int, ...]:
        """Lower sorts first: literal segments beat `{param}`, which beats `{proxy+}`."""
        ranks = []
        for segment in self.path.strip("/").split("/"):
            ranks.append(2 if segment.endswith("+}") else 1 if segment.startswith("{") else 0)
        return tuple(ranks)

    def allows(self, method: str) -> bool:
        return self.method in ("ANY", method)


def normalize_path(path: str) -> str:
    path = "/" + path.strip("/")
    return path


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def match_route(routes: list[Route], method: str, path: str) -> RouteMatch | list[str]:
    """The route for `method path`, or the methods its resource allows (empty: unknown path).

    Like API Gateway, the most specific *resource* (path template) that matches is chosen
    first; a method it does not declare is refused even if a less specific one would take it.
    """
    path = normalize_path(path)
    for route in sorted(routes, key=lambda r: r.specificity):
        params = route.match(path)
        if params is None:
            continue
        resource = [r for r in routes if r.path == route.path]
        chosen = next((r for r in resource if r.method == method), None) or next(
            (r for r in resource if r.method == "ANY"), None
        )
        if chosen is not None:
            return RouteMatch(chosen, params)
        return sorted({r.method for r in resource})
    return []


# ------------------------------------------------------------------ events
def _lists(pairs: list[tuple[str, str]]) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out or None


def request_body(request: Request, binary_media_types: tuple[str, ...]) -> tuple[str | None, bool]:
    """The proxy event's `body` and `isBase64Encoded` for this request."""
    data = request.get_data(cache=True)
    if not data:
        return None, False
    mimetype = request.mimetype or ""
    if any(fnmatch.fnmatch(mimetype, t.replace("~1", "/")) for t in binary_media_types):
        return base64.b64encode(data).decode("ascii"), True
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def method_arn(route: Route, method: str, path: str) -> str:
    return (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{route.api_ref}/{route.stage}/"
        f"{method}/{path.lstrip('/')}"
    )


def proxy_event(
    request: Request,
    match: RouteMatch,
    *,
    request_id: str | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The API Gateway REST (v1) Lambda proxy event for `request`."""
    route = match.route
    path = normalize_path(request.path)
    header_pairs = list(request.headers.items())
    query_pairs = list(request.args.items(multi=True))
    body, is_base64 = request_body(request, route.binary_media_types)
    now = datetime.now(UTC)
    request_id = request_id or str(uuid.uuid4())
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": route.api_ref,
        "resourceId": "local",
        "resourcePath": route.path,
        "httpMethod": request.method,
        # The local URL has no stage prefix (like `sam local` or a custom domain), so the
        # context path has none either: pages and Swagger build their links from it.
        "path": path,
        "stage": route.stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "identity": {
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.user_agent.string or None,
            "accessKey": None,
            "accountId": None,
            "apiKey": None,
            "caller": None,
            "user": None,
            "userArn": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
        },
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": dict(header_pairs) or None,
        "multiValueHeaders": _lists(header_pairs),
        "queryStringParameters": dict(query_pairs) or None,
        "multiValueQueryStringParameters": _lists(query_pairs),
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_response(result: Any) -> Response:
    """The HTTP response for a Lambda proxy result (502 when the result is malformed)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int | str):
        log.error("malformed Lambda proxy response: %.200r", result)
        return json_error(502, "bad_gateway", "the function returned a malformed response")
    headers = Headers()
    for key, value in (result.get("headers") or {}).items():
        headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if key in headers and len(values) == 1 and headers[key] == str(values[0]):
            continue
        headers.remove(key)
        for value in values:
            headers.add(key, str(value))
    body = result.get("body")
    if body is None:
        data = b""
    elif result.get("isBase64Encoded"):
        data = base64.b64decode(body)
    else:
        data = str(body).encode("utf-8")
    return Response(data, status=int(result["statusCode"]), headers=headers)


def json_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body = json.dumps({"error": {"code": code, "message": message, **extra}})
    return Response(body, status=status, mimetype="application/json", headers=headers)


# ------------------------------------------------------------------ authorizers
class AuthorizerDenied(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _policy_allows(policy: dict[str, Any], arn: str) -> bool:
    allowed = False
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("*", "execute-api:*", "execute-api:Invoke") for a in actions):
            continue
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatch.fnmatchcase(arn, r) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def authorize(
    spec: AuthorizerSpec, request: Request, match: RouteMatch, invoke: Invoke
) -> dict[str, Any]:
    """Run the route's Lambda authorizer like API Gateway; the requestContext.authorizer map."""
    route = match.route
    arn = method_arn(route, request.method, request.path)
    if spec.payload_type == "TOKEN":
        header = spec.headers[0] if spec.headers else "Authorization"
        token = request.headers.get(header)
        if not token or (
            spec.validation_expression and not re.fullmatch(spec.validation_expression, token)
        ):
            raise AuthorizerDenied(401, "unauthorized", f"missing or malformed {header} header")
        event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
    else:
        missing = [h for h in spec.headers if h not in request.headers] + [
            q for q in spec.query_strings if q not in request.args
        ]
        if missing:
            raise AuthorizerDenied(401, "unauthorized", f"missing {', '.join(missing)}")
        event = proxy_event(request, match)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        event.update({"type": "REQUEST", "methodArn": arn})
    try:
        result = invoke(spec.function_id, event)
    except Exception as exc:
        log.info("authorizer %s refused the request (%s)", spec.name, type(exc).__name__)
        raise AuthorizerDenied(401, "unauthorized", "unauthorized") from exc
    if not isinstance(result, dict) or not _policy_allows(result.get("policyDocument") or {}, arn):
        raise AuthorizerDenied(403, "forbidden", "the caller may not access this resource")
    context = {k: v for k, v in (result.get("context") or {}).items()}
    context["principalId"] = result.get("principalId", "")
    return context


# ------------------------------------------------------------------ the WSGI app
class Gateway:
    """WSGI application routing requests to functions (`invoke` does the calling)."""

    def __init__(self, routes: list[Route], invoke: Invoke) -> None:
        self.routes = routes
        self.invoke = invoke

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        started = time.monotonic()
        response, target = self.handle(request)
        log.info(
            "%s %s -> %s (%s, %d ms)",
            request.method,
            request.path,  # never the query string: it can carry OAuth codes and tokens
            response.status_code,
            target,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)

    def handle(self, request: Request) -> tuple[Response, str]:
        found = match_route(self.routes, request.method, request.path)
        if not isinstance(found, RouteMatch):
            if found:
                allow = ", ".join(found)
                return json_error(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed on {request.path}; use {allow}",
                    headers={"Allow": allow},
                ), "-"
            return json_error(
                404, "not_found", f"no route for {request.method} {request.path}"
            ), "-"
        route = found.route
        request_id = str(uuid.uuid4())
        authorizer_context = None
        if route.authorizer is not None:
            try:
                authorizer_context = authorize(route.authorizer, request, found, self.invoke)
            except AuthorizerDenied as denied:
                return json_error(denied.status, denied.code, denied.message), route.authorizer.name
        event = proxy_event(request, found, request_id=request_id, authorizer=authorizer_context)
        try:
            result = self.invoke(route.function_id, event)
        except Exception:
            log.exception("%s failed on %s %s", route.function_id, request.method, request.path)
            return json_error(
                502,
                "internal_error",
                "the function failed; see the runtime log",
                request_id=request_id,
            ), route.function_id
        return http_response(result), route.function_id
