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
    """An external system (`source`: "erp", "iot") cannot serve us: HTTP 503, retry later.

    The base of every source-wide failure, so each service treats them alike (serve the
    last snapshot flagged `stale`, keep a change pending, rebuild the adapter from a
    possibly rotated secret); the subclasses say what a person should do instead.
    """

    code = "source_unavailable"
    action = "retry_later"

    def __init__(self, source: str, detail: str = "", **details: object) -> None:
        super().__init__(
            self.describe(source, detail), source=source, action=self.action, **details
        )
        self.source = source
        self.detail = detail

    @staticmethod
    def describe(source: str, detail: str) -> str:
        if detail.startswith(f"{source} is unavailable"):
            return detail  # already described: never "erp is unavailable: erp is unavailable"
        return f"{source} is unavailable{': ' + detail if detail else ''}; retry later"


class CredentialsRefused(SourceUnavailable):
    """The system refused our credentials or lacks a right: an admin must reconnect."""

    code = "credentials_refused"
    http_status = 424
    action = "reconnect"

    @staticmethod
    def describe(source: str, detail: str) -> str:
        return f"reconnect {source}: credentials refused{': ' + detail if detail else ''}"


class ConfigurationMissing(SourceUnavailable):
    """A setting names something the system does not have; says which, and what was tried."""

    code = "configuration_missing"
    http_status = 424
    action = "configure"

    def __init__(self, source: str, detail: str = "", *, setting: str, tried: str) -> None:
        super().__init__(source, detail, setting=setting, tried=tried)
        self.setting = setting
        self.tried = tried

    @staticmethod
    def describe(source: str, detail: str) -> str:
        return f"{source} configuration missing{': ' + detail if detail else ''}"


class UpstreamRejected(SourceUnavailable):
    """The system rejected a request as malformed (a bug on one side): retrying will not
    help; report it with the text."""

    code = "upstream_rejected"
    http_status = 502
    action = "report"

    @staticmethod
    def describe(source: str, detail: str) -> str:
        return f"{source} rejected the request{': ' + detail if detail else ''}"


class RecordMissing(base.NotFound):
    """The external system no longer has the record we asked about."""

    code = "record_missing"


class UpstreamConflict(Conflict):
    """The external system refused the change by a business rule; `message` is its whole
    text (Odoo's duplicate-barcode error names every product holding the barcode)."""

    code = "erp_conflict"


def source_error(
    source: str, code: str | None, details: dict[str, str] | None = None
) -> SourceUnavailable:
    """The typed error a stored failure (`SnapshotMeta.record_error`) stands for."""
    details = details or {}
    detail = details.get("detail", "")
    if code == ConfigurationMissing.code:
        return ConfigurationMissing(
            source, detail, setting=details.get("setting", ""), tried=details.get("tried", "")
        )
    for cls in (CredentialsRefused, UpstreamRejected):
        if code == cls.code:
            return cls(source, detail)
    return SourceUnavailable(source, detail)
