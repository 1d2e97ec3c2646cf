"""The pest-control API resolver: shared error contract, guard, routers, OpenAPI, Swagger."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import pest, pest_devices, pest_incidents, pest_setup
from syncbridge.api.routes.pest_guard import guard

TITLE = "Sync Bridge pest-control API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Odoo inspection points <-> Microshare devices: discovery, gap analysis, device creation "
    "and lifecycle, DevEUI assignment, incidents. Bearer token of the Sync Bridge OAuth "
    "server required; roles viewer < operator < admin."
)


def _security() -> dict:
    """Bearer tokens of our OAuth server, so Swagger UI's Authorize button works."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return {
        "security_schemes": {"bearerAuth": HTTPBearer(description="Sync Bridge OAuth token")},
        "security": [{"bearerAuth": []}],
    }


def build_app() -> APIGatewayRestResolver:
    app = make_resolver()
    app.use(middlewares=[guard])
    app.include_router(pest.router)
    app.include_router(pest_devices.router)
    app.include_router(pest_incidents.router)
    app.include_router(pest_setup.router)
    app.enable_swagger(
        path="/api/v1/erp/swagger",
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        persist_authorization=True,
        **_security(),
    )

    @app.get("/api/v1/erp/openapi.json", include_in_schema=False)
    def openapi():  # a raw Response: no return annotation, kept out of the schema
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=app.get_openapi_json_schema(
                title=TITLE, version=VERSION, description=DESCRIPTION, **_security()
            ),
        )

    return app
