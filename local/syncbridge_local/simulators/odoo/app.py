"""The Odoo simulator's HTTP face: JSON-2 and XML-RPC on one server, as Odoo 19 serves them.

Everything here follows ../shared/contracts/odoo-api.md (observed on a real Odoo 19):

JSON-2: `POST /json/2/{model}/{method}`, `Authorization: bearer <api key>`, optional
`X-Odoo-Database` (an unknown one is Odoo's HTML 404 page, not JSON). Arguments are bound
by name to the method's signature (422 UnprocessableEntity when they do not fit, or when
ids are sent to an @api.model method); errors are statuses with
`{"name", "message", "arguments", "context", "debug"}`, where werkzeug errors carry
`arguments: [message, status]`. `create` always answers a list of ids.

XML-RPC: `/xmlrpc/2/common` (`version`, `authenticate`, `login`) and `/xmlrpc/2/object`
(`execute_kw`, `execute`), dispatched like Odoo's `call_kw`: record methods take their ids
from `args[0]`, and `create` reads `args[0]` (keyword `vals_list` is Fault 1 IndexError);
`create` answers an id for a dict and a list for a list. Faults come with HTTP 200:
1 (a Python exception, with its traceback), 2 (UserError, ValidationError, MissingError,
unknown model), 3 (AccessDenied), 4 (AccessError). An unknown database is Fault 1
(psycopg2 OperationalError). Odoo 19 does not throttle XML-RPC logins, nor does this.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from syncbridge_local.simulators.odoo.database import (
    MODEL_METHODS,
    WRITE_METHODS,
    AccessDenied,
    AccessError,
    Env,
    OdooDatabase,
    OdooException,
    ServerError,
    UnknownMethod,
    UnknownModel,
    UserError,
)

VERSION = {
    "server_version": "19.0",
    "server_version_info": [19, 0, 0, "final", 0, ""],
    "server_serie": "19.0",
    "protocol_version": 1,
}
NO_DATABASE_PAGE = (
    "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>No database is selected and the requested URL was not found in the server-wide "
    "controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try "
    "again.</p>\n"
)


@dataclass
class OdooUser:
    uid: int
    login: str
    password: str
    api_key: str
    can_write: bool = True


class OdooApp:
    """WSGI application over one `OdooDatabase`."""

    def __init__(self, db: OdooDatabase, users: list[OdooUser]) -> None:
        self.db = db
        self.users = {user.login: user for user in users}

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/web/health":
            return Response(json.dumps({"status": "pass"}), content_type="application/json")
        if path.startswith("/json/2"):
            return self.json2(request, path)
        if request.method != "POST":
            return _json_error(405, "werkzeug.exceptions.MethodNotAllowed", "POST only")
        if path == "/xmlrpc/2/common":
            return self.xmlrpc(request, self.common)
        if path == "/xmlrpc/2/object":
            return self.xmlrpc(request, self.object)
        return _json_error(404, "werkzeug.exceptions.NotFound", "Not Found")

    # --- JSON-2 ------------------------------------------------------------------------

    def json2(self, request: Request, path: str) -> Response:
        database = request.headers.get("X-Odoo-Database")
        if database is not None and database != self.db.name:
            return Response(NO_DATABASE_PAGE, status=404, content_type="text/html")
        parts = path.split("/")
        if len(parts) != 5 or request.method != "POST":
            return _werkzeug(404, "NotFound", "Did you mean POST /json/2/<model>/<method>?")
        model, method = parts[3], parts[4]
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        user = next((u for u in self.users.values() if u.api_key == key.strip()), None)
        if scheme.lower() != "bearer" or not key or user is None:
            return _werkzeug(401, "Unauthorized", "Invalid apikey")
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return _werkzeug(400, "BadRequest", "Invalid JSON data")
        if not isinstance(body, dict):
            return _werkzeug(400, "BadRequest", "Invalid JSON data")
        ids = body.pop("ids", None) or []
        context = body.pop("context", None) or {}
        try:
            signature = self.db.signature(model, method)
        except UnknownModel as exc:
            return _werkzeug(404, "NotFound", f"the model '{exc.model}' does not exist")
        except UnknownMethod as exc:
            return _werkzeug(404, "NotFound", str(exc))
        except OdooException as exc:
            return _odoo_error(exc)
        if method in MODEL_METHODS and ids:
            return _werkzeug(422, "UnprocessableEntity", f"cannot call {model}.{method} with ids")
        env = Env(model, list(ids), dict(context), user.uid)
        try:
            signature.bind(env, **body)
        except TypeError as exc:
            return _werkzeug(422, "UnprocessableEntity", str(exc.args[0]))
        try:
            self._check_rights(user, model, method)
            result = self.db.run(method, env, [], body)
        except OdooException as exc:
            return _odoo_error(exc)
        return Response(json.dumps(result), content_type="application/json")

    # --- XML-RPC -----------------------------------------------------------------------

    def xmlrpc(self, request: Request, service: Callable[[str, tuple], Any]) -> Response:
        try:
            params, method = xmlrpc.client.loads(request.get_data(), use_builtin_types=True)
        except Exception:
            return Response("bad XML-RPC request", status=400)
        try:
            result = service(method or "", params)
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
        except OdooException as exc:
            payload = xmlrpc.client.dumps(_fault(exc), methodresponse=True, allow_none=True)
        except (TypeError, ValueError, IndexError, AttributeError, KeyError) as exc:
            fault = _fault(ServerError(str(exc), type(exc).__name__))
            payload = xmlrpc.client.dumps(fault, methodresponse=True, allow_none=True)
        return Response(payload, content_type="text/xml")

    def common(self, method: str, params: tuple) -> Any:
        if method == "version":
            return dict(VERSION)
        if method in ("authenticate", "login"):
            db, login, password = params[0], params[1], params[2]
            self._check_database(db)
            user = self.users.get(login)
            if user is None or password not in (user.password, user.api_key):
                return False
            return user.uid
        raise ServerError(f"Method not available {method}", "NameError")

    def object(self, method: str, params: tuple) -> Any:
        db, uid, password, model, model_method, *args = params
        if method == "execute_kw":
            if len(args) == 1:
                args = [*args, {}]
            rpc_args, kw = args  # more than two: "too many values to unpack", as in Odoo
            kw = kw or {}
        elif method == "execute":
            rpc_args, kw = list(args), {}
        else:
            raise ServerError(f"Method not available {method}", "NameError")
        if not password:
            raise AccessDenied("Access Denied")
        self._check_database(db)
        user = next((u for u in self.users.values() if u.uid == uid), None)
        if user is None or password not in (user.password, user.api_key):
            raise AccessDenied("Access Denied")
        return self._call_kw(user, model, model_method, list(rpc_args), dict(kw))

    def _call_kw(self, user: OdooUser, model: str, method: str, args: list, kw: dict) -> Any:
        """Odoo's `call_kw`: ids from args[0] for record methods; create reads args[0]."""
        try:
            self.db.method(model, method)
        except UnknownModel as exc:
            raise UserError(f"Object {exc.model} doesn't exist") from None
        except UnknownMethod as exc:
            raise ServerError(str(exc), "AttributeError") from None
        context = kw.pop("context", None) or {}
        ids: list[int] = []
        if method not in MODEL_METHODS:
            if not args:
                raise ServerError("list index out of range", "IndexError")
            ids, args = list(args[0] or []), args[1:]
        if method == "create" and not args:
            # Odoo runs create, then reads args[0] and fails: the transaction rolls back
            raise ServerError("list index out of range", "IndexError")
        self._check_rights(user, model, method)
        result = self.db.run(method, Env(model, ids, dict(context), user.uid), args, kw)
        if method == "create":
            return result[0] if isinstance(args[0], Mapping) else result
        return result

    # --- shared ------------------------------------------------------------------------

    def _check_database(self, db: str) -> None:
        if db != self.db.name:
            raise ServerError(
                'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
                f'FATAL:  database "{db}" does not exist',
                "OperationalError",
            )

    @staticmethod
    def _check_rights(user: OdooUser, model: str, method: str) -> None:
        if method in WRITE_METHODS and not user.can_write:
            raise AccessError(
                f"You are not allowed to modify '{model}' records.\n\n"
                "This operation is allowed for the following groups:\n"
                "\t- Inventory/Administrator"
            )


def _traceback(exc: ServerError) -> str:
    module = "psycopg2." if exc.exc_type == "OperationalError" else ""
    return (
        "Traceback (most recent call last):\n"
        '  File "/odoo/service/model.py", line 93, in call_kw\n'
        "    result = method(recs, *args, **kwargs)\n"
        f"{module}{exc.exc_type}: {exc}\n"
    )


def _fault(exc: OdooException) -> xmlrpc.client.Fault:
    if isinstance(exc, ServerError):
        return xmlrpc.client.Fault(1, _traceback(exc))
    return xmlrpc.client.Fault(exc.fault_code, str(exc))


def _odoo_error(exc: OdooException) -> Response:
    """Odoo's JSON-2 error body; `debug` holds the server traceback."""
    if isinstance(exc, ServerError):
        debug = _traceback(exc)
    else:
        debug = (
            "Traceback (most recent call last):\n"
            '  File "/odoo/addons/rpc/controllers/json2.py", line 93, in web_json_2_rpc\n'
            "    result = func(records, **kwargs)\n"
            f"{exc.name}: {exc}\n"
        )
    return _json_error(exc.http_status, exc.name, str(exc), [str(exc)], debug)


def _werkzeug(status: int, name: str, message: str) -> Response:
    return _json_error(status, f"werkzeug.exceptions.{name}", message, [message, status])


def _json_error(
    status: int, name: str, message: str, arguments: list | None = None, debug: str = ""
) -> Response:
    body = {
        "name": name,
        "message": message,
        "arguments": arguments if arguments is not None else [message],
        "context": {},
        "debug": debug,
    }
    return Response(json.dumps(body), status=status, content_type="application/json")
