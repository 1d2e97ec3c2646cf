"""One in-process moto server per Python process, shared by every local runtime.

Kept for the life of the process so its endpoint never changes: boto3 clients cached by
`syncbridge.aws` (and by libraries) keep working across runtimes started one after
another in a test session. Runtimes keep apart by prefixing their resource names.
"""

from __future__ import annotations

import atexit
import logging
import threading

_lock = threading.Lock()
_server = None
_url: str | None = None


def endpoint_url() -> str:
    """The moto server's base URL, starting it on a free loopback port on first use."""
    global _server, _url
    with _lock:
        if _url is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _server, _url = server, f"http://{host}:{port}"
            atexit.register(_stop)
        return _url


def _stop() -> None:
    global _server, _url
    if _server is not None:
        try:
            _server.stop()
        finally:
            _server, _url = None, None
