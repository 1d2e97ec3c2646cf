"""Capture every log line a test module produces, and scan it for the secrets it used.

`LogScan` tees the service logger's stream (every function's structured logs in the local
runtime, at DEBUG) and adds a root handler at DEBUG for our code, the local runtime, httpx
and authlib. Raw transport traces stay at INFO (httpcore and urllib3 dump every header of
every request and response at DEBUG, botocore every AWS response; in this process that
includes the test client's own view of the tokens the server hands it, and production
never enables those traces). Tests `remember` each secret they create or receive
(client secrets, passwords, access/refresh tokens, codes, simulator credentials);
`leaks()` names each one found in the captured text.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from syncbridge.observability import logger as service_logger

VERBOSE = ("syncbridge", "syncbridge_local", "httpx", "authlib", "werkzeug")
TRACES = ("httpcore", "urllib3", "botocore", "boto3", "s3transfer")  # pinned to INFO


class _Tee(io.TextIOBase):
    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


class LogScan:
    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.secrets: set[str] = set()
        self._handler = logging.StreamHandler(self.buffer)
        self._handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self._levels: dict[str, int] = {}
        self._previous_stream: Any = None
        self._service_level: Any = None

    def start(self) -> LogScan:
        handler = service_logger.registered_handler
        original = handler.stream
        self._previous_stream = handler.setStream(_Tee(original, self.buffer))
        self._service_level = service_logger.log_level
        service_logger.setLevel("DEBUG")
        logging.getLogger().addHandler(self._handler)
        for names, level in ((VERBOSE, logging.DEBUG), (TRACES, logging.INFO)):
            for name in names:
                log = logging.getLogger(name)
                self._levels[name] = log.level
                log.setLevel(level)
        return self

    def stop(self) -> None:
        service_logger.registered_handler.setStream(self._previous_stream)
        service_logger.setLevel(self._service_level)
        logging.getLogger().removeHandler(self._handler)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def remember(self, *values: Any) -> None:
        """Secrets to look for (short or empty values would match by accident: skipped)."""
        for value in values:
            if isinstance(value, str) and len(value) >= 12:
                self.secrets.add(value)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def leaks(self) -> list[str]:
        text = self.text
        return sorted(secret[:6] + "..." for secret in self.secrets if secret in text)

    def figures(self) -> dict[str, int]:
        return {
            "log_lines": self.text.count("\n"),
            "secrets_checked": len(self.secrets),
            "secrets_found": len(self.leaks()),
        }
