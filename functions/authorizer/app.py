"""API Gateway REQUEST authorizer: our OAuth server's tokens -> Allow + principal context."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.authserver.authorizer import Unauthorized, authorize_request
from syncbridge.authserver.store import OAuthStore
from syncbridge.observability import logger, metrics, tracer


@cache
def store() -> OAuthStore:
    return OAuthStore()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        result = authorize_request(store(), event)
    except Unauthorized:
        logger.info("request not authorized", extra={"method_arn": event.get("methodArn")})
        metrics.add_metric(name="AuthorizerDenied", unit="Count", value=1)
        raise
    logger.info(
        "request authorized",
        extra={
            "tenant_id": result["context"]["tenant_id"],
            "client_id": result["context"]["client_id"],
        },
    )
    return result
