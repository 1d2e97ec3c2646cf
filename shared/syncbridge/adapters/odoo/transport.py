"""The two ways to call an Odoo model method, behind one `call(model, method, **kwargs)`.

`Json2Transport` (Odoo 19+): `POST {odoo}/json/2/{model}/{method}` with the named
arguments as the JSON body, a bearer API key and `X-Odoo-Database`.
`XmlRpcTransport` (older servers, deprecated in 19): `authenticate` once for a uid
(False = refused), then `execute_kw(db, uid, secret, model, method, args, kwargs)`. Odoo
builds the record-set from `args[0]` and `create` reads its values from `args[0]` too, so
the leading parameters of each method (`POSITIONAL`) travel positionally; a keyword
`vals_list` is an `IndexError` on a real server.

Both protocols classify a failure the same way, into the ERP port's typed errors (see
../shared/contracts/odoo-api.md for what a real Odoo answers):

| what happened                                  | JSON-2                  | XML-RPC            | error                     |
| ---------------------------------------------- | ----------------------- | ------------------ | ------------------------- |
| key or password refused                        | 401                     | auth False, Fault 3 | `ErpAuthError`           |
| no access right                                | 403 AccessError         | Fault 4            | `ErpAuthError`            |
| unknown database                               | 404 HTML page           | Fault 1 OperationalError | `ErpConfigurationMissing(database)` |
| unknown model                                  | 404 NotFound            | Fault 2 "Object X doesn't exist" | `ErpConfigurationMissing(model)` |
| unknown field (fields, domain, order)          | 500 ValueError          | Fault 1 ValueError | `ErpConfigurationMissing(field)` |
| missing record                                 | 404 MissingError        | Fault 2 MissingError | `ErpNotFound`           |
| business rule (ValidationError, UserError)     | 422                     | Fault 2            | `ErpConflict`, whole text |
| overloaded, down, unreachable                  | 429, 5xx without name, connection errors | same | `ErpUnavailable` |
| anything else (a bug on either side)           | other                   | other Fault 1      | `ErpError`                |

Messages carry Odoo's message, never the key or password.
"""

from __future__ import annotations

import json
import re
import xmlrpc.client
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

import httpx

from syncbridge.adapters.http import Failure, HttpCore, RetryPolicy, StatusTable
from syncbridge.domain.pest.erp import (
    ErpAuthError,
    ErpConfigurationMissing,
    ErpConflict,
    ErpError,
    ErpNotFound,
    ErpUnavailable,
)

NOT_IDEMPOTENT = frozenset({"create", "message_post"})
# The leading parameters Odoo's XML-RPC dispatch takes positionally (record methods take
# their ids first; `create` its values). JSON-2 names every argument.
POSITIONAL: dict[str, tuple[str, ...]] = {
    "create": ("vals_list",),
    "write": ("ids", "vals"),
    "read": ("ids",),
    "unlink": ("ids",),
    "message_post": ("ids",),
}
MESSAGE_LIMIT = 2000

_INVALID_FIELD = re.compile(
    r"Invalid field (?:'(?P<quoted>[^']+)'|(?P<dotted>[\w.]+) in condition)"
)
_UNKNOWN_MODEL = (
    re.compile(r"the model '(?P<model>[^']+)' does not exist"),
    re.compile(r"Object (?P<model>\S+) doesn't exist"),
)
_MISSING_DATABASE = re.compile(r'database "(?P<db>[^"]+)" does not exist')


class OdooTransport(Protocol):
    protocol: str

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        """Call `model.method` with named arguments; record methods take `ids=[...]`."""
        ...


def _whole(message: str) -> str:
    """Odoo's text, every line kept (a ValidationError names the records on later lines)."""
    return str(message).strip()[:MESSAGE_LIMIT]


def _exception_line(traceback_text: str) -> str:
    """The `ExceptionClass: message` part at the end of a Fault 1 traceback, whole."""
    text = str(traceback_text).strip()
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"^[\w.]+(Error|Exception|Warning|Denied)\b.*:", lines[index]):
            return _whole("\n".join(lines[index:]))
    return _whole(lines[-1] if lines else "")


def classify(
    what: str, name: str, message: str, *, status: int | None = None, fault: int | None = None
) -> ErpError:
    """One Odoo failure as the ERP port's typed error, the same for both protocols.

    `status` is the JSON-2 HTTP status (None over XML-RPC), `fault` the XML-RPC fault code
    (None over JSON-2), `name` the exception class Odoo reports (JSON-2 only).
    """
    text = _whole(message)
    if status == 401 or fault == 3:
        return ErpAuthError(f"Odoo refused the credentials for {what}: {text or 'Access Denied'}")
    if status == 403 or fault == 4 or name.endswith("AccessError"):
        return ErpAuthError(f"Odoo denied {what}: the user lacks an access right: {text}")
    if match := _MISSING_DATABASE.search(text):
        return _missing_database(match["db"])
    for pattern in _UNKNOWN_MODEL:
        if match := pattern.search(text):
            model = match["model"]
            return ErpConfigurationMissing(
                f"Odoo has no model '{model}' (is its app installed?)", setting="model", tried=model
            )
    if match := _INVALID_FIELD.search(text):
        field = match["quoted"] or (match["dotted"] or "").rsplit(".", 1)[-1]
        return ErpConfigurationMissing(f"Odoo {what}: {text}", setting="field", tried=field)
    if "ConcurrencyError" in name or "ConcurrencyError" in text or "could not serialize" in text:
        return ErpUnavailable(f"Odoo {what}: concurrent update, retry later: {text}")
    if "MissingError" in name or "Record does not exist or has been deleted" in text:
        return ErpNotFound(f"Odoo {what}: {text}")
    if fault == 2 or name.startswith("odoo.exceptions.") or status == 409:
        return ErpConflict(f"Odoo refused {what}: {text}")
    if status is not None and (status == 429 or status >= 502 or (status == 500 and not name)):
        return ErpUnavailable(f"Odoo {what} failed with HTTP {status}; retry later")
    detail = f"{name}: {text}" if name else text
    if status is not None:
        detail = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    return ErpError(f"Odoo {what} failed: {detail}")


def _missing_database(database: str) -> ErpConfigurationMissing:
    return ErpConfigurationMissing(
        f"Odoo has no database '{database}'", setting="database", tried=database
    )


def _unreachable(failure: Failure) -> ErpUnavailable:
    return ErpUnavailable(f"Odoo unreachable during {failure.what}: {failure.error}; retry later")


def _json2_error(failure: Failure, database: str) -> ErpError:
    """A JSON-2 answer other than 200: Odoo names the exception in its JSON body."""
    body = failure.body if isinstance(failure.body, dict) else None
    if body is None and failure.status == 404:
        # Odoo answers an unknown X-Odoo-Database with its HTML "No database is selected"
        return _missing_database(database)
    name = str((body or {}).get("name") or "")
    message = str((body or {}).get("message") or "")
    return classify(failure.what, name, message, status=failure.status)


# Odoo's status → error table is `classify` (the status alone does not decide: the
# exception Odoo names does), so every status goes through it.
XMLRPC_ERRORS = StatusTable(
    unreachable=_unreachable,
    statuses={},
    otherwise=lambda f: classify(f.what, "", "", status=f.status),
)


class Json2Transport:
    protocol = "json2"

    def __init__(
        self, base_url: str, database: str, api_key: str, http: httpx.Client, retry: RetryPolicy
    ) -> None:
        self._database = database
        self._api_key = api_key
        errors = StatusTable(
            unreachable=_unreachable,
            statuses={},
            otherwise=lambda failure: _json2_error(failure, database),
        )
        self._core = HttpCore(http, errors, name="odoo", base_url=base_url, retry=retry)

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        headers = {
            "Authorization": f"bearer {self._api_key}",
            "Content-Type": "application/json",
        }
        if self._database:
            headers["X-Odoo-Database"] = self._database
        response = self._core.request(
            "POST",
            f"/json/2/{model}/{method}",
            what=f"{model}.{method}",
            content=json.dumps(kwargs),
            headers=headers,
            accept=(200,),
            idempotent=method not in NOT_IDEMPOTENT,
            should_retry=_retry_json2,
        )
        return response.json()


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _retry_json2(response: httpx.Response) -> bool:
    """A 500 naming an Odoo or Python exception is deterministic: don't retry it."""
    if response.status_code != 500:
        return True
    return not str((_json_body(response) or {}).get("name") or "")


class XmlRpcTransport:
    protocol = "xmlrpc"

    def __init__(
        self,
        base_url: str,
        database: str,
        login: str,
        secret: str,
        http: httpx.Client,
        retry: RetryPolicy,
    ) -> None:
        self._database = database
        self._login = login
        self._secret = secret
        self._core = HttpCore(http, XMLRPC_ERRORS, name="odoo", base_url=base_url, retry=retry)
        self._uid: int | None = None

    @property
    def uid(self) -> int:
        """Authenticate once; a refusal is final (reconnect with other credentials)."""
        if self._uid is None:
            uid = self._rpc(
                "common", "authenticate", (self._database, self._login, self._secret, {}), True
            )
            if not uid:
                raise ErpAuthError(
                    f"Odoo refused the login '{self._login}' on database '{self._database}' "
                    "(wrong API key or password)"
                )
            self._uid = int(uid)
        return self._uid

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        args = [kwargs.pop(name) for name in POSITIONAL.get(method, ()) if name in kwargs]
        params = (self._database, self.uid, self._secret, model, method, args, kwargs)
        try:
            return self._rpc("object", "execute_kw", params, method not in NOT_IDEMPOTENT, model)
        except ErpAuthError:
            self._uid = None  # the key may have been revoked: authenticate next time
            raise

    def _rpc(
        self, service: str, method: str, params: tuple, idempotent: bool, model: str = ""
    ) -> Any:
        what = f"{model}.{params[4]}" if model else f"{service}.{method}"
        response = self._core.request(
            "POST",
            f"/xmlrpc/2/{service}",
            what=what,
            content=xmlrpc.client.dumps(params, method, allow_none=True),
            headers={"Content-Type": "text/xml"},
            accept=(200,),
            idempotent=idempotent,
        )
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            message = str(fault.faultString)
            if fault.faultCode == 1:
                message = _exception_line(message)
            raise classify(what, "", message, fault=fault.faultCode) from None
        except (ExpatError, ValueError) as exc:
            raise ErpError(
                f"Odoo {what}: malformed XML-RPC response ({type(exc).__name__})"
            ) from None
        return result
