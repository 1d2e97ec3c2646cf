"""Pest-control domain errors; the shared resolver maps each to its HTTP status and code."""

from __future__ import annotations

from syncbridge.domain import errors as base

PestError = base.DomainError


class DeviceNotFound(base.NotFound):
    code = "device_not_found"


class PointNotFound(base.NotFound):
    code = "point_not_found"


class Conflict(base.Conflict):
    """The request is valid but the current state forbids it (HTTP 409)."""

    code = "conflict"


class ConcurrentUpdate(Conflict):
    """Someone else (often the scheduled sync) saved the record between our read and write."""

    code = "concurrent_update"


class DuplicateDevEui(Conflict):
    code = "duplicate_deveui"


class InvalidInput(base.InvalidInput):
    code = "invalid_input"


class SourceUnavailable(base.UpstreamUnavailable):
    """An external system is down and nothing is known to serve instead (HTTP 503)."""

    code = "source_unavailable"

    def __init__(self, source: str, detail: str = "") -> None:
        super().__init__(f"{source} is unavailable{': ' + detail if detail else ''}", source=source)
        self.source = source
