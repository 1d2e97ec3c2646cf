"""The HTTP API function: one resolver, one router per concern (see syncbridge.api.routes)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from syncbridge.api.openapi import publish
from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import connections, credentials, events, health, pages, setup, sync
from syncbridge.observability import logger, metrics, tracer

app = make_resolver()
app.include_router(health.router)
app.include_router(connections.router)
app.include_router(events.router)
app.include_router(setup.router)
app.include_router(credentials.router)
app.include_router(pages.router)
app.include_router(sync.router)
publish(
    app,
    "/openapi.json",
    title="Sync Bridge API",
    version="1.0.0",
    description="Connections, guided setup, ERP change events, tenant credentials. Bearer "
    "token of the Sync Bridge OAuth server (or its sb_session cookie); roles viewer < "
    "operator < admin; see syncbridge.api.policy for each route's role and scope.",
)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
