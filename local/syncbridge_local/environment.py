"""Process environment variables for a block of code, restored afterwards.

Handlers never run in the runtime's own process (each function has worker processes with
an environment of their own, see `syncbridge_local.sandbox`). These helpers are for the
code that does run here: the runtime itself (`process_env`), and tests, tools and the demo
calling the product's stores "as function X" (`function_env`, used by
`LocalRuntime.env_of`). One `function_env` block runs at a time per process: a second
thread entering one waits, so two blocks never mix their variables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

_function_lock = threading.RLock()


@contextmanager
def process_env(variables: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) process variables for the block, then restore them."""
    saved = {key: os.environ.get(key) for key in variables}
    for key, value in variables.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def function_env(variables: Mapping[str, str | None]) -> Iterator[None]:
    """Run the block with a function's variables in the process environment (one block at
    a time; nested blocks in the same thread layer as expected)."""
    with _function_lock, process_env(variables):
        yield
