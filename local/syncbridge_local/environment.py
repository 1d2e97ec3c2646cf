"""Per-invocation environment variables for handlers that share one process.

Lambda gives every function its own environment. Locally all functions run as threads of
one process, so `install()` swaps `os.environ` for a mapping that first looks at the
variables of the function the *current thread* is running (`function_env(...)`), then at
the real process environment. `os.environ[...]`, `os.getenv` and `os.environ.get` all see
the function's values; other threads are unaffected. Threads a handler starts itself see
only the process environment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

_lock = threading.Lock()


class _OverlayEnviron(os._Environ):  # type: ignore[name-defined]
    """`os.environ` with a thread-local layer on top (values are str; None means unset)."""

    def __init__(self, base: os._Environ) -> None:  # type: ignore[name-defined]
        super().__init__(
            base._data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue
        )
        self._local = threading.local()

    def _overlay(self) -> dict[str, str | None] | None:
        return getattr(self._local, "env", None)

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is None:
                raise KeyError(key)
            return value
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            overlay[key] = value
        else:
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            if overlay[key] is None:
                raise KeyError(key)
            overlay[key] = None
        else:
            super().__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay()
        if not overlay:
            yield from super().__iter__()
            return
        for key in super().__iter__():
            if key not in overlay:
                yield key
        for key, value in list(overlay.items()):
            if value is not None:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


def install() -> None:
    """Replace `os.environ` with the thread-aware mapping (idempotent)."""
    with _lock:
        if not isinstance(os.environ, _OverlayEnviron):
            os.environ = _OverlayEnviron(os.environ)  # noqa: B003 - same data, wrapped


@contextmanager
def function_env(variables: Mapping[str, str | None]) -> Iterator[None]:
    """Run the block with `variables` layered over the process environment in this thread."""
    install()
    environ: _OverlayEnviron = os.environ  # type: ignore[assignment]
    previous = environ._overlay()
    environ._local.env = {**(previous or {}), **variables}
    try:
        yield
    finally:
        environ._local.env = previous


@contextmanager
def process_env(variables: Mapping[str, str]) -> Iterator[None]:
    """Set real process variables for the block, restoring what was there before."""
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
