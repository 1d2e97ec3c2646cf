"""Load a function's handler from its `CodeUri` + `Handler` and invoke it like Lambda does.

Each function is imported once per runtime (a warm container) under a module name of its
own, with its environment variables in place during import and every invocation, and is
called with a Lambda-shaped context object.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from syncbridge_local.environment import function_env
from syncbridge_local.template import ACCOUNT_ID, REGION, TemplateError

log = logging.getLogger("syncbridge_local")


class FunctionLoadError(RuntimeError):
    """The handler module could not be imported (the error is kept as the cause)."""


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
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

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
        return max(0, int((self._deadline - time.monotonic()) * 1000))


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

    def lambda_environment(self) -> dict[str, str]:
        """The variables Lambda itself sets, plus the template's."""
        return {
            **self.environment,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "_HANDLER": self.handler,
        }


class FunctionHost:
    """A loaded function: `invoke(event)` runs its handler in its own environment."""

    def __init__(self, spec: FunctionSpec, module_prefix: str, on_invoke: Callable[[int], None]):
        self.spec = spec
        self._module_name = f"{module_prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', spec.logical_id)}"
        self._handler: Callable[[Any, Any], Any] | None = None
        self._load_error: BaseException | None = None
        self._lock = threading.Lock()
        self._invoke_lock = threading.Lock()
        self._on_invoke = on_invoke  # +1 / -1 for in-flight accounting

    @property
    def load_error(self) -> BaseException | None:
        return self._load_error

    def load(self) -> None:
        """Import the handler module (the Lambda init phase). Errors are kept, not raised."""
        with self._lock:
            if self._handler is not None or self._load_error is not None:
                return
            try:
                self._handler = self._import()
            except Exception as exc:  # kept and re-raised on every invocation
                self._load_error = exc

    def _import(self) -> Callable[[Any, Any], Any]:
        module_path, _, attr = self.spec.handler.rpartition(".")
        if not module_path:
            raise TemplateError(f"{self.spec.logical_id}: Handler must be module.function")
        file = self.spec.code_dir / (module_path.replace(".", "/") + ".py")
        if not file.is_file():
            raise FileNotFoundError(f"{self.spec.logical_id}: handler file {file} not found")
        spec = importlib.util.spec_from_file_location(self._module_name, file)
        assert spec and spec.loader
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[self._module_name] = module
        with function_env(self.spec.lambda_environment()):
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(self._module_name, None)
                raise
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise TemplateError(f"{self.spec.logical_id}: {file} has no callable {attr}")
        return handler

    def invoke(
        self, event: Any, request_id: str | None = None, also_hold: threading.Lock | None = None
    ) -> Any:
        """Call the handler with `event`; its exceptions propagate to the caller.

        One invocation at a time per function, as in one warm Lambda container: handler
        modules keep per-invocation state in globals (Powertools resolvers and batch
        processors do). `also_hold` is a second lock to hold, e.g. one shared by every
        HTTP function because Powertools keeps the current API event in a class attribute.
        """
        self.load()
        if self._load_error is not None:
            raise FunctionLoadError(
                f"{self.spec.logical_id} failed to import: {self._load_error!r}"
            ) from self._load_error
        assert self._handler is not None
        self._on_invoke(1)
        try:
            with _held(self._invoke_lock, self), _held(also_hold, self):
                context = LambdaContext(
                    function_name=self.spec.name,
                    memory_limit_in_mb=self.spec.memory_mb,
                    timeout_seconds=self.spec.timeout_seconds,
                )
                if request_id:
                    context.aws_request_id = request_id
                with function_env(self.spec.lambda_environment()):
                    return self._handler(event, context)
        finally:
            self._on_invoke(-1)


@contextmanager
def _held(lock: threading.Lock | None, host: FunctionHost) -> Iterator[None]:
    """Hold `lock` while the block runs; after the function's timeout, run anyway (a
    handler that calls back into its own function must not hang the runtime)."""
    if lock is None:
        yield
        return
    acquired = lock.acquire(timeout=host.spec.timeout_seconds + 5)
    if not acquired:
        log.warning("%s: still busy after its timeout; running concurrently", host.spec.logical_id)
    try:
        yield
    finally:
        if acquired:
            lock.release()
