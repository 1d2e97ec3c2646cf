"""The demo scenario: steps registered by each capability, run in order against the runtime.

A team adds its walk-through by dropping a module into this package:

    from syncbridge_local.demo import DemoContext, demo_step

    @demo_step(order=200, name="guided setup with Ekos")
    def guided_setup(ctx: DemoContext) -> None:
        response = ctx.http.get("/setup")
        ctx.check(response.status_code == 200, f"setup page answered {response.status_code}")
        ctx.say("setup page is up")

A step fails by raising (`ctx.check` raises `DemoFailure`); the demo stops at the first
failure and exits non-zero. Order: foundation < 100, guided setup 100-199, pest control
200-299, matching 300-399.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import httpx

IDLE_TIMEOUT_S = 300.0
"""How long a step waits for the runtime's queued work to finish: a safety net for a loaded
machine (a shared 2-core box took over 30 s to drain the pest step's work), not a target."""

if TYPE_CHECKING:
    from syncbridge_local.runtime import LocalRuntime


class DemoFailure(AssertionError):
    """A demo step found the product not doing what it should."""


@dataclass
class DemoContext:
    """What a step gets: the runtime, an HTTP client on its API, and a printer."""

    runtime: LocalRuntime
    http: httpx.Client
    out: TextIO = field(default_factory=lambda: sys.stdout)
    state: dict[str, Any] = field(default_factory=dict)  # steps may pass things on

    @property
    def base_url(self) -> str:
        return self.runtime.base_url

    def say(self, message: str) -> None:
        print(f"    {message}", file=self.out, flush=True)

    def check(self, condition: object, message: str) -> None:
        if not condition:
            raise DemoFailure(message)


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    run: Callable[[DemoContext], None]


_STEPS: dict[str, DemoStep] = {}


def demo_step(
    *, order: int, name: str
) -> Callable[[Callable[[DemoContext], None]], Callable[[DemoContext], None]]:
    """Register a demo step (the name must be unique)."""

    def register(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        if name in _STEPS and _STEPS[name].run is not func:
            existing = _STEPS[name].run
            if (existing.__module__, existing.__qualname__) != (func.__module__, func.__qualname__):
                raise ValueError(f"demo step {name!r} registered twice")
        _STEPS[name] = DemoStep(order=order, name=name, run=func)
        return func

    return register


def discover() -> list[DemoStep]:
    """Import every module of this package (each registers its steps); steps in order."""
    for module in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        importlib.import_module(module.name)
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


def run_demo(
    runtime: LocalRuntime, out: TextIO | None = None, steps: list[DemoStep] | None = None
) -> bool:
    """Run the steps against `runtime`, printing what happens; True if every step passed."""
    out = out or sys.stdout
    steps = discover() if steps is None else steps
    print(f"Sync Bridge demo: {len(steps)} steps against {runtime.base_url}", file=out, flush=True)
    with httpx.Client(base_url=runtime.base_url, timeout=30.0) as http:
        ctx = DemoContext(runtime=runtime, http=http, out=out)
        for number, step in enumerate(steps, start=1):
            print(f"[{number}/{len(steps)}] {step.name}", file=out, flush=True)
            started = time.monotonic()
            try:
                step.run(ctx)
            except Exception as exc:
                print(f"    FAILED: {exc}", file=out, flush=True)
                if not isinstance(exc, DemoFailure):
                    traceback.print_exc(file=sys.stderr)
                for skipped in steps[number:]:
                    print(f"    skipped: {skipped.name}", file=out, flush=True)
                return False
            print(f"    ok ({time.monotonic() - started:.1f}s)", file=out, flush=True)
    print("demo complete: every step succeeded", file=out, flush=True)
    return True
