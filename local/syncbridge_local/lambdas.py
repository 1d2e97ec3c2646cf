"""A function of the template as Lambda runs it: a pool of execution environments.

Each environment is a worker process of its own (`syncbridge_local.sandbox.Sandbox`) with
the function's environment variables, its code directory and layers on `sys.path`, and the
template's `Timeout` and `MemorySize` enforced. The first invocation of an environment pays
the cold start (the handler's import); later ones reuse it warm. Concurrent invocations get
environments of their own, up to the function's concurrency limit (its
`ReservedConcurrentExecutions`, else the runtime's `concurrency` option); beyond it an
invocation waits for a free environment (Lambda would throttle with 429
`TooManyRequestsException`; a local caller would rather wait), and raises
`FunctionThrottled` if none frees within the function's timeout.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncbridge_local.sandbox import FunctionError, InvokeReport, Sandbox, SandboxConfig
from syncbridge_local.template import ACCOUNT_ID, REGION

log = logging.getLogger("syncbridge_local")


class FunctionLoadError(RuntimeError):
    """The handler module could not be imported (the error is kept as the cause)."""


class FunctionThrottled(FunctionError):
    """Every environment of the function stayed busy (its concurrency limit was reached)."""


@dataclass
class LambdaContext:
    """The context object Lambda passes as the handler's second argument."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    deadline_epoch: float = 0.0  # time.time() at which the invocation times out

    def __post_init__(self) -> None:
        if not self.deadline_epoch:
            self.deadline_epoch = time.time() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline_epoch - time.time()) * 1000))


@dataclass
class FunctionSpec:
    """One `AWS::Serverless::Function` as the runtime needs it (intrinsics resolved)."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    memory_mb: int
    timeout_seconds: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    reserved_concurrency: int | None = None
    layer_dirs: list[Path] = field(default_factory=list)

    def lambda_environment(self) -> dict[str, str]:
        """The variables Lambda itself sets, plus the template's."""
        return {
            **self.environment,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "_HANDLER": self.handler,
        }


@dataclass
class EnvironmentStats:
    """How a function's environments were used (for tests, the demo and benchmarks)."""

    cold_starts: int = 0
    init_failures: int = 0
    timeouts: int = 0
    killed: int = 0  # over MemorySize, or crashed
    peak_concurrency: int = 0


class FunctionHost:
    """A function's pool of execution environments: `invoke(event)` runs its handler."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        base_env: dict[str, str] | None = None,
        sys_path: list[str] | None = None,
        concurrency: int = 10,
        on_invoke: Callable[[int], None] = lambda _delta: None,
        echo_logs: bool = True,
    ) -> None:
        self.spec = spec
        self.logs: deque[str] = deque(maxlen=5000)  # the newest log lines of every environment
        self.echo_logs = echo_logs
        self.concurrency = max(1, min(concurrency, spec.reserved_concurrency or concurrency))
        self.stats = EnvironmentStats()
        self._base_env = dict(base_env or {})
        self._sys_path = list(sys_path or [])
        self._on_invoke = on_invoke  # +1 / -1 for in-flight accounting
        self._idle: list[Sandbox] = []
        self._live: weakref.WeakSet[Sandbox] = weakref.WeakSet()
        self._count = 0  # environments alive or starting
        self._busy = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._load_error: BaseException | None = None

    @property
    def load_error(self) -> BaseException | None:
        """The error of the last failed init phase (None once an init succeeded)."""
        return self._load_error

    @property
    def environments(self) -> int:
        return self._count

    def pids(self) -> list[int]:
        """The process ids of the live environments (for measurements)."""
        return [s.pid for s in list(self._live) if s.alive and s.pid is not None]

    def config(self) -> SandboxConfig:
        return SandboxConfig(
            logical_id=self.spec.logical_id,
            function_name=self.spec.name,
            code_dir=str(self.spec.code_dir),
            handler=self.spec.handler,
            environment={**self._base_env, **self.spec.lambda_environment()},
            sys_path=[
                str(self.spec.code_dir),
                *(str(p) for p in self.spec.layer_dirs),
                *self._sys_path,
            ],
            memory_mb=self.spec.memory_mb,
            timeout_seconds=self.spec.timeout_seconds,
        )

    def load(self) -> None:
        """Make sure one environment is initialised (a cold start now rather than later).

        Errors are kept in `load_error`, not raised."""
        try:
            sandbox = self._acquire()
        except FunctionLoadError:
            return
        self._release(sandbox)

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """Call the handler with `event`; its exceptions propagate to the caller."""
        result, _ = self.invoke_with_report(event, request_id)
        return result

    def invoke_with_report(
        self, event: Any, request_id: str | None = None
    ) -> tuple[Any, InvokeReport | None]:
        request_id = request_id or str(uuid.uuid4())
        self._on_invoke(1)
        try:
            sandbox = self._acquire()
            if sandbox.invocations == 0:
                self._keep_logs(sandbox.init_logs)
            try:
                result, report = sandbox.invoke(event, request_id)
            except FunctionError as exc:
                if exc.error_type == "Sandbox.Timedout":
                    self.stats.timeouts += 1
                elif exc.error_type == "Runtime.ExitError":
                    self.stats.killed += 1
                raise
            finally:
                self._keep_logs(sandbox.take_logs())
                self._release(sandbox)
            if report.init_ms is not None or log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "REPORT %s RequestId: %s Duration: %.2f ms Memory Size: %d MB "
                    "Max Memory Used: %d MB%s",
                    self.spec.logical_id,
                    request_id,
                    report.duration_ms,
                    self.spec.memory_mb,
                    report.max_memory_mb,
                    f" Init Duration: {report.init_ms:.2f} ms" if report.init_ms else "",
                )
            return result, report
        finally:
            self._on_invoke(-1)

    def _keep_logs(self, text: str) -> None:
        if not text:
            return
        self.logs.extend(text.splitlines())
        if self.echo_logs:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def _acquire(self) -> Sandbox:
        deadline = time.monotonic() + self.spec.timeout_seconds
        with self._cond:
            while True:
                if self._stopped:
                    raise FunctionError("Runtime.Stopped", f"{self.spec.logical_id} is stopped")
                if self._idle:
                    sandbox = self._idle.pop()  # the most recently used: the warmest
                    self._mark_busy()
                    return sandbox
                if self._count < self.concurrency:
                    self._count += 1
                    self._mark_busy()
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    if self._idle or self._count < self.concurrency:
                        continue
                    raise FunctionThrottled(
                        "TooManyRequestsException",
                        f"Rate Exceeded: {self.spec.logical_id} kept its {self.concurrency} "
                        f"environments busy for {self.spec.timeout_seconds}s",
                    )
        return self._cold_start()

    def _mark_busy(self) -> None:
        self._busy += 1
        self.stats.peak_concurrency = max(self.stats.peak_concurrency, self._busy)

    def _cold_start(self) -> Sandbox:
        """A new environment (called with a slot reserved in `_count`)."""
        try:
            sandbox = Sandbox(self.config())
            self._live.add(sandbox)
            sandbox.initialise(self.spec.timeout_seconds)
        except BaseException:
            self._forget()
            raise
        self.stats.cold_starts += 1
        if sandbox.init_error is not None:
            self._keep_logs(sandbox.init_logs)
            self.stats.init_failures += 1
            self._load_error = sandbox.init_error
            self._forget()
            raise FunctionLoadError(
                f"{self.spec.logical_id} failed to import: {sandbox.init_error!r}"
            ) from sandbox.init_error
        self._load_error = None
        return sandbox

    def _forget(self) -> None:
        with self._cond:
            self._count -= 1
            self._busy -= 1
            self._cond.notify()

    def _release(self, sandbox: Sandbox) -> None:
        with self._cond:
            self._busy -= 1
            if sandbox.alive and not self._stopped:
                self._idle.append(sandbox)
            else:
                self._count -= 1
                if self._stopped:
                    sandbox.stop()
            self._cond.notify()

    def stop(self) -> None:
        """Shut every idle environment down; busy ones stop when their invocation ends."""
        with self._cond:
            self._stopped = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for sandbox in idle:
            sandbox.stop()
