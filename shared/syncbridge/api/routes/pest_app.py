"""The pest-control API resolver: shared error contract and gate, routers, OpenAPI, Swagger."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from syncbridge.api.openapi import publish, security
from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import pest, pest_devices, pest_incidents, pest_setup

TITLE = "Sync Bridge pest-control API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Odoo inspection points <-> Microshare devices: discovery, gap analysis, device creation "
    "and lifecycle, DevEUI assignment, incidents. Bearer token of the Sync Bridge OAuth "
    "server required; roles viewer < operator < admin."
)


def build_app() -> APIGatewayRestResolver:
    app = make_resolver()
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
        **security(),
    )

    publish(app, "/api/v1/erp/openapi.json", title=TITLE, version=VERSION, description=DESCRIPTION)
    return app
