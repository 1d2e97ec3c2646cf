"""The insights API resolver: insights, reports, billing, compliance, the two pages, OpenAPI."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from syncbridge.api import shell
from syncbridge.api.openapi import publish
from syncbridge.api.resolver import make_resolver
from syncbridge.api.routes import insights

TITLE = "Sync Bridge pest-control insights API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Service history, preventive maintenance, site risk and seasonal trends, monthly reports, "
    "usage for billing, compliance packs and customer portal links. Bearer token of the "
    "Sync Bridge OAuth server (or a signed-in session); roles viewer < operator < admin."
)
STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
        " img-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


@cache
def _page(name: str) -> str:
    """A page with the shared stylesheet and its script inlined (one request, no build)."""
    html = (STATIC / f"{name}.html").read_text(encoding="utf-8")
    css = (STATIC / "insights.css").read_text(encoding="utf-8")
    js_path = STATIC / f"{name}.js"
    js = js_path.read_text(encoding="utf-8") if js_path.exists() else ""
    return html.replace("/*CSS*/", css, 1).replace("/*JS*/", js, 1)


def _html(name: str) -> Response:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=_page(name),
        headers={**PAGE_HEADERS, "Referrer-Policy": "no-referrer"},
    )


def build_app() -> APIGatewayRestResolver:
    app = make_resolver()
    app.include_router(insights.router)

    @app.get("/pest/insights", include_in_schema=False)
    def insights_page():  # the shell holds no data: its script signs in, then reads the API
        return shell.render(app.current_event, "insights", "Insights", "/pest/insights")

    @app.get("/portal", include_in_schema=False)
    def portal_page():  # public: the page itself holds no data; /portal/data checks the link
        return _html("portal")

    publish(
        app,
        "/api/v1/erp/insights/openapi.json",
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
    )
    return app
