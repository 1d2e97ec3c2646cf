"""What a pest-control company's customer sees: their sites, sensors, incidents, visits.

Read-only and reduced on purpose: no DevEUIs, no technicians' notes, nothing of other
customers. A site belongs to the customer when its points name that customer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from syncbridge.domain.insights.models import Visit


class PortalSite(BaseModel):
    site: str
    points: int
    sensors_working: int
    sensors_attention: int
    open_incidents: int
    last_visit: datetime | None
    next_visit: datetime | None


class PortalView(BaseModel):
    customer: str
    generated_at: datetime
    sites: list[PortalSite]


def portal_view(
    customer: str,
    points: Iterable[Any],
    attention_refs: set[str],
    open_incident_refs: Iterable[str | None],
    visits: Iterable[Visit],
    now: datetime,
) -> PortalView:
    """The customer's sites; `points` are `PointInfo`-shaped, `attention_refs` the point
    refs with a maintenance finding, `open_incident_refs` one entry per open incident."""
    mine = [p for p in points if (p.customer or p.site) == customer]
    by_site: dict[str, list[Any]] = defaultdict(list)
    for point in mine:
        by_site[point.site or "(no site)"].append(point)
    incidents = list(open_incident_refs)
    visits = list(visits)
    sites = []
    for site, members in sorted(by_site.items()):
        refs = {m.point_ref for m in members}
        covering = [v for v in visits if v.site == site or refs.intersection(v.point_refs)]
        done = [v.at for v in covering if v.done and v.at <= now]
        planned = [v.at for v in covering if v.at > now]
        working = sum(1 for m in members if m.deveui and m.device_status == "active")
        sites.append(
            PortalSite(
                site=site,
                points=len(members),
                sensors_working=working,
                sensors_attention=len(refs & attention_refs),
                open_incidents=sum(1 for ref in incidents if ref in refs),
                last_visit=max(done) if done else None,
                next_visit=min(planned) if planned else None,
            )
        )
    return PortalView(customer=customer, generated_at=now, sites=sites)
