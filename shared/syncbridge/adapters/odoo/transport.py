"""The two ways to call an Odoo model method, behind one `call(model, method, **kwargs)`.

`Json2Transport` (Odoo 19+): `POST {odoo}/json/2/{model}/{method}` with the named
arguments as the JSON body, a bearer API key and `X-Odoo-Database`.
`XmlRpcTransport` (older servers): `authenticate` once for a uid (False = refused), then
`execute_kw(db, uid, secret, model, method, [ids], kwargs)`.

Both map failures to the ERP port's typed errors, so the adapter above them never sees a
status code or a fault code. Messages carry Odoo's message, never the key or password.
"""

from __future__ import annotations

import json
import xmlrpc.client
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

import httpx

from syncbridge.adapters.http_retry import RetryPolicy, send_with_retry
from syncbridge.domain.pest.erp import (
    ErpAuthError,
    ErpConflict,
    ErpError,
    ErpNotFound,
    ErpUnavailable,
)

NOT_IDEMPOTENT = frozenset({"create"})
MISSING_MARKERS = ("does not exist", "has been deleted", "MissingError")


class OdooTransport(Protocol):
    protocol: str

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        """Call `model.method`; record methods take `ids=[...]`."""
        ...


def _first_line(message: str, limit: int = 300) -> str:
    lines = [line for line in str(message).strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


def _last_line(message: str, limit: int = 300) -> str:
    lines = [line for line in str(message).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:limit]


def _unreachable(exc: httpx.TransportError, what: str) -> ErpUnavailable:
    return ErpUnavailable(f"Odoo unreachable during {what}: {type(exc).__name__}")


def _status_error(status: int, what: str, name: str = "", message: str = "") -> ErpError:
    detail = f"{name}: {message}" if name else message or f"HTTP {status}"
    if (
        status == 429
        or status >= 502
        or (status == 500 and not name.startswith(("odoo.", "builtins.")))
    ):
        return ErpUnavailable(f"Odoo {what} failed with HTTP {status}")
    if status == 401:
        return ErpAuthError(f"Odoo rejected the API key for {what} (HTTP 401)")
    if status == 403:
        return ErpAuthError(f"Odoo denied {what}: {detail}")
    if status == 404:
        return ErpNotFound(f"Odoo {what}: {detail}")
    if status in (409, 422):
        return ErpConflict(f"Odoo refused {what}: {detail}")
    return ErpError(f"Odoo {what} failed with HTTP {status}: {detail}")


class Json2Transport:
    protocol = "json2"

    def __init__(
        self, base_url: str, database: str, api_key: str, http: httpx.Client, retry: RetryPolicy
    ) -> None:
        self._base = base_url.rstrip("/")
        self._database = database
        self._api_key = api_key
        self._http = http
        self._retry = retry

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        what = f"{model}.{method}"
        url = f"{self._base}/json/2/{model}/{method}"
        headers = {
            "Authorization": f"bearer {self._api_key}",
            "X-Odoo-Database": self._database,
            "Content-Type": "application/json",
        }
        body = json.dumps(kwargs)
        try:
            response = send_with_retry(
                self._http,
                lambda: self._http.build_request("POST", url, content=body, headers=headers),
                self._retry,
                idempotent=method not in NOT_IDEMPOTENT,
                should_retry=_retry_json2,
                label=f"odoo {what}",
            )
        except httpx.TransportError as exc:
            raise _unreachable(exc, what) from None
        if response.status_code == 200:
            return response.json()
        name, message = _json2_error(response)
        raise _status_error(response.status_code, what, name, _first_line(message))


def _json2_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("name") or ""), str(body.get("message") or "")


def _retry_json2(response: httpx.Response) -> bool:
    """A 500 naming an Odoo or Python exception is deterministic: don't retry it."""
    if response.status_code != 500:
        return True
    name, _ = _json2_error(response)
    return not name.startswith(("odoo.", "builtins."))


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
        self._base = base_url.rstrip("/")
        self._database = database
        self._login = login
        self._secret = secret
        self._http = http
        self._retry = retry
        self._uid: int | None = None

    @property
    def uid(self) -> int:
        """Authenticate once; Odoo throttles failed logins, so a refusal is never retried."""
        if self._uid is None:
            uid = self._rpc(
                "common", "authenticate", (self._database, self._login, self._secret, {}), True
            )
            if not uid:
                raise ErpAuthError(
                    f"Odoo refused the login '{self._login}' on database '{self._database}' "
                    "(wrong credentials, or logins throttled after 5 failures in 60 s)"
                )
            self._uid = int(uid)
        return self._uid

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        ids = kwargs.pop("ids", None)
        args: list[Any] = [ids] if ids is not None else []
        params = (self._database, self.uid, self._secret, model, method, args, kwargs)
        try:
            return self._rpc("object", "execute_kw", params, method not in NOT_IDEMPOTENT, model)
        except ErpAuthError:
            self._uid = None  # the session may have been revoked: authenticate next time
            raise

    def _rpc(
        self, service: str, method: str, params: tuple, idempotent: bool, model: str = ""
    ) -> Any:
        what = f"{model}.{params[4]}" if model else f"{service}.{method}"
        body = xmlrpc.client.dumps(params, method, allow_none=True)
        url = f"{self._base}/xmlrpc/2/{service}"
        try:
            response = send_with_retry(
                self._http,
                lambda: self._http.build_request(
                    "POST", url, content=body, headers={"Content-Type": "text/xml"}
                ),
                self._retry,
                idempotent=idempotent,
                label=f"odoo xmlrpc {what}",
            )
        except httpx.TransportError as exc:
            raise _unreachable(exc, what) from None
        if response.status_code != 200:
            raise _status_error(response.status_code, what)
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            raise _fault_error(fault, what) from None
        except (ExpatError, ValueError) as exc:
            raise ErpError(
                f"Odoo {what}: malformed XML-RPC response ({type(exc).__name__})"
            ) from None
        return result


def _fault_error(fault: xmlrpc.client.Fault, what: str) -> ErpError:
    """Faults 1 (server error), 2 (UserError/ValidationError/MissingError), 3 (AccessDenied),
    4 (AccessError); the string form of each is just the message."""
    message = str(fault.faultString)
    if fault.faultCode == 3:
        return ErpAuthError(f"Odoo denied access for {what}: {_first_line(message)}")
    if fault.faultCode == 4:
        return ErpAuthError(f"Odoo denied {what}: {_first_line(message)}")
    if fault.faultCode == 2:
        if any(marker in message for marker in MISSING_MARKERS):
            return ErpNotFound(f"Odoo {what}: {_first_line(message)}")
        return ErpConflict(f"Odoo refused {what}: {_first_line(message)}")
    if "doesn't exist" in message or "does not exist" in message:
        return ErpNotFound(f"Odoo {what}: {_last_line(message)}")
    return ErpError(f"Odoo {what} failed: {_last_line(message)}")
