"""The app shell: every page is shell.html (header, navigation, shared CSS/JS) around its
own content, CSS and script, all inlined (one request, no build step).

Pages carry no data: they are public, and their script asks the JSON API (cookie
`sb_session`) for everything, so a signed-out visitor is sent to sign-in with a way back
(`next`) instead of meeting a JSON 401. Links are built from the stage prefix the request
came in on, so the same page works on `https://host/dev/...` and locally.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from pathlib import Path
from string import Template
from typing import Any

from aws_lambda_powertools.event_handler import Response

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
        " connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _read(name: str) -> str:
    path = STATIC / name
    return path.read_text(encoding="utf-8") if path.exists() else ""


@cache
def page_template(name: str, title: str, route: str, **content_values: str) -> Template:
    """The whole page for `name` (static/<name>.html/.css/.js), leaving only `$root` open."""
    content = Template(_read(f"{name}.html")).safe_substitute(content_values)
    shell = Template(_read("shell.html")).safe_substitute(title=title, route=route, content=content)
    shell = shell.replace("/*APP_CSS*/", _read("app.css"), 1)
    shell = shell.replace("/*PAGE_CSS*/", _read(f"{name}.css"), 1)
    shell = shell.replace("/*APP_JS*/", _read("app.js"), 1)
    shell = shell.replace("/*PAGE_JS*/", _read(f"{name}.js"), 1)
    return Template(shell.replace("$", "$$").replace("$$root", "$root"))


def stage_prefix(event: Any) -> str:
    """'/dev' when the request came in on the stage's path (execute-api URL), else ''."""
    context = event.request_context
    stage = context.stage or ""
    if stage and stage != "$default" and (context.path or "").startswith(f"/{stage}/"):
        return f"/{stage}"
    return ""


def render(event: Any, name: str, title: str, route: str, **content_values: str) -> Response[Any]:
    html = page_template(name, title, route, **content_values).substitute(root=stage_prefix(event))
    return Response(
        status_code=HTTPStatus.OK,
        content_type="text/html; charset=utf-8",
        body=html,
        headers=dict(SECURITY_HEADERS),
    )
