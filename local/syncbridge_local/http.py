"""Serve a WSGI application on a loopback port in a background thread.

Used for the external-system simulators and the local API gateway: each gets a real
HTTP server on 127.0.0.1, so the code that talks to them is the code that talks to the
real systems.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class RunningServer:
    """A started server: its base URL and a way to stop it."""

    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_wsgi(app, host: str = "127.0.0.1", port: int = 0, name: str = "wsgi") -> RunningServer:
    """Start `app` on `host:port` (0 picks a free port) and return once it accepts requests."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True)
    thread.start()
    return RunningServer(server=server, thread=thread)
