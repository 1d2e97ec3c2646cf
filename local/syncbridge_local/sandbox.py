"""One Lambda execution environment: a worker process with its own environment variables
that imports a handler once (the cold start) and then serves one invocation at a time.

Parent side, `Sandbox`: starts the process, sends each event over a pipe as JSON (as Lambda
does; a result that is not JSON is a `Runtime.MarshalError`) and enforces the function's
limits the way Lambda reports them:
- `Timeout`: the process is killed and the caller gets `Sandbox.Timedout`, "Task timed out
  after 3.00 seconds"; the next invocation starts a new environment (a cold start);
- `MemorySize`: `MemoryWatch` samples the resident memory of every busy process every
  `MEMORY_SAMPLE_SECONDS` and kills one that exceeds it: `Runtime.ExitError`, "Runtime
  exited with error: signal: killed" (an allocation that comes and goes between two samples
  can escape: this is a sampling watch, not a cgroup);
- a process that dies on its own: `Runtime.ExitError` with its exit status or signal.

Child side, `_serve`: replaces `os.environ` with the function's variables, puts the code
directory and layers first on `sys.path` (the local runtime's own package is removed, as it
is not deployed), imports the handler, then answers events until the pipe closes.

Processes are forked from a fork server that has already imported the heavy third-party
libraries (`PRELOAD`: boto3, pydantic, Powertools...), the counterpart of what Lambda's
runtime image provides; a cold start pays for the handler's own init only.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger("syncbridge_local")

MEMORY_SAMPLE_SECONDS = 0.05
PRELOAD = [
    "boto3",
    "botocore.session",
    "pydantic",
    "httpx",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.typing",
]
_LOCAL_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_SIGNAL_WORDS = {  # how Lambda (a Go runtime API) words the signal that ended a process
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
}


class FunctionError(Exception):
    """A failed invocation as Lambda reports it: `errorType`, `errorMessage`, `stackTrace`.

    Raised when the handler's own exception cannot be rebuilt in this process, and for the
    runtime's errors (`Sandbox.Timedout`, `Runtime.ExitError`, `Runtime.MarshalError`...).
    """

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.error_message = message
        self.stack_trace = stack_trace or []

    def payload(self) -> dict[str, Any]:
        return {
            "errorType": self.error_type,
            "errorMessage": self.error_message,
            "stackTrace": self.stack_trace,
        }


class FunctionTimeout(FunctionError):
    """The invocation ran past the function's `Timeout`; its environment was destroyed."""


class RuntimeExit(FunctionError):
    """The environment's process died (killed over `MemorySize`, or crashed)."""


class RemoteTraceback(Exception):
    """The handler's traceback in the worker, chained as the `__cause__` of its exception."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


@dataclass(frozen=True)
class SandboxConfig:
    """What a worker process needs to become one function's execution environment."""

    logical_id: str
    function_name: str
    code_dir: str
    handler: str
    environment: dict[str, str]
    sys_path: list[str]
    memory_mb: int
    timeout_seconds: int


# ------------------------------------------------------------------ parent side
def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([*PRELOAD, __name__])
        return ctx
    return multiprocessing.get_context("spawn")


_CTX = _context()
_forkserver_lock = threading.Lock()
_forkserver_ready = False


def _ensure_forkserver() -> None:
    """Start the fork server with this process's `sys.path` (it does not inherit it: the
    interpreter it starts reads `PYTHONPATH`), so it preloads and unpickles our modules."""
    global _forkserver_ready
    if _forkserver_ready or _CTX.get_start_method() != "forkserver":
        return
    with _forkserver_lock:
        if _forkserver_ready:
            return
        from multiprocessing import forkserver

        saved = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            forkserver.ensure_running()
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved
        _forkserver_ready = True


def _exit_description(exitcode: int | None) -> str:
    if exitcode is None:
        return "exit status unknown"
    if exitcode < 0:
        number = -exitcode
        try:
            return "signal: " + _SIGNAL_WORDS.get(
                signal.Signals(number), signal.Signals(number).name
            )
        except ValueError:
            return f"signal: {number}"
    return f"exit status {exitcode}"


def _rebuild_error(payload: dict[str, Any]) -> BaseException:
    """The handler's exception when its class can be rebuilt here, else a `FunctionError`."""
    trace = "".join(payload.get("stackTrace") or [])
    pickled = payload.get("pickled")
    if pickled is not None:
        try:
            exc = pickle.loads(pickled)
        except Exception:  # e.g. a class defined in the handler module itself
            exc = None
        if isinstance(exc, BaseException):
            exc.__cause__ = RemoteTraceback(trace)
            return exc
    error = FunctionError(payload["errorType"], payload["errorMessage"], payload.get("stackTrace"))
    if trace:
        error.__cause__ = RemoteTraceback(trace)
    return error


@dataclass
class InvokeReport:
    """What Lambda's REPORT line says about one invocation."""

    duration_ms: float
    max_memory_mb: int
    init_ms: float | None  # set on the invocation that paid the cold start


class Sandbox:
    """One worker process running one function (an execution environment)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.init_ms: float | None = None
        self.init_error: BaseException | None = None
        self.init_logs = ""
        self._logs = ""  # of the last invocation, until taken
        self.invocations = 0
        self.killed_for_memory = False
        self.busy = False
        _ensure_forkserver()
        self._conn, child = _CTX.Pipe()
        self._process = _CTX.Process(
            target=_serve,
            args=(config, child),
            name=f"lambda-{config.logical_id}",
            daemon=True,
        )
        self._process.start()
        child.close()
        MEMORY_WATCH.add(self)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive() and not self._conn.closed

    def initialise(self, limit_seconds: float) -> None:
        """Wait for the handler's import (the init phase); `init_error` when it failed."""
        started = time.monotonic()
        self.busy = True
        try:
            reply = self._receive(limit_seconds, request_id="init")
        except FunctionError as exc:
            self.init_error = exc
            return
        finally:
            self.busy = False
        self.init_logs = reply[3] if len(reply) > 3 else ""
        if reply[0] == "ready":
            self.init_ms = reply[1]
        else:
            self.init_error = _rebuild_error(reply[1])
            self.kill()
        log.debug(
            "%s: new environment pid %s, init %.0f ms",
            self.config.logical_id,
            self.pid,
            (time.monotonic() - started) * 1000,
        )

    def invoke(self, event: Any, request_id: str) -> tuple[Any, InvokeReport]:
        """Run one event; the result, or the handler's / the runtime's error raised."""
        try:
            message = json.dumps(event)
        except (TypeError, ValueError) as exc:
            raise FunctionError("Runtime.MarshalError", f"event is not JSON: {exc}") from None
        deadline = time.time() + self.config.timeout_seconds
        started = time.monotonic()
        self.busy = True
        self.invocations += 1
        try:
            self._conn.send(("invoke", request_id, message, deadline))
            reply = self._receive(self.config.timeout_seconds, request_id)
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            reply = self._died(request_id)
        finally:
            self.busy = False
        report = InvokeReport(
            duration_ms=(time.monotonic() - started) * 1000,
            max_memory_mb=int(reply[2]) if len(reply) > 2 else 0,
            init_ms=self.init_ms if self.invocations == 1 else None,
        )
        self._logs = reply[3] if len(reply) > 3 else ""
        if reply[0] == "ok":
            return json.loads(reply[1]), report
        raise _rebuild_error(reply[1])

    def take_logs(self) -> str:
        """What the last invocation wrote (once)."""
        logs, self._logs = self._logs, ""
        return logs

    def _receive(self, limit_seconds: float, request_id: str) -> tuple[Any, ...]:
        try:
            ready = self._conn.poll(limit_seconds)
        except (EOFError, OSError):
            ready = True
        if not ready:
            self.kill()
            raise FunctionTimeout(
                "Sandbox.Timedout",
                f"RequestId: {request_id} Error: Task timed out after "
                f"{self.config.timeout_seconds:.2f} seconds",
            )
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            return self._died(request_id)

    def _died(self, request_id: str) -> tuple[Any, ...]:
        self._process.join(timeout=5)
        self._conn.close()
        MEMORY_WATCH.discard(self)
        raise RuntimeExit(
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited with error: "
            f"{_exit_description(self._process.exitcode)}",
        )

    def kill(self) -> None:
        """Destroy the environment at once (timeouts, memory, shutdown)."""
        MEMORY_WATCH.discard(self)
        if self._process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        self._process.join(timeout=5)
        self._conn.close()

    def stop(self) -> None:
        """Shut down an idle environment (closing the pipe ends its loop)."""
        MEMORY_WATCH.discard(self)
        self._conn.close()
        self._process.join(timeout=2)
        if self._process.is_alive():
            self.kill()

    def resident_mb(self) -> float:
        try:
            with open(f"/proc/{self.pid}/statm") as statm:
                return int(statm.read().split()[1]) * _PAGE_SIZE / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0


class MemoryWatch:
    """Samples busy environments' resident memory; kills one over its `MemorySize`."""

    def __init__(self, interval: float = MEMORY_SAMPLE_SECONDS) -> None:
        self.interval = interval
        self._sandboxes: weakref.WeakSet[Sandbox] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, sandbox: Sandbox) -> None:
        with self._lock:
            self._sandboxes.add(sandbox)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="lambda-memory-watch", daemon=True
                )
                self._thread.start()

    def discard(self, sandbox: Sandbox) -> None:
        with self._lock:
            self._sandboxes.discard(sandbox)

    def check(self) -> None:
        with self._lock:
            busy = [s for s in self._sandboxes if s.busy]
        for sandbox in busy:
            used = sandbox.resident_mb()
            if used > sandbox.config.memory_mb:
                log.warning(
                    "%s: %.0f MB resident over its MemorySize %d MB; killed",
                    sandbox.config.logical_id,
                    used,
                    sandbox.config.memory_mb,
                )
                sandbox.killed_for_memory = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(sandbox.pid, signal.SIGKILL)  # type: ignore[arg-type]
                self.discard(sandbox)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.check()
            except Exception:  # never let the watch die
                log.exception("memory watch failed")


MEMORY_WATCH = MemoryWatch()


# ------------------------------------------------------------------ child side
def _error_payload(exc: BaseException) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
        "pickled": None,
    }
    for candidate in (exc, _plain_copy(exc)):
        if candidate is None:
            continue
        try:
            data = pickle.dumps(candidate)
            pickle.loads(data)
        except Exception:
            continue
        payload["pickled"] = data
        break
    return payload


def _plain_copy(exc: BaseException) -> BaseException | None:
    """The same exception class carrying only its message (when its args do not pickle)."""
    try:
        copy = type(exc).__new__(type(exc))
        copy.args = (str(exc),)
        return copy
    except Exception:
        return None


class _LogCapture(io.TextIOBase):
    """The worker's stdout and stderr: kept and sent with each reply (Lambda ships what a
    handler prints to CloudWatch; the runtime keeps it per function and echoes it)."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def take(self) -> str:
        text, self._parts = "".join(self._parts), []
        return text


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve(config: SandboxConfig, conn: Connection) -> None:
    """The worker's main loop (runs in the child process)."""
    from syncbridge_local.lambdas import LambdaContext

    os.environ.clear()
    os.environ.update(config.environment)
    capture = _LogCapture()
    sys.stdout = sys.stderr = capture  # type: ignore[assignment]
    sys.path[:] = [  # not the local runtime: it is not deployed
        p
        for p in dict.fromkeys(config.sys_path)
        if p != _LOCAL_PACKAGE_ROOT and not os.path.isdir(os.path.join(p, "syncbridge_local"))
    ]
    for name in [m for m in sys.modules if m.split(".")[0] == "syncbridge_local"]:
        if name != __name__:
            del sys.modules[name]
    started = time.monotonic()
    module_name, _, attr = config.handler.rpartition(".")
    try:
        import importlib

        if not module_name:
            raise ValueError(f"Handler {config.handler!r} must be module.function")
        module = importlib.import_module(module_name)
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise AttributeError(
                f"Handler '{attr}' missing on module '{module_name}' in {config.code_dir}"
            )
    except BaseException as exc:
        conn.send(("init_error", _error_payload(exc), _max_rss_mb(), capture.take()))
        conn.close()
        return
    conn.send(("ready", (time.monotonic() - started) * 1000, _max_rss_mb(), capture.take()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        _, request_id, event_json, deadline = message
        context = LambdaContext(
            function_name=config.function_name,
            memory_limit_in_mb=config.memory_mb,
            timeout_seconds=config.timeout_seconds,
            aws_request_id=request_id,
            deadline_epoch=deadline,
        )
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{request_id[:24]}"
        try:
            result = handler(json.loads(event_json), context)
        except BaseException as exc:
            reply: tuple[Any, ...] = ("error", _error_payload(exc), _max_rss_mb())
        else:
            try:
                reply = ("ok", json.dumps(result), _max_rss_mb())
            except (TypeError, ValueError) as exc:
                reply = (
                    "error",
                    {
                        "errorType": "Runtime.MarshalError",
                        "errorMessage": f"Unable to marshal response: {exc}",
                        "stackTrace": [],
                        "pickled": None,
                    },
                    _max_rss_mb(),
                )
        try:
            conn.send((*reply, capture.take()))
        except (BrokenPipeError, OSError):
            return
