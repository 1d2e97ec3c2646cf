"""What every simulator of ours shares: fault injection and a server that can go down.

`Faults` is the `.faults` controller tests use: queue HTTP errors (429 with Retry-After,
5xx), slow responses, and count calls. `SimulatedServer` serves a WSGI app on loopback and
can `go_down()` (connection refused: the port is really closed) and `come_up()` again on
the same port. The Microshare simulator reuses both.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from syncbridge_local.http import RunningServer


@dataclass
class InjectedFault:
    status: int
    retry_after: str | None
    path_contains: str | None
    remaining: int
    method: str | None = None


class Faults:
    """Thread-safe fault queue consulted before every request reaches the simulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[InjectedFault] = []
        self.delay_seconds = 0.0
        self.calls: list[str] = []

    def fail_next(
        self,
        status: int = 503,
        times: int = 1,
        *,
        retry_after: str | int | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next `times` requests (with `method`, whose path contains `path_contains`)
        get `status`."""
        with self._lock:
            self._queue.append(
                InjectedFault(
                    status,
                    None if retry_after is None else str(retry_after),
                    path_contains,
                    times,
                    method.upper() if method else None,
                )
            )

    def rate_limit(self, times: int = 1, retry_after: str | int = 1, **kw: Any) -> None:
        self.fail_next(429, times, retry_after=retry_after, **kw)

    def slow(self, seconds: float) -> None:
        """Delay every response by `seconds` (0 to stop)."""
        self.delay_seconds = seconds

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.delay_seconds = 0.0

    def calls_to(self, fragment: str) -> int:
        with self._lock:
            return sum(1 for path in self.calls if fragment in path)

    def _take(self, path: str, method: str = "GET") -> InjectedFault | None:
        with self._lock:
            self.calls.append(path)
            for fault in self._queue:
                if fault.method is not None and fault.method != method:
                    continue
                if fault.path_contains is None or fault.path_contains in path:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._queue.remove(fault)
                    return fault
        return None

    def wrap(self, app: Callable) -> Callable:
        """WSGI middleware applying the queued faults and delay."""

        def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
            request = Request(environ)
            path = request.full_path
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            fault = self._take(path, request.method)
            if fault is None:
                return app(environ, start_response)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            body = json.dumps({"error": "injected fault", "status": fault.status})
            response = Response(
                body, status=fault.status, headers=headers, content_type="application/json"
            )
            return response(environ, start_response)

        return middleware


class SimulatedServer:
    """A simulator on a loopback port that tests can take down and bring back."""

    #: The template's secret that must hold what this simulator accepts (None: no secret).
    secret_logical_id: str | None = None

    def secret_value(self) -> dict[str, str]:
        """What the local secret should hold for adapters to sign in to this simulator."""
        return {}

    def on_stack_ready(self, runtime: Any) -> None:
        """Local-runtime hook after provisioning: the template generated a random secret;
        locally it must hold this simulator's credentials. Safe to call again."""
        template = getattr(runtime, "template", None)
        if self.secret_logical_id is None or (
            template is not None and self.secret_logical_id not in template.resources
        ):
            return
        runtime.client("secretsmanager").put_secret_value(
            SecretId=runtime.ref(self.secret_logical_id),
            SecretString=json.dumps(self.secret_value()),
        )

    def __init__(self, app: Callable, port: int, name: str, faults: Faults, state: Any) -> None:
        self.faults = faults
        self.state = state
        self._app = faults.wrap(app)
        self._name = name
        self._server: RunningServer | None = _serve(self._app, port, name)
        self.port = self._server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def go_down(self) -> None:
        """Close the listening socket: clients get connection refused."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def come_up(self) -> None:
        if self._server is None:
            self._server = _serve(self._app, self.port, self._name)

    def stop(self) -> None:
        self.go_down()

    def __enter__(self) -> SimulatedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SECRET_PARAM = re.compile(r"(password|api_key|access_token)=[^&\s\"']*", re.IGNORECASE)


class _RedactingHandler(WSGIRequestHandler):
    """Access log without secrets (Microshare's token request carries the password)."""

    def log(self, type: str, message: str, *args: Any) -> None:
        super().log(type, "%s", _SECRET_PARAM.sub(r"\1=***", message % args if args else message))


def _serve(app: Callable, port: int, name: str) -> RunningServer:
    """Like `serve_wsgi`, but polling for shutdown every 50 ms so tests stop servers fast,
    and with an access log that masks secrets in query strings."""
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_RedactingHandler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"{name}-server",
        daemon=True,
    )
    thread.start()
    return RunningServer(server=server, thread=thread)
