"""One Odoo contract suite, four targets: the simulator and a real Odoo 19, each over
JSON-2 and XML-RPC.

The simulator targets always run. The real ones run when `ODOO_REAL_URL` and
`ODOO_REAL_API_KEY` are set (optional `ODOO_REAL_DB`, default `pestdemo`, and
`ODOO_REAL_LOGIN`, default `admin`), against a server seeded by
`../shared/tools/odoo-real/seed.py`; otherwise they are skipped with the reason. A case
that changes the real server's data puts it back (`restore`), so the suite can run again.

`make test-odoo-real` runs only the real targets; `make test` runs everything.
"""

from __future__ import annotations

import json
import os
import secrets
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from syncbridge.adapters.erp import ErpConfig, build_erp_adapter
from syncbridge.adapters.http import RetryPolicy
from syncbridge.adapters.odoo import OdooAdapter
from syncbridge.adapters.odoo.transport import POSITIONAL

REAL_URL = os.environ.get("ODOO_REAL_URL", "").rstrip("/")
REAL_KEY = os.environ.get("ODOO_REAL_API_KEY", "")
REAL_DB = os.environ.get("ODOO_REAL_DB", "pestdemo")
REAL_LOGIN = os.environ.get("ODOO_REAL_LOGIN", "admin")
NO_REAL = "set ODOO_REAL_URL and ODOO_REAL_API_KEY to run the contract against a real Odoo 19"

TARGETS = [
    pytest.param(("simulator", "json2"), id="simulator-json2"),
    pytest.param(("simulator", "xmlrpc"), id="simulator-xmlrpc"),
    pytest.param(("real", "json2"), id="real-json2", marks=pytest.mark.odoo_real),
    pytest.param(("real", "xmlrpc"), id="real-xmlrpc", marks=pytest.mark.odoo_real),
]


@dataclass
class Raw:
    """What the server answered to one raw call: a value, or the error as sent."""

    value: Any = None
    status: int = 200  # JSON-2 HTTP status (200 over XML-RPC, faults included)
    fault: int | None = None  # XML-RPC fault code
    name: str = ""  # JSON-2 error `name`
    message: str = ""  # JSON-2 error `message`, or the XML-RPC fault string
    arguments: list[Any] = field(default_factory=list)
    html: bool = False  # the body was an HTML page, not JSON

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.fault is None


@dataclass
class OdooTarget:
    """One server and one protocol: adapters for it, raw calls, and a way to undo."""

    kind: str  # simulator | real
    protocol: str  # json2 | xmlrpc
    url: str
    database: str
    login: str
    api_key: str
    sim: Any = None
    adapters: list[OdooAdapter] = field(default_factory=list)
    undo: list[Callable[[], None]] = field(default_factory=list)
    _uid: int | None = None

    def settings(self, **changes: Any) -> dict[str, Any]:
        return {"protocol": self.protocol, "database": self.database, "login": self.login,
                **changes}  # fmt: skip

    def adapter(self, *, api_key: str | None = None, **settings: Any) -> OdooAdapter:
        config = ErpConfig(
            kind="odoo",
            base_url=self.url,
            settings=self.settings(**settings),
            credentials={"api_key": api_key or self.api_key},
            timeout_seconds=30,
        )
        retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05)
        adapter = build_erp_adapter(config, http=httpx.Client(timeout=30), retry=retry)
        self.adapters.append(adapter)
        return adapter

    def restore(self, fn: Callable[[], None]) -> None:
        """Run `fn` after the case, passed or failed (newest first)."""
        self.undo.append(fn)

    # --- raw protocol calls -------------------------------------------------------------

    def call(self, model: str, method: str, **kwargs: Any) -> Raw:
        """`model.method` with named arguments, sent as this protocol sends them (over
        XML-RPC the leading ones positionally, as the adapter does)."""
        if self.protocol == "json2":
            return self.json2(model, method, kwargs)
        args = [kwargs.pop(name) for name in POSITIONAL.get(method, ()) if name in kwargs]
        return self.execute_kw(model, method, args, kwargs)

    def json2(
        self, model: str, method: str, body: dict, *, key: str | None = None,
        database: str | None = "", headers: dict | None = None,
    ) -> Raw:  # fmt: skip
        sent = {"Authorization": f"bearer {key or self.api_key}", **(headers or {})}
        if database is not None:
            sent["X-Odoo-Database"] = database or self.database
        reply = httpx.post(f"{self.url}/json/2/{model}/{method}", json=body, headers=sent,
                           timeout=30)  # fmt: skip
        try:
            data = reply.json()
        except ValueError:
            return Raw(status=reply.status_code, message=reply.text, html=True)
        if reply.status_code == 200:
            return Raw(value=data)
        return Raw(
            status=reply.status_code,
            name=data.get("name", ""),
            message=data.get("message", ""),
            arguments=data.get("arguments", []),
        )

    def xmlrpc(self, service: str) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/{service}", allow_none=True)

    @property
    def uid(self) -> int:
        if self._uid is None:
            self._uid = self.xmlrpc("common").authenticate(
                self.database, self.login, self.api_key, {}
            )
            assert self._uid, "the target refused its own API key"
        return self._uid

    def execute_kw(self, model: str, method: str, args: list, kwargs: dict, *extra: Any) -> Raw:
        try:
            value = self.xmlrpc("object").execute_kw(
                self.database, self.uid, self.api_key, model, method, args, kwargs, *extra
            )
        except xmlrpc.client.Fault as fault:
            return Raw(fault=fault.faultCode, message=str(fault.faultString))
        return Raw(value=value)

    def admin(self, model: str, method: str, args: list, **kwargs: Any) -> Any:
        """A setup or clean-up call over XML-RPC (whatever the target's protocol)."""
        result = self.execute_kw(model, method, args, kwargs)
        assert result.ok, f"{model}.{method}: {result.message}"
        return result.value

    def point_id(self, reference: str) -> int:
        ids = self.admin("product.product", "search", [[["default_code", "=", reference]]],
                         context={"active_test": False})  # fmt: skip
        assert ids, f"no point {reference}: seed the server first"
        return ids[0]


def _simulator_target(protocol: str) -> OdooTarget:
    from syncbridge_local.simulators import odoo as odoo_sim

    key = secrets.token_hex(20)
    sim = odoo_sim.start(database=REAL_DB, login=REAL_LOGIN, password="admin", api_key=key)
    return OdooTarget("simulator", protocol, sim.url, REAL_DB, REAL_LOGIN, key, sim=sim)


@pytest.fixture(params=TARGETS)
def odoo(request: pytest.FixtureRequest) -> Iterator[OdooTarget]:
    kind, protocol = request.param
    if kind == "real":
        if not (REAL_URL and REAL_KEY):
            pytest.skip(NO_REAL)
        target = OdooTarget("real", protocol, REAL_URL, REAL_DB, REAL_LOGIN, REAL_KEY)
    else:
        target = _simulator_target(protocol)
    try:
        yield target
    finally:
        errors = []
        for fn in reversed(target.undo):
            try:
                fn()
            except Exception as exc:  # keep undoing the rest, report at the end
                errors.append(exc)
        for adapter in target.adapters:
            adapter.close()
        if target.sim is not None:
            target.sim.stop()
        assert not errors, f"could not restore the server: {errors}"


def body_of(raw: Raw) -> str:
    return json.dumps({"status": raw.status, "fault": raw.fault, "name": raw.name,
                       "message": raw.message[-400:]})  # fmt: skip
