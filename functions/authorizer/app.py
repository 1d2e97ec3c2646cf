"""API Gateway REQUEST authorizer: our OAuth server's tokens -> Allow + principal context.

A missing, unknown, expired or revoked token raises `Unauthorized` (API Gateway answers
401); it is raised outside the traced section, since a refusal is an answer, not an error.
"""

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


@tracer.capture_method
def decide(event: dict[str, Any]) -> dict[str, Any] | None:
    """The Allow policy with the principal's context, or None to refuse."""
    try:
        return authorize_request(store(), event)
    except Unauthorized:
        return None


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = decide(event)
    if result is None:
        logger.info("request not authorized", extra={"method_arn": event.get("methodArn")})
        metrics.add_metric(name="AuthorizerDenied", unit="Count", value=1)
        raise Unauthorized()
    ctx = result["context"]
    logger.info(
        "request authorized", extra={"tenant_id": ctx["tenant_id"], "client_id": ctx["client_id"]}
    )
    return result
