"""The HTTP API function: one resolver, one router per concern (see syncbridge.api.routes)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import connections, events, health, setup, sync
from syncbridge.observability import logger, metrics, tracer

app = make_resolver()
app.include_router(health.router)
app.include_router(connections.router)
app.include_router(events.router)
app.include_router(setup.router)
app.include_router(sync.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
