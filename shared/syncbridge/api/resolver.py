"""The one Powertools resolver every HTTP function builds, with the API's error contract.

Every error leaves the API as `{"error": {"code": ..., "message": ..., ...}}` with a stable
machine-readable `code`:
- unknown route -> 404 `not_found`;
- malformed JSON body -> 400 `malformed_body`; a body/query/path value that fails
  validation -> 422 `validation_error` with `fields: [{"field", "location", "type"}]`;
- a `syncbridge.domain.errors.DomainError` -> its own status and code;
- anything unexpected -> 500 `internal_error` with the correlation id (also in the
  `X-Correlation-Id` header); the stack trace goes to the structured log, never the body.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from syncbridge.domain.errors import DomainError
from syncbridge.observability import logger


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The API's error envelope."""
    return {"error": {"code": code, "message": message, **extra}}


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """A JSON error response in the API's envelope (also handy inside routes)."""
    headers = {}
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


def make_resolver(**options: Any) -> APIGatewayRestResolver:
    """A REST API (v1 proxy event) resolver with validation and the error contract above.

    Routers per concern join it with `app.include_router(router)`.
    """
    app = APIGatewayRestResolver(enable_validation=True, **options)

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
        return error_response(exc.http_status, exc.code, exc.message, **exc.details)

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
