"""Where each of a tenant's connections stands: the sync status page and its API.

Per connection: its state, schedules (next runs), the cursor and mapped count per type,
the review items waiting for a person, refused scans, recent errors (audit entries, each
with its `audit_id` to open the entry) and the run history. Everything is read per call
from the stores; nothing here writes.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

from syncbridge.domain.sync.audit import AuditQuery, AuditReader
from syncbridge.domain.sync.models import RESOURCE_TYPES
from syncbridge.domain.sync.schedules import ConnectionSchedules

ERROR_ACTIONS = ("dead_lettered", "scan_rejected", "conflict")


class ConnectionLister(Protocol):
    def list(self, tenant_id: str) -> list[Any]:
        """The tenant's connections (`domain.connections.models.Connection`)."""
        ...


class StatusReads(Protocol):
    """The counts and histories the status page shows (one store call each)."""

    def cursor(self, tenant_id: str, connection_id: str, resource_type: str) -> str | None: ...

    def mapped_count(self, tenant_id: str, erp: str, resource_type: str) -> int: ...

    def review_count(self, tenant_id: str, erp: str, resource_type: str) -> int: ...

    def runs(self, tenant_id: str, connection_id: str, limit: int) -> list[dict[str, Any]]: ...

    def failed_scans(self, tenant_id: str) -> list[dict[str, Any]]: ...


def connection_status(
    tenant_id: str,
    connection: Any,
    schedules: ConnectionSchedules,
    reads: StatusReads,
    audit: AuditReader,
    run_limit: int = 20,
) -> dict[str, Any]:
    cid, erp = connection.connection_id, connection.erp
    runs = reads.runs(tenant_id, cid, run_limit)
    planned = [s.model_dump() for s in schedules.describe(tenant_id, cid)]
    upcoming = sorted(s["next_run"] for s in planned if s.get("next_run"))
    types = []
    for rtype in RESOURCE_TYPES:
        last = next((r for r in runs if r["resource_type"] == rtype), None)
        types.append(
            {
                "resource_type": rtype,
                "cursor": reads.cursor(tenant_id, cid, rtype),
                "mapped": reads.mapped_count(tenant_id, erp, rtype),
                "awaiting_review": reads.review_count(tenant_id, erp, rtype),
                "last_run": last,
            }
        )
    errors = []
    for action in ERROR_ACTIONS:
        errors += audit.query(tenant_id, AuditQuery(action=action), limit=10).items
    errors.sort(key=lambda e: e["audit_id"], reverse=True)
    failed_scans = [
        {k: v for k, v in f.items() if k != "message"} for f in reads.failed_scans(tenant_id)
    ]
    finished = [r for r in runs if r.get("finished_at")]
    return {
        "connection_id": cid,
        "erp": erp,
        "state": connection.status,
        "connected_at": getattr(connection, "connected_at", None),
        "schedules": planned,
        "next_run": upcoming[0] if upcoming else None,
        "last_run": finished[0] if finished else (runs[0] if runs else None),
        "types": types,
        "counts": {
            "mapped": sum(t["mapped"] for t in types),
            "awaiting_review": sum(t["awaiting_review"] for t in types),
            "failed_scans": len(failed_scans),
            "recent_errors": len(errors),
        },
        "recent_errors": [
            {
                "audit_id": e["audit_id"],
                "at": e.get("at"),
                "action": e.get("action"),
                "reason": e.get("reason") or e.get("status"),
                "detail": e.get("detail") or e.get("errors"),
                "resource_type": e.get("resource_type"),
                "external_id": e.get("external_id"),
                "link": _audit_link(e),
            }
            for e in errors[:20]
        ],
        "failed_scans": failed_scans,
        "runs": runs,
    }


def sync_status(
    tenant_id: str,
    connections: ConnectionLister,
    schedules: ConnectionSchedules,
    reads: StatusReads,
    audit: AuditReader,
) -> dict[str, Any]:
    return {
        "connections": [
            connection_status(tenant_id, c, schedules, reads, audit)
            for c in connections.list(tenant_id)
        ]
    }


def _audit_link(entry: dict[str, Any]) -> str:
    """The audit API query showing this entry's record (the entry's id as the anchor)."""
    if entry.get("resource_type") and entry.get("external_id"):
        query = {"resource_type": entry["resource_type"], "external_id": entry["external_id"]}
    else:
        query = {"action": entry.get("action", "")}
    return f"/audit?{urlencode(query)}#{entry['audit_id']}"
