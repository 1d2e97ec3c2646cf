"""Our own base URL (OAuth redirect URIs, sign-in pages, links we hand out): one derivation
for every function, so the API, the OAuth server and the insights portal agree.

PUBLIC_BASE_URL when the deployment sets it. Otherwise it comes from the request: the
scheme from X-Forwarded-Proto (API Gateway sets it), else https on API Gateway's own host
and http elsewhere (the local runtime); the stage is part of the path only on API
Gateway's own host (a custom domain maps it away).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def request_headers(event: Mapping[str, Any]) -> dict[str, str]:
    """The proxy event's headers with lower-case names (the last of repeated ones)."""
    multi = {k.lower(): v[-1] for k, v in (event.get("multiValueHeaders") or {}).items() if v}
    return multi | {k.lower(): v for k, v in (event.get("headers") or {}).items()}


def public_base_url(event: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> str:
    """Our base URL for this request (`headers` with lower-case names, else the event's)."""
    configured = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    if configured:
        return configured
    headers = request_headers(event) if headers is None else headers
    host = headers.get("host") or "localhost"
    on_aws = host.endswith(".amazonaws.com")
    proto = headers.get("x-forwarded-proto") or ("https" if on_aws else "http")
    stage = (event.get("requestContext") or {}).get("stage") if on_aws else None
    return f"{proto}://{host}" + (f"/{stage}" if stage else "")
