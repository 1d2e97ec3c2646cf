"""The compliance audit pack (HACCP/BRC style) for one site and date range.

An auditor wants evidence, not totals: every figure in the pack lists the audit entries it
was counted from, so each can be traced back to who did what and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from syncbridge.domain.insights.models import SensorEvent, Visit


class EvidenceRow(BaseModel):
    at: datetime
    what: str
    detail: str
    actor: str | None = None
    audit_ref: str | None = Field(default=None, description="The audit entry it comes from.")


class PackSection(BaseModel):
    title: str
    summary: str
    figure: int
    columns: list[str] = Field(
        default_factory=lambda: ["at", "what", "detail", "actor", "audit_ref"]
    )
    rows: list[EvidenceRow] = Field(default_factory=list)


class CompliancePack(BaseModel):
    tenant: str
    site: str
    start: datetime
    end: datetime
    generated_at: datetime
    sections: list[PackSection]


class DeviceChange(BaseModel):
    """A device audit entry reduced to what the pack shows."""

    at: datetime
    point_ref: str
    action: str
    field: str
    old: str | None
    new: str | None
    actor: str
    audit_ref: str


class IncidentRecord(BaseModel):
    at: datetime
    point_ref: str | None
    incident_id: str
    title: str
    corrective_action: str | None = None
    audit_ref: str | None = None


def build_pack(
    *,
    tenant: str,
    site: str,
    start: datetime,
    end: datetime,
    now: datetime,
    site_points: dict[str, bool],
    device_changes: Iterable[DeviceChange],
    incidents: Iterable[IncidentRecord],
    visits: Iterable[Visit],
    events: Iterable[SensorEvent],
) -> CompliancePack:
    """Assemble the five sections; `site_points` maps point_ref -> has a working sensor."""

    def within(at: datetime) -> bool:
        return start <= at <= end

    changes = sorted(
        (c for c in device_changes if within(c.at) and c.point_ref in site_points),
        key=lambda c: c.at,
    )
    deployments = [c for c in changes if c.field != "deveui"]
    deveui_changes = [c for c in changes if c.field == "deveui"]
    site_incidents = sorted(
        (i for i in incidents if within(i.at) and (i.point_ref in site_points)),
        key=lambda i: i.at,
    )
    site_visits = sorted(
        (
            v
            for v in visits
            if within(v.at) and (v.site == site or any(ref in site_points for ref in v.point_refs))
        ),
        key=lambda v: v.at,
    )
    site_events = [e for e in events if within(e.at) and e.point_ref in site_points]
    gaps = sorted(ref for ref, covered in site_points.items() if not covered)

    def change_row(c: DeviceChange) -> EvidenceRow:
        return EvidenceRow(
            at=c.at,
            what=f"{c.action} {c.point_ref}",
            detail=f"{c.field}: {c.old or '—'} → {c.new or '—'}",
            actor=c.actor,
            audit_ref=c.audit_ref,
        )

    sections = [
        PackSection(
            title="Device deployments",
            summary=f"{len(deployments)} lifecycle changes on {len(site_points)} points",
            figure=len(deployments),
            rows=[change_row(c) for c in deployments],
        ),
        PackSection(
            title="DevEUI changes",
            summary=f"{len(deveui_changes)} sensor hardware assignments or replacements",
            figure=len(deveui_changes),
            rows=[change_row(c) for c in deveui_changes],
        ),
        PackSection(
            title="Incidents and corrective actions",
            summary=(
                f"{len(site_incidents)} incidents from {len(site_events)} sensor alerts; "
                f"{sum(1 for i in site_incidents if i.corrective_action)} with a recorded action"
            ),
            figure=len(site_incidents),
            rows=[
                EvidenceRow(
                    at=i.at,
                    what=f"incident {i.incident_id} at {i.point_ref or 'unknown point'}",
                    detail=f"{i.title}; action: {i.corrective_action or 'none recorded'}",
                    audit_ref=i.audit_ref,
                )
                for i in site_incidents
            ],
        ),
        PackSection(
            title="Service visits",
            summary=f"{len(site_visits)} technician visits",
            figure=len(site_visits),
            rows=[
                EvidenceRow(
                    at=v.at,
                    what=f"visit {v.id}",
                    detail=(v.notes or "service visit")
                    + (f" ({', '.join(v.point_refs)})" if v.point_refs else ""),
                    actor=v.technician,
                    audit_ref=f"erp:visit:{v.id}",
                )
                for v in site_visits
            ],
        ),
        PackSection(
            title="Sensor coverage gaps",
            summary=f"{len(gaps)} of {len(site_points)} points without a working sensor at {now:%Y-%m-%d}",
            figure=len(gaps),
            rows=[
                EvidenceRow(at=now, what=f"gap {ref}", detail="no active sensor with a DevEUI")
                for ref in gaps
            ],
        ),
    ]
    return CompliancePack(
        tenant=tenant, site=site, start=start, end=end, generated_at=now, sections=sections
    )
