"""The Ekos simulator's HTTP surface, following contracts/ekos-api.md exactly.

OAuth: `/oauth/authorize` (a consent page with Approve/Deny, or auto-approve/deny when the
simulator was started so), `/oauth/token` (HTTP Basic client auth; authorization_code with
PKCE S256 and exact redirect URI; rotating refresh tokens with family revocation on
reuse), `/oauth/revoke`. Resources: `GET /api/v1/{resource}` with keyset cursors, and
`POST /api/v1/unit-scans` with Idempotency-Key semantics. Faults are applied before
routing. Nothing here is under `/_sim/`: test helpers use `sim.state` in process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote_plus, urlencode

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from syncbridge_local.simulators.ekos.dataset import RESOURCES
from syncbridge_local.simulators.ekos.faults import Fault, Faults
from syncbridge_local.simulators.ekos.state import State, TokenError

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 100
SCAN_EVENTS = ("filled", "shipped", "delivered", "returned", "emptied")
SCAN_FIELDS = (
    "scan_id",
    "unit_serial",
    "event",
    "product_batch_id",
    "location_id",
    "location_type",
    "scanned_at",
)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def _bearer_error() -> Response:
    return _json(
        {"error": "invalid_token", "error_description": "The access token expired or is invalid"},
        401,
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _retry_after_value(value: int | float | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value == "date" or value.startswith("date:"):
            seconds = float(value.partition(":")[2] or 1)
            when = datetime.now(UTC) + timedelta(seconds=seconds)
            return format_datetime(when, usegmt=True)
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


class EkosApp:
    """WSGI application over a `State` and a `Faults` list."""

    def __init__(self, state: State, faults: Faults, auto_approve: bool | str = False) -> None:
        self.state = state
        self.faults = faults
        # False: show the consent page; True/"approve": approve at once; "deny": refuse.
        self.auto_approve: bool | str = auto_approve

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HTTPException as exc:
            response = _json({"error": exc.name.lower().replace(" ", "_")}, exc.code or 500)
        self.state.requests.append((request.method, request.path, response.status_code))
        return response(environ, start_response)

    # ---------------------------------------------------------------- dispatch
    def dispatch(self, request: Request) -> Response:
        for fault in self.faults.take(request.method, request.path):
            answer = self._apply_fault(fault, request)
            if answer is not None:
                return answer
        path, method = request.path.rstrip("/") or "/", request.method
        if path == "/oauth/authorize" and method in ("GET", "POST"):
            return self.authorize(request)
        if path == "/oauth/token" and method == "POST":
            return self.token(request)
        if path == "/oauth/revoke" and method == "POST":
            return self.revoke(request)
        if path == "/api/v1/unit-scans" and method == "POST":
            return self.authenticated(request, self.post_scan)
        if path.startswith("/api/v1/") and method == "GET":
            resource = path.removeprefix("/api/v1/")
            if resource in RESOURCES:
                return self.authenticated(request, lambda r: self.list_resource(r, resource))
        return _json({"error": "not_found"}, 404)

    def _apply_fault(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return None
        if fault.kind == "expire_token":
            token = _bearer(request)
            if token:
                self.state.expire_access_token(token)
            return None  # the normal path now answers 401
        headers = {}
        retry_after = _retry_after_value(fault.retry_after)
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        if fault.kind == "rate_limit":
            return _json({"error": "rate_limited"}, 429, headers)
        return _json({"error": "server_error"}, fault.status, headers)

    # ---------------------------------------------------------------- OAuth
    def authorize(self, request: Request) -> Response:
        params = request.values
        client = self.state.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            # Never redirect to an unverified URI (RFC 6749 §4.1.2.1): tell the person.
            return _page(
                "Cannot connect",
                "<p>The application asking for access is unknown or used a redirect address "
                "that is not registered with Ekos. You have not been redirected.</p>",
                400,
            )
        state = params.get("state", "")

        def back(**query: str) -> Response:
            if state:
                query["state"] = state
            sep = "&" if "?" in redirect_uri else "?"
            return Response(
                status=302, headers={"Location": f"{redirect_uri}{sep}{urlencode(query)}"}
            )

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not (43 <= len(challenge) <= 128):
            return back(
                error="invalid_request", error_description="PKCE S256 code_challenge required"
            )
        scope = params.get("scope") or "read write"

        decision = params.get("decision") if request.method == "POST" else None
        if decision is None and self.auto_approve:
            decision = "deny" if self.auto_approve == "deny" else "approve"
        if decision == "approve":
            code = self.state.issue_code(client.client_id, redirect_uri, challenge, scope)
            return back(code=code)
        if decision == "deny":
            return back(error="access_denied", error_description="The user denied access")
        return self._consent_page(client.client_id, params, scope)

    def _consent_page(self, client_id: str, params, scope: str) -> Response:
        keep = (
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
            "scope",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params.get(k, ""))}">'
            for k in keep
            if params.get(k) is not None
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in scope.split())
        body = f"""
<p>Signed in to Ekos as <strong>brewer@cascadefoothills.example</strong>
(Cascade Foothills Brewing Company).</p>
<p><strong>{html.escape(client_id)}</strong> wants to access your Ekos account:</p>
<ul>{scopes}</ul>
<form method="post" action="/oauth/authorize">{hidden}
  <button type="submit" name="decision" value="approve" id="approve">Approve</button>
  <button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>"""
        return _page("Authorize access to Ekos", body, 200)

    def _client(self, request: Request) -> tuple[Any, Response | None]:
        auth = request.headers.get("Authorization", "")
        client = None
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
                cid, _, secret = raw.partition(":")
                # RFC 6749 §2.3.1 form-encodes both parts; many clients send them raw.
                client = self.state.authenticate_client(cid, secret) or (
                    self.state.authenticate_client(unquote_plus(cid), unquote_plus(secret))
                )
            except (binascii.Error, UnicodeDecodeError):
                client = None
        if client is None:
            return None, _json(
                {"error": "invalid_client"}, 401, {"WWW-Authenticate": 'Basic realm="ekos"'}
            )
        return client, None

    def token(self, request: Request) -> Response:
        client, failure = self._client(request)
        if failure:
            return failure
        form = request.form
        grant = form.get("grant_type")
        try:
            if grant == "authorization_code":
                tokens = self.state.redeem_code(
                    client,
                    form.get("code", ""),
                    form.get("redirect_uri", ""),
                    form.get("code_verifier", ""),
                )
            elif grant == "refresh_token":
                tokens = self.state.refresh(client, form.get("refresh_token", ""))
            else:
                return _json({"error": "unsupported_grant_type"}, 400)
        except TokenError as exc:
            return _json({"error": exc.error, "error_description": exc.description}, exc.status)
        return _json(tokens, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def revoke(self, request: Request) -> Response:
        client, failure = self._client(request)
        if failure:
            return failure
        self.state.revoke(client, request.form.get("token", ""))
        return Response(status=200)

    # ---------------------------------------------------------------- resources
    def authenticated(self, request: Request, handler) -> Response:
        token = _bearer(request)
        if not token or self.state.check_access_token(token) is None:
            return _bearer_error()
        return handler(request)

    def list_resource(self, request: Request, resource: str) -> Response:
        args = request.args
        errors = []
        try:
            size = int(args.get("page_size", DEFAULT_PAGE_SIZE))
            if not 1 <= size <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            errors.append(
                {"field": "page_size", "message": f"must be an integer 1..{MAX_PAGE_SIZE}"}
            )
            size = DEFAULT_PAGE_SIZE
        since = args.get("updated_since")
        since_key = None
        if since:
            try:
                since_key = _since_key(since)
            except ValueError:
                errors.append(
                    {"field": "updated_since", "message": "must be an RFC 3339 timestamp"}
                )
        after = None
        cursor = args.get("cursor")
        if cursor:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))
                after = (decoded["u"], decoded["i"])
                since_key = decoded.get("s")
            except (ValueError, KeyError, TypeError, binascii.Error):
                errors.append({"field": "cursor", "message": "unknown cursor"})
        if errors:
            return _json({"errors": errors}, 422)
        rows, last = self.state.page(resource, after, since_key, size)
        next_cursor = None
        if last is not None:
            raw = json.dumps({"u": last[0], "i": last[1], "s": since_key}).encode()
            next_cursor = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return _json({"data": rows, "next_cursor": next_cursor})

    # ---------------------------------------------------------------- unit scans
    def post_scan(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            body = None
        errors = [] if key else [{"field": "Idempotency-Key", "message": "header is required"}]
        if not isinstance(body, dict):
            return _json(
                {"errors": [*errors, {"field": "body", "message": "must be a JSON object"}]}, 422
            )
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if key:
            stored = self.state.scans.get(key)
            if stored is not None:
                if stored["fingerprint"] == fingerprint:
                    return _json(stored["response"], 200)
                return _json(
                    {
                        "error": "idempotency_key_reused",
                        "message": "this Idempotency-Key was used with another body",
                    },
                    409,
                )
        errors += self._scan_errors(body)
        if errors:
            return _json({"errors": errors}, 422)
        with self.state._lock:
            stored = self.state.scans.get(key)
            if stored is not None:  # a concurrent duplicate won the race
                same = stored["fingerprint"] == fingerprint
                return (
                    _json(stored["response"], 200)
                    if same
                    else _json({"error": "idempotency_key_reused"}, 409)
                )
            response = {
                "id": f"us-{secrets.token_hex(6)}",
                **{f: body[f] for f in SCAN_FIELDS},
                "received_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            self.state.scans[key] = {"fingerprint": fingerprint, "response": response}
        return _json(response, 201)

    def _scan_errors(self, body: dict) -> list[dict]:
        errors = []
        for f in SCAN_FIELDS:
            if not isinstance(body.get(f), str) or not body.get(f):
                errors.append({"field": f, "message": "is required and must be a string"})
        if errors:
            return errors
        if body["event"] not in SCAN_EVENTS:
            errors.append({"field": "event", "message": f"must be one of {', '.join(SCAN_EVENTS)}"})
        batch = self.state.find("product-batches", body["product_batch_id"])
        if batch is None or batch.get("deleted"):
            errors.append({"field": "product_batch_id", "message": "unknown product batch"})
        if body["location_type"] not in ("customer", "storage"):
            errors.append({"field": "location_type", "message": "must be customer or storage"})
        else:
            res = (
                "customer-locations" if body["location_type"] == "customer" else "storage-locations"
            )
            loc = self.state.find(res, body["location_id"])
            if loc is None or loc.get("deleted"):
                errors.append(
                    {"field": "location_id", "message": f"unknown {body['location_type']} location"}
                )
        try:
            _parse_rfc3339(body["scanned_at"])
        except ValueError:
            errors.append({"field": "scanned_at", "message": "must be an RFC 3339 timestamp"})
        return errors


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def _parse_rfc3339(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("timezone required")
    return dt


def _since_key(value: str) -> str:
    """`updated_since` as a comparable key (inclusive, second precision, rounded up)."""
    dt = _parse_rfc3339(value).astimezone(UTC)
    if dt.microsecond:
        dt = dt.replace(microsecond=0) + timedelta(seconds=1)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _page(title: str, body: str, status: int) -> Response:
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · Ekos</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}}</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    return Response(doc, status=status, mimetype="text/html")
