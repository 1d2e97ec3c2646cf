"""Microshare alerts become ERP incidents, once each, grouped when one trap keeps firing.

- Only new alerts are read: a cursor per alert type (created time) minus an overlap; the
  overlap's repeats are dropped by the per-event claim (a conditional put keyed by event id).
- An alert links to its inspection point through `location[3]` = ERP `default_code`
  (falling back to the device's DevEUI in our device records).
- Alerts from the same point within `incident_window_minutes` of the open incident's last
  alert join that incident instead of opening another; the ERP incident gets a note when its
  adapter supports notes, and our group record keeps the count and event ids either way.
- The ERP's own dedupe key (`microshare:<event id>`) makes a retry after a crash between
  "incident created" and "alert marked done" return the same incident.
- When a system is down the run stops for that alert type with the cursor before the
  first alert not handled; the next run resumes there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from syncbridge.domain.pest.config import PestConfig
from syncbridge.domain.pest.deveui import InvalidDevEui, normalize_deveui
from syncbridge.domain.pest.errors import (
    Conflict,
    RecordMissing,
    SourceUnavailable,
    UpstreamConflict,
    source_error,
)
from syncbridge.domain.pest.models import Alert, IncidentDraft, IncidentGroup, Point, SnapshotMeta
from syncbridge.domain.pest.ports import SourcesAndStores
from syncbridge.observability import logger

OVERLAP = timedelta(minutes=2)
MAX_GROUP_EVENTS = 100
MAX_ALERTS_PER_RUN = 500

Outcome = Literal["created", "grouped", "ignored", "unlinked", "duplicate", "failed"]

EVENT_LABELS = {
    "rodent_present": "Rodent detected",
    "trap_triggered": "Trap triggered",
    "catch_detected": "Catch detected",
}


class AlertResult(BaseModel):
    alert_id: str
    outcome: Outcome
    point_id: str | None = None
    incident_id: str | None = None
    detail: str | None = None


class SyncProblem(BaseModel):
    """Why a source stopped the run, in the API's error taxonomy."""

    code: str
    action: str
    message: str
    setting: str | None = None
    tried: str | None = None


class IncidentSyncResult(BaseModel):
    tenant_id: str
    stale: bool = False
    errors: dict[str, str] = Field(default_factory=dict)
    problems: dict[str, SyncProblem] = Field(default_factory=dict)
    results: list[AlertResult] = Field(default_factory=list)
    summary: dict[str, int] = Field(default_factory=dict)
    cursors: dict[str, datetime | None] = Field(default_factory=dict)
    more: bool = False  # stopped at max_alerts: the next run continues

    def stop(self, key: str, exc: SourceUnavailable) -> None:
        """Record that `key` (a source, or an alert share) could not go on, and why."""
        self.stale = True
        self.errors[key] = str(exc)
        self.problems[key] = SyncProblem(
            code=exc.code,
            action=exc.action,
            message=str(exc),
            setting=getattr(exc, "setting", None),
            tried=getattr(exc, "tried", None),
        )


def group_key(point_id: str) -> str:
    return f"point#{point_id}"


class IncidentService(SourcesAndStores):
    def sync(
        self, tenant: str, config: PestConfig, *, max_alerts: int = MAX_ALERTS_PER_RUN
    ) -> IncidentSyncResult:
        """Handle new alerts, at most `max_alerts` per run (the cursor stops where it stopped)."""
        result = IncidentSyncResult(tenant_id=tenant)
        budget = max_alerts
        erp_meta = self.store.get_meta(tenant, "erp")
        if erp_meta is None or erp_meta.as_of is None:
            # without the points no alert can be linked: leave them all for a later run
            if erp_meta is not None and erp_meta.last_error_code:
                cause = source_error("erp", erp_meta.last_error_code, erp_meta.last_error_details)
            else:
                cause = SourceUnavailable("erp", "no inspection point snapshot yet (never read)")
            result.stop("erp", cause)
            return result
        try:
            delivered = self.deliver_pending_notes(tenant)
        except Conflict:  # another run is delivering them right now
            delivered = 0
        if delivered:
            result.summary["notes_delivered"] = delivered
        points = self.store.list_points(tenant)
        by_ref: dict[str, Point] = {}
        for point in sorted(points, key=lambda p: (not p.active, p.id)):
            if point.default_code:
                by_ref.setdefault(point.default_code.strip().casefold(), point)
        by_eui = {d.deveui: d.point_id for d in self.devices.list(tenant) if d.has_real_deveui}
        points_by_id = {p.id: p for p in points}
        for rec_type in config.alert_rec_types:
            source = f"alerts:{rec_type}"
            meta = self.store.get_meta(tenant, source) or SnapshotMeta(source=source)
            since = meta.cursor - OVERLAP if meta.cursor else None
            try:
                alerts = sorted(
                    self.iot.list_alerts(rec_type, since), key=lambda a: (a.created, a.id)
                )
            except SourceUnavailable as exc:
                result.stop(source, exc)
                result.cursors[rec_type] = meta.cursor
                continue
            for alert in alerts:
                if budget <= 0:
                    result.more = True
                    break
                try:
                    outcome = self._handle(tenant, config, alert, by_ref, by_eui, points_by_id)
                except SourceUnavailable as exc:
                    # down, credentials refused, configuration missing: stop this share here
                    # (the cursor stays before this alert) and say why, under the source
                    result.stop(source, exc)
                    if exc.source != source:
                        result.stop(exc.source, exc)
                    result.results.append(
                        AlertResult(alert_id=alert.id, outcome="failed", detail=str(exc))
                    )
                    break
                except (RecordMissing, UpstreamConflict) as exc:
                    # refused for this alert alone (its claim was released): report, go on
                    outcome = AlertResult(alert_id=alert.id, outcome="failed", detail=str(exc))
                result.results.append(outcome)
                if outcome.outcome != "duplicate":  # overlap repeats cost one conditional put
                    budget -= 1
                if meta.cursor is None or alert.created > meta.cursor:
                    meta.cursor = alert.created
            meta.refreshed_at = self.clock()
            meta.as_of = meta.refreshed_at if source not in result.errors else meta.as_of
            meta.last_error = result.errors.get(source)
            self.store.put_meta(tenant, meta)
            result.cursors[rec_type] = meta.cursor
        for res in result.results:
            result.summary[res.outcome] = result.summary.get(res.outcome, 0) + 1
        return result

    def _handle(
        self,
        tenant: str,
        config: PestConfig,
        alert: Alert,
        by_ref: dict[str, Point],
        by_eui: dict[str, str],
        points_by_id: dict[str, Point],
    ) -> AlertResult:
        if not self.store.claim_alert(tenant, alert.id):
            return AlertResult(alert_id=alert.id, outcome="duplicate")
        try:
            res = self._process(tenant, config, alert, by_ref, by_eui, points_by_id)
        except Exception:
            self.store.release_alert(tenant, alert.id)
            raise
        self.store.finish_alert(tenant, alert.id, res.outcome, res.incident_id)
        return res

    def _process(
        self,
        tenant: str,
        config: PestConfig,
        alert: Alert,
        by_ref: dict[str, Point],
        by_eui: dict[str, str],
        points_by_id: dict[str, Point],
    ) -> AlertResult:
        if alert.event not in config.actionable_events:
            return AlertResult(alert_id=alert.id, outcome="ignored", detail=alert.event)
        point = by_ref.get((alert.point_ref or "").strip().casefold())
        if point is None and alert.deveui:
            try:
                point = points_by_id.get(by_eui.get(normalize_deveui(alert.deveui), ""))
            except InvalidDevEui:
                point = None
        if point is None:
            return AlertResult(
                alert_id=alert.id,
                outcome="unlinked",
                detail=f"no inspection point with reference {alert.point_ref!r}",
            )
        window = timedelta(minutes=config.incident_window_minutes)
        for _attempt in range(3):
            group = self.store.get_group(tenant, group_key(point.id))
            if group is not None and abs(alert.created - group.last_at) <= window:
                try:
                    return self._append(tenant, group, alert, point)
                except UpstreamConflict:
                    raise  # the ERP said no: not a group that changed meanwhile
                except Conflict:
                    continue
            try:
                return self._open(tenant, alert, point, group)
            except UpstreamConflict:
                raise
            except Conflict:
                continue
        raise SourceUnavailable("incident store", "incident group kept changing; retry")

    def _open(
        self, tenant: str, alert: Alert, point: Point, previous: IncidentGroup | None
    ) -> AlertResult:
        label = EVENT_LABELS.get(alert.event, alert.event.replace("_", " ").capitalize())
        draft = IncidentDraft(
            title=f"{label}: {point.name} ({point.default_code})",
            description=(
                f"Microshare {alert.rec_type} event {alert.event} at {alert.created.isoformat()}"
                f" from device {alert.deveui or 'unknown'}; location "
                f"{' / '.join(x for x in alert.location if x)}. Event id {alert.id}."
            ),
            dedupe_key=f"microshare:{alert.id}",
            point_id=point.id,
            point_ref=point.default_code,
            occurred_at=alert.created,
            tags=["pest-control", alert.event],
        )
        incident_id = self.erp.create_incident(draft)
        group = IncidentGroup(
            key=group_key(point.id),
            incident_id=incident_id,
            point_id=point.id,
            first_at=alert.created,
            last_at=alert.created,
            count=1,
            event_ids=[alert.id],
        )
        self.store.put_group(tenant, group, previous.version if previous else None)
        return AlertResult(
            alert_id=alert.id, outcome="created", point_id=point.id, incident_id=incident_id
        )

    def _append(self, tenant: str, group: IncidentGroup, alert: Alert, point: Point) -> AlertResult:
        updated = group.model_copy(
            update={
                "last_at": max(group.last_at, alert.created),
                "first_at": min(group.first_at, alert.created),
                "count": group.count + 1,
                "event_ids": [*group.event_ids, alert.id][-MAX_GROUP_EVENTS:],
            }
        )
        self.store.put_group(tenant, updated, group.version)
        note = (
            f"Repeated {alert.event} at {alert.created.isoformat()} (event {alert.id}); "
            f"{updated.count} alerts so far."
        )
        detail: str | None = None
        try:
            if not self.erp.append_to_incident(group.incident_id, note):
                detail = "grouped in Sync Bridge (ERP adapter takes no notes)"
        except SourceUnavailable:
            # the ERP is down: the note waits on the group and goes out on a later run
            deferred = updated.model_copy(update={"pending_notes": [*updated.pending_notes, note]})
            self.store.put_group(tenant, deferred, updated.version + 1)
            detail = "grouped; the note is queued until the ERP is back"
        except (RecordMissing, UpstreamConflict) as exc:
            # the ERP refused the note itself: no later run would do better
            detail = f"grouped in Sync Bridge; the ERP note failed: {exc}"
        return AlertResult(
            alert_id=alert.id,
            outcome="grouped",
            point_id=point.id,
            incident_id=group.incident_id,
            detail=detail,
        )

    def deliver_pending_notes(self, tenant: str) -> int:
        """Send the notes queued while the ERP was down, oldest first; stop at the first
        failure (still down). Returns how many went out."""
        sent = 0
        for group in self.store.list_groups(tenant):
            if not group.pending_notes:
                continue
            delivered = 0
            try:
                for note in group.pending_notes:
                    try:
                        self.erp.append_to_incident(group.incident_id, note)
                    except (RecordMissing, UpstreamConflict) as exc:  # refused: dropped
                        logger.warning(
                            "queued incident note refused by the ERP; dropped",
                            extra={"incident_id": group.incident_id, "reason": str(exc)},
                        )
                    delivered += 1
            except SourceUnavailable:
                pass  # still down: the rest waits for the next run
            if delivered:
                left = group.pending_notes[delivered:]
                self.store.put_group(
                    tenant, group.model_copy(update={"pending_notes": left}), group.version
                )
                sent += delivered
            if delivered < len(group.pending_notes):
                break
        return sent

    def open_incidents(self, tenant: str) -> list[IncidentGroup]:
        return sorted(self.store.list_groups(tenant), key=lambda g: g.last_at, reverse=True)
