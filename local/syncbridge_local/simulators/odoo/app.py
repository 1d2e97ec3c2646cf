"""The Odoo simulator's HTTP face: JSON-2 and XML-RPC on one server, as Odoo 19 serves them.

JSON-2: `POST /json/2/{model}/{method}`, `Authorization: bearer <api key>`,
`X-Odoo-Database`; errors are statuses with `{"name": "odoo.exceptions.X", "message", ...}`.
XML-RPC: `/xmlrpc/2/common` (`version`, `authenticate`, `login`) and `/xmlrpc/2/object`
(`execute_kw`, `execute`); faults come with HTTP 200 and codes 1 (server error),
2 (UserError/ValidationError/MissingError), 3 (AccessDenied), 4 (AccessError).
After 5 failed logins in 60 s from one address, `authenticate` returns False for everyone
from that address until the oldest failure is 60 s old (Odoo's cooldown).
"""

from __future__ import annotations

import json
import threading
import xmlrpc.client
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from syncbridge_local.simulators.odoo.database import (
    AccessDenied,
    AccessError,
    OdooDatabase,
    OdooException,
    ServerError,
)

WRITE_METHODS = frozenset({"create", "write", "unlink"})
RECORD_METHODS = frozenset({"read", "write", "unlink", "message_post"})
LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW_SECONDS = 60.0


@dataclass
class OdooUser:
    uid: int
    login: str
    password: str
    api_key: str
    can_write: bool = True


@dataclass
class LoginThrottle:
    clock: Callable[[], datetime]
    failures: dict[str, deque[datetime]] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, address: str) -> bool:
        with self.lock:
            recent = self._recent(address)
            return len(recent) >= LOGIN_FAILURE_LIMIT

    def record_failure(self, address: str) -> None:
        with self.lock:
            self._recent(address).append(self.clock())

    def _recent(self, address: str) -> deque[datetime]:
        now = self.clock()
        entries = self.failures[address]
        while entries and (now - entries[0]).total_seconds() >= LOGIN_WINDOW_SECONDS:
            entries.popleft()
        return entries


class OdooApp:
    """WSGI application over one `OdooDatabase`."""

    def __init__(self, db: OdooDatabase, users: list[OdooUser]) -> None:
        self.db = db
        self.users = {user.login: user for user in users}
        self.throttle = LoginThrottle(clock=db.clock)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/web/health":
            return Response(json.dumps({"status": "pass"}), content_type="application/json")
        if request.method != "POST":
            return _json_error(405, "werkzeug.exceptions.MethodNotAllowed", "POST only")
        if path.startswith("/json/2/"):
            return self.json2(request, path)
        if path == "/xmlrpc/2/common":
            return self.xmlrpc(request, self.common)
        if path == "/xmlrpc/2/object":
            return self.xmlrpc(request, self.object)
        return _json_error(404, "werkzeug.exceptions.NotFound", "Not Found")

    # --- JSON-2 ------------------------------------------------------------------------

    def json2(self, request: Request, path: str) -> Response:
        parts = path.split("/")
        if len(parts) != 5:
            return _json_error(404, "werkzeug.exceptions.NotFound", "Not Found")
        model, method = parts[3], parts[4]
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        user = next((u for u in self.users.values() if u.api_key == key.strip()), None)
        if scheme.lower() != "bearer" or not key or user is None:
            return _json_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
        database = request.headers.get("X-Odoo-Database")
        if database is not None and database != self.db.name:
            return _json_error(404, "werkzeug.exceptions.NotFound", "database not found")
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return _json_error(400, "werkzeug.exceptions.BadRequest", "Invalid JSON body")
        if not isinstance(body, dict):
            return _json_error(400, "werkzeug.exceptions.BadRequest", "Body must be an object")
        args: list[Any] = []
        if method in RECORD_METHODS:
            args = [body.pop("ids", [])]
        try:
            result = self._execute(user, model, method, args, body)
        except OdooException as exc:
            return _json_error(exc.http_status, exc.name, str(exc))
        return Response(json.dumps(result), content_type="application/json")

    # --- XML-RPC -----------------------------------------------------------------------

    def xmlrpc(self, request: Request, service: Callable[[str, tuple, str], Any]) -> Response:
        try:
            params, method = xmlrpc.client.loads(request.get_data(), use_builtin_types=True)
        except Exception:
            return Response("bad XML-RPC request", status=400)
        try:
            result = service(method or "", params, request.remote_addr or "?")
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
        except OdooException as exc:
            fault = xmlrpc.client.Fault(exc.fault_code, str(exc))
            payload = xmlrpc.client.dumps(fault, methodresponse=True, allow_none=True)
        except TypeError as exc:
            fault = xmlrpc.client.Fault(1, f"Traceback (most recent call last):\nTypeError: {exc}")
            payload = xmlrpc.client.dumps(fault, methodresponse=True, allow_none=True)
        return Response(payload, content_type="text/xml")

    def common(self, method: str, params: tuple, address: str) -> Any:
        if method == "version":
            return {"server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0]}
        if method in ("authenticate", "login"):
            db, login, password = params[0], params[1], params[2]
            return self._authenticate(db, login, password, address)
        raise ServerError(f"Method not found: {method}")

    def object(self, method: str, params: tuple, address: str) -> Any:
        if method not in ("execute_kw", "execute"):
            raise ServerError(f"Method not found: {method}")
        db, uid, password, model, model_method, *rest = params
        user = self._check_uid(db, uid, password)
        if method == "execute_kw":
            args = rest[0] if rest else []
            kwargs = rest[1] if len(rest) > 1 and rest[1] else {}
        else:
            args, kwargs = list(rest), {}
        return self._execute(user, model, model_method, list(args), dict(kwargs))

    def _authenticate(self, db: str, login: str, password: str, address: str) -> int | bool:
        if self.throttle.blocked(address):
            return False  # Odoo raises AccessDenied internally; the RPC returns False
        user = self.users.get(login)
        if db != self.db.name or user is None or password not in (user.password, user.api_key):
            self.throttle.record_failure(address)
            return False
        return user.uid

    def _check_uid(self, db: str, uid: Any, password: str) -> OdooUser:
        user = next((u for u in self.users.values() if u.uid == uid), None)
        if db != self.db.name or user is None or password not in (user.password, user.api_key):
            raise AccessDenied("Access Denied")
        return user

    # --- shared ------------------------------------------------------------------------

    def _execute(self, user: OdooUser, model: str, method: str, args: list, kwargs: dict) -> Any:
        if method in WRITE_METHODS and not user.can_write:
            raise AccessError(
                f"You are not allowed to modify '{model}' records.\n"
                f"This operation is allowed for the following groups: Inventory/Administrator"
            )
        try:
            return self.db.call(model, method, args, kwargs)
        except TypeError as exc:
            raise ServerError(str(exc)) from None


def _json_error(status: int, name: str, message: str) -> Response:
    body = {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""}
    return Response(json.dumps(body), status=status, content_type="application/json")
