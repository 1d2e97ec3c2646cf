"""The one Powertools resolver every HTTP function builds, with the API's error contract.

Every error leaves the API as `{"error": {"code": ..., "message": ..., ...}}` with a stable
machine-readable `code`:
- unknown route -> 404 `not_found`;
- malformed JSON body -> 400 `malformed_body`; a body/query/path value that fails
  validation -> 422 `validation_error` with `fields: [{"field", "location", "type"}]`;
- a `syncbridge.domain.errors.DomainError` -> its own status and code (and headers, e.g.
  Retry-After on 429);
- before any of that, every matched route passes `syncbridge.api.gate.admit`: its policy
  entry (role, scope), throttles and body limits (401/403/413/415/429...);
- anything unexpected -> 500 `internal_error` with the correlation id (also in the
  `X-Correlation-Id` header); the stack trace goes to the structured log, never the body.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Route
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from syncbridge.api.gate import admit
from syncbridge.api.policy import RoutePolicy
from syncbridge.domain.errors import DomainError
from syncbridge.observability import logger


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The API's error envelope."""
    return {"error": {"code": code, "message": message, **extra}}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """A JSON error response in the API's envelope (also handy inside routes)."""
    headers = dict(headers or {})
    correlation_id = logger.get_correlation_id()
    if correlation_id:
        headers["X-Correlation-Id"] = correlation_id
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, **extra),
        headers=headers,
    )


def validation_fields(exc: RequestValidationError) -> list[dict[str, str]]:
    """Which inputs failed and why, without echoing values back (they may be secrets)."""
    fields = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) if len(loc) > 1 else location
        fields.append({"field": field, "location": location, "type": str(err.get("type", ""))})
    return fields


class SyncBridgeResolver(APIGatewayRestResolver):
    """Powertools' REST resolver with the gate in front of every matched route."""

    def __init__(
        self, policies: dict[tuple[str, str], RoutePolicy] | None = None, **options: Any
    ) -> None:
        super().__init__(**options)
        self.policies = policies

    def _call_route(self, route: Route, route_arguments: dict[str, str]) -> Any:
        registered = route in self._static_routes or route in self._dynamic_routes
        if registered:  # the not-found handler's synthetic route has no policy to check
            try:
                admit(route.method, route.openapi_path, self.current_event.raw_event, self.policies)
            except Exception as exc:
                handled = self._call_exception_handler(exc, route)
                if handled:
                    return handled
                raise
        return super()._call_route(route, route_arguments)


def make_resolver(
    policies: dict[tuple[str, str], RoutePolicy] | None = None, **options: Any
) -> APIGatewayRestResolver:
    """A REST API (v1 proxy event) resolver with validation, the gate and the error
    contract above. `policies` replaces the product's table (tests of the resolver itself).

    Routers per concern join it with `app.include_router(router)`.
    """
    app = SyncBridgeResolver(policies=policies, enable_validation=True, **options)

    @app.not_found
    def _not_found(_exc: NotFoundError) -> Response:
        event = app.current_event
        return error_response(
            HTTPStatus.NOT_FOUND,
            "not_found",
            f"no route for {event.http_method} {event.path}",
        )

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        fields = validation_fields(exc)
        if any(f["type"] == "json_invalid" for f in fields):
            return error_response(
                HTTPStatus.BAD_REQUEST, "malformed_body", "request body is not valid JSON"
            )
        names = ", ".join(f["field"] for f in fields)
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation_error",
            f"invalid request: {names}",
            fields=fields,
        )

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        logger.info("request refused", extra={"code": exc.code, "status": exc.http_status})
        return error_response(
            exc.http_status, exc.code, exc.message, headers=exc.headers, **exc.details
        )

    @app.exception_handler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        return error_response(exc.status_code, code, exc.msg)

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error in route")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error; quote the correlation id when reporting it",
            correlation_id=logger.get_correlation_id() or "",
        )

    return app
