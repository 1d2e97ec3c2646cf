"""Pest-control insights over HTTP: service history, maintenance, risk, seasonal trends,
monthly reports, usage for billing, the compliance pack, and customer portal links.

Cached results come with `computed_at` and `stale`; files (CSV, PNG, SVG, PDF) are chosen
with `format=`. Heavy recomputation runs on the schedule (and `POST .../collect` queues
one), never inside a read.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, Field

from syncbridge.api import signed_links
from syncbridge.api.gate import caller
from syncbridge.api.policy import allowed
from syncbridge.api.routes.insights_deps import insights_service
from syncbridge.domain.errors import InvalidInput
from syncbridge.domain.insights.reports import Month
from syncbridge.public_url import public_base_url

router = Router()
TAG = ["insights"]
ACTIONS = {
    "collect": ("POST", "/api/v1/erp/insights/collect"),
    "bill": ("POST", "/api/v1/erp/usage/{month}/bill"),
    "portal_links": ("POST", "/api/v1/erp/portal-links"),
}
MONTH = Annotated[str, Path(description="Calendar month, e.g. 2026-11", pattern=r"^\d{4}-\d{2}$")]


class CachedOut(BaseModel):
    tenant_id: str
    kind: str
    computed_at: datetime | None
    stale: bool = Field(description="True when the last scheduled collect is too old.")
    body: dict[str, Any]


class CollectQueued(BaseModel):
    tenant_id: str
    queued: bool
    message_id: str | None = None


class UsageBilled(BaseModel):
    tenant_id: str
    month: str
    lines: list[dict[str, str]]


class PortalLinkIn(BaseModel):
    customer: str = Field(min_length=1, max_length=200)
    days: int = Field(default=30, ge=1, le=366)


class PortalLinkOut(BaseModel):
    customer: str
    url: str
    expires_at: datetime


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="month") from None


def _file(body: bytes | str, content_type: str, filename: str) -> Response:
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _table_or_chart(rows: list[Any], fmt: str, chart: Any, stem: str) -> Response:
    """The rows as a CSV download, or drawn by `chart` as a PNG/SVG download."""
    if fmt == "csv":
        from syncbridge.render.tables import to_csv

        return _file(to_csv(rows), "text/csv; charset=utf-8", f"{stem}.csv")
    from syncbridge.render.charts import FORMATS

    return _file(chart(rows, fmt), FORMATS[fmt], f"{stem}.{fmt}")


def _cached(kind: str) -> CachedOut:
    principal = caller(router)
    found = insights_service(principal.tenant_id).cached(principal.tenant_id, kind)
    return CachedOut(
        tenant_id=principal.tenant_id,
        kind=kind,
        computed_at=found.computed_at,
        stale=found.stale,
        body=found.body,
    )


@router.get(
    "/api/v1/erp/insights/service-history",
    summary="Alerts against technician visits: per point, site and technician",
    tags=TAG,
)
def service_history() -> CachedOut:
    return _cached("service-history")


@router.get(
    "/api/v1/erp/insights/maintenance",
    summary="Devices that need attention before they fail, with the reasons",
    tags=TAG,
)
def maintenance() -> CachedOut:
    return _cached("maintenance")


@router.get(
    "/api/v1/erp/insights/risk", summary="Per-site risk score and what it is made of", tags=TAG
)
def risk(
    format: Annotated[Literal["json", "png", "svg"], Query()] = "json",
):
    out = _cached("risk")
    if format == "json":
        return out
    from syncbridge.domain.insights.analytics import SiteRisk
    from syncbridge.render.charts import FORMATS, risk_chart

    risks = [SiteRisk.model_validate(r) for r in out.body.get("sites", [])]
    return _file(risk_chart(risks, format), FORMATS[format], f"risk.{format}")


@router.get(
    "/api/v1/erp/insights/seasonal",
    summary="Alerts per site and pest type by month or ISO week",
    tags=TAG,
)
def seasonal(
    by: Annotated[Literal["month", "week"], Query()] = "month",
    format: Annotated[Literal["json", "csv", "png", "svg"], Query()] = "json",
):
    principal = caller(router)
    rows = insights_service(principal.tenant_id).seasonal(principal.tenant_id, by=by)
    if format == "json":
        return {"tenant_id": principal.tenant_id, "by": by, "rows": [r.model_dump() for r in rows]}
    from syncbridge.render.charts import seasonal_chart

    return _table_or_chart(rows, format, seasonal_chart, f"seasonal-{by}")


@router.post(
    "/api/v1/erp/insights/collect",
    summary="Queue a collect now (history, maintenance work orders, cached results)",
    tags=TAG,
)
def collect() -> CollectQueued:
    from syncbridge.roots.insights import queue_collect

    principal = caller(router)
    message_id = queue_collect(principal.tenant_id)
    return CollectQueued(tenant_id=principal.tenant_id, queued=True, message_id=message_id)


@router.get(
    "/api/v1/erp/reports/<month>",
    summary="Monthly report per site: coverage, incidents, response, effectiveness, revenue",
    tags=["reports"],
)
def monthly_report(
    month: MONTH,
    format: Annotated[Literal["json", "csv", "png", "svg"], Query()] = "json",
):
    principal = caller(router)
    period = _month(month)
    rows = insights_service(principal.tenant_id).monthly_report(principal.tenant_id, period)
    if format == "json":
        return {
            "tenant_id": principal.tenant_id,
            "month": period.label(),
            "sites": [r.model_dump(mode="json") for r in rows],
        }
    from syncbridge.render.charts import report_chart

    return _table_or_chart(rows, format, report_chart, f"report-{period.label()}")


@router.get(
    "/api/v1/erp/usage/<month>",
    summary="Metered usage per customer: device-days, alerts, incidents",
    tags=["billing"],
)
def usage(
    month: MONTH,
    format: Annotated[Literal["json", "csv", "daily-csv"], Query()] = "json",
):
    principal = caller(router)
    period = _month(month)
    service = insights_service(principal.tenant_id)
    if format == "daily-csv":
        from syncbridge.render.tables import to_csv

        days = service.usage_days(principal.tenant_id, period)
        return _file(to_csv(days), "text/csv; charset=utf-8", f"usage-daily-{period.label()}.csv")
    rows = service.usage(principal.tenant_id, period)
    if format == "csv":
        from syncbridge.render.tables import to_csv

        return _file(to_csv(rows), "text/csv; charset=utf-8", f"usage-{period.label()}.csv")
    return {
        "tenant_id": principal.tenant_id,
        "month": period.label(),
        "customers": [r.model_dump(mode="json") for r in rows],
    }


@router.post(
    "/api/v1/erp/usage/<month>/bill",
    summary="Write the month's usage to the ERP as sale-order lines (idempotent)",
    tags=["billing"],
)
def bill_usage(month: MONTH) -> UsageBilled:
    principal = caller(router)
    period = _month(month)
    written = insights_service(principal.tenant_id).bill_usage(principal.tenant_id, period)
    return UsageBilled(
        tenant_id=principal.tenant_id,
        month=period.label(),
        lines=[{"key": key, "line_id": line_id} for key, line_id in written],
    )


@router.get(
    "/api/v1/erp/compliance",
    summary="HACCP/BRC-style audit pack for one site and period (PDF or CSV)",
    tags=["compliance"],
)
def compliance(
    site: Annotated[str, Query(min_length=1, max_length=200)],
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
    format: Annotated[Literal["pdf", "csv", "json"], Query()] = "pdf",
):
    principal = caller(router)
    start, end = _aware(start), _aware(end)
    pack = insights_service(principal.tenant_id).compliance_pack(
        principal.tenant_id, site, start, end
    )
    stem = f"compliance-{start:%Y%m%d}-{end:%Y%m%d}"
    if format == "json":
        return pack.model_dump(mode="json")
    if format == "csv":
        from syncbridge.domain.insights.compliance import EvidenceRow
        from syncbridge.render.tables import to_csv

        class Row(EvidenceRow):
            section: str

        rows = [Row(section=s.title, **r.model_dump()) for s in pack.sections for r in s.rows]
        columns = ["section", "at", "what", "detail", "actor", "audit_ref"]
        return _file(to_csv(rows, columns), "text/csv; charset=utf-8", f"{stem}.csv")
    from syncbridge.render.pack_pdf import pack_pdf

    return _file(pack_pdf(pack), "application/pdf", f"{stem}.pdf")


@router.get("/api/v1/erp/insights/customers", summary="Customers with sites", tags=["portal"])
def customers() -> dict[str, Any]:
    principal = caller(router)
    service = insights_service(principal.tenant_id)
    return {
        "tenant_id": principal.tenant_id,
        "customers": service.customers(principal.tenant_id),
        "sites": service.sites(principal.tenant_id),
        # what this caller may do, from the one policy table: the page offers only that
        "can": {name: allowed(principal, method, path) for name, (method, path) in ACTIONS.items()},
    }


@router.post(
    "/api/v1/erp/portal-links",
    summary="A signed, expiring read-only portal link for one customer",
    tags=["portal"],
)
def portal_link(body: Annotated[PortalLinkIn, Body()]) -> PortalLinkOut:
    principal = caller(router)
    insights_service(principal.tenant_id).portal(principal.tenant_id, body.customer)  # 404 early
    expires = int(time.time()) + body.days * 86400
    token = signed_links.sign(
        signed_links.LinkGrant(principal.tenant_id, body.customer, expires),
        signed_links.signing_key(),
    )
    base = public_base_url(router.current_event.raw_event)
    return PortalLinkOut(
        customer=body.customer,
        url=f"{base}/portal?token={token}",
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


@router.get("/portal/data", summary="The portal's data for a signed link", tags=["portal"])
def portal_data(token: Annotated[str, Query(min_length=10, max_length=2000)]) -> dict[str, Any]:
    grant = signed_links.verify(token, signed_links.signing_key())
    view = insights_service(grant.tenant_id).portal(grant.tenant_id, grant.customer)
    return {
        **view.model_dump(mode="json"),
        "link_expires_at": datetime.fromtimestamp(grant.expires_at, UTC).isoformat(),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
