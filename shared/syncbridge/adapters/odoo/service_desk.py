"""Odoo's service side for pest-control insights: visits, preventive work orders, revenue,
usage lines. Conventions, checked against a stock Odoo 19 (`project` installed):

- A technician visit is a `project.task` in the service project (setting
  `service_project`, default "Pest Control Service"). Its time is `date_end` once done,
  else `date_deadline` (the planned date), else the last stage change; it is done when
  `state` is `1_done`; the technician is the first of `user_ids`; the customer site is
  `partner_id`; the points it covered are the inspection-point references
  (`default_code`, e.g. ERP024_025_01) named in its title or description.
- A preventive work order is a `project.task` in the maintenance project (setting
  `maintenance_project`, default "Preventive Maintenance"); our key (`pm:<deveui>:<kind>`)
  stands in brackets in its description, so re-runs find it; closing sets `state` 1_done.
- Revenue comes from posted customer invoices (`account.move`, Invoicing) or, without
  Invoicing, confirmed sale orders (`sale.order`, Sales). A stock database has neither:
  that is reported as configuration missing, never guessed.
- Usage is billed as one draft `sale.order` per customer and month (its
  `client_order_ref` is the usage key) with one line per month; writing it again updates
  the line.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from syncbridge.adapters.odoo.transport import OdooTransport
from syncbridge.domain.pest.erp import ErpConfigurationMissing, ErpNotFound

DONE = "1_done"
REFERENCE = re.compile(r"\b[A-Z]{2,}\d+(?:_\d+)+\b")
TAGS = re.compile(r"<[^>]+>")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _odoo_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: Any) -> str:
    return html.unescape(TAGS.sub(" ", value)) if isinstance(value, str) else ""


def _name(value: Any) -> str | None:
    return value[1] if isinstance(value, list) and len(value) > 1 else None


class OdooServiceDesk:
    """Visits, work orders, revenue and usage lines over one Odoo transport."""

    def __init__(
        self,
        transport: OdooTransport,
        *,
        service_project: str = "Pest Control Service",
        maintenance_project: str = "Preventive Maintenance",
        usage_product: str = "Sensor monitoring (device-day)",
    ) -> None:
        self._odoo = transport
        self._service_project = service_project
        self._maintenance_project = maintenance_project
        self._usage_product = usage_product
        self._projects: dict[str, int] = {}

    # ------------------------------------------------------------------ projects
    def _project(self, name: str, setting: str, *, create: bool) -> int | None:
        if name in self._projects:
            return self._projects[name]
        rows = self._odoo.call(
            "project.project", "search_read", domain=[["name", "=", name]], fields=["id"], limit=1
        )
        if rows:
            self._projects[name] = rows[0]["id"]
        elif create:
            created = self._odoo.call("project.project", "create", vals_list=[{"name": name}])
            self._projects[name] = created[0] if isinstance(created, list) else created
        else:
            return None
        return self._projects[name]

    # ------------------------------------------------------------------ visits
    def list_visits(self, since: datetime | None) -> list[dict[str, Any]]:
        """Visits changed since `since` (write_date), as plain dicts for the bridge."""
        project = self._project(self._service_project, "service_project", create=False)
        if project is None:
            return []  # no service project yet: no visits recorded in Odoo
        domain: list[Any] = [["project_id", "=", project]]
        if since is not None:
            domain.append(["write_date", ">=", _odoo_time(since)])
        rows = self._odoo.call(
            "project.task",
            "search_read",
            domain=domain,
            fields=[
                "name",
                "description",
                "partner_id",
                "user_ids",
                "state",
                "date_deadline",
                "date_end",
                "date_last_stage_update",
                "write_date",
            ],
            order="id",
        )
        users = self._user_names({uid for row in rows for uid in row.get("user_ids") or []})
        visits = []
        for row in rows:
            done = row.get("state") == DONE
            at = (
                (_when(row.get("date_end")) if done else None)
                or _when(row.get("date_deadline"))
                or _when(row.get("date_last_stage_update"))
                or _when(row.get("write_date"))
            )
            if at is None:
                continue
            text = f"{row.get('name') or ''} {_text(row.get('description'))}"
            user_ids = row.get("user_ids") or []
            visits.append(
                {
                    "id": str(row["id"]),
                    "at": at,
                    "technician": users.get(user_ids[0]) if user_ids else None,
                    "point_refs": sorted(set(REFERENCE.findall(text))),
                    "site": _name(row.get("partner_id")),
                    "done": done,
                    "notes": row.get("name") or None,
                }
            )
        return visits

    def _user_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = self._odoo.call("res.users", "read", ids=sorted(ids), fields=["name"])
        return {row["id"]: row["name"] for row in rows}

    # ------------------------------------------------------------------ work orders
    def list_work_orders(self) -> list[dict[str, Any]]:
        project = self._project(self._maintenance_project, "maintenance_project", create=False)
        if project is None:
            return []
        rows = self._odoo.call(
            "project.task",
            "search_read",
            domain=[["project_id", "=", project], ["description", "ilike", "[pm:"]],
            fields=["description", "state"],
            order="id",
        )
        orders = []
        for row in rows:
            text = _text(row.get("description")).strip()
            key = re.search(r"\[(pm:[^\]]+)\]", text)
            if key:
                orders.append(
                    {
                        "id": str(row["id"]),
                        "key": key.group(1),
                        "open": row.get("state") not in (DONE, "1_canceled"),
                        "description": text,
                    }
                )
        return orders

    def create_work_order(
        self, key: str, title: str, description: str, point_ref: str | None
    ) -> str:
        project = self._project(self._maintenance_project, "maintenance_project", create=True)
        created = self._odoo.call(
            "project.task",
            "create",
            vals_list=[{"name": title, "project_id": project, "description": description}],
        )
        return str(created[0] if isinstance(created, list) else created)

    def update_work_order(self, order_id: str, description: str) -> None:
        self._odoo.call(
            "project.task", "write", ids=[int(order_id)], vals={"description": description}
        )

    def close_work_order(self, order_id: str) -> None:
        self._odoo.call("project.task", "write", ids=[int(order_id)], vals={"state": DONE})

    # ------------------------------------------------------------------ revenue
    def revenue_by_customer(self, start: datetime, end: datetime) -> dict[str, float]:
        """Untaxed revenue per customer name; invoices first, else sale orders."""
        try:
            rows = self._odoo.call(
                "account.move",
                "search_read",
                domain=[
                    ["move_type", "=", "out_invoice"],
                    ["state", "=", "posted"],
                    ["invoice_date", ">=", start.date().isoformat()],
                    ["invoice_date", "<=", end.date().isoformat()],
                ],
                fields=["partner_id", "amount_untaxed"],
            )
        except ErpConfigurationMissing:
            try:
                rows = self._odoo.call(
                    "sale.order",
                    "search_read",
                    domain=[
                        ["state", "=", "sale"],
                        ["date_order", ">=", _odoo_time(start)],
                        ["date_order", "<=", _odoo_time(end)],
                    ],
                    fields=["partner_id", "amount_untaxed"],
                )
            except ErpConfigurationMissing:
                raise ErpConfigurationMissing(
                    "Odoo has neither Invoicing (account.move) nor Sales (sale.order): "
                    "install one to report revenue per device",
                    setting="odoo modules",
                    tried="account, sale",
                ) from None
        totals: dict[str, float] = {}
        for row in rows:
            name = _name(row.get("partner_id")) or "(no customer)"
            totals[name] = totals.get(name, 0.0) + float(row.get("amount_untaxed") or 0.0)
        return totals

    # ------------------------------------------------------------------ usage lines
    def write_usage_line(self, key: str, customer: str, description: str, quantity: int) -> str:
        partner = self._partner(customer)
        orders = self._odoo.call(
            "sale.order",
            "search_read",
            domain=[["client_order_ref", "=", key]],
            fields=["id", "state"],
            limit=1,
        )
        if orders:
            order_id = orders[0]["id"]
        else:
            created = self._odoo.call(
                "sale.order",
                "create",
                vals_list=[{"partner_id": partner, "client_order_ref": key}],
            )
            order_id = created[0] if isinstance(created, list) else created
        product = self._usage_product_id()
        lines = self._odoo.call(
            "sale.order.line",
            "search_read",
            domain=[["order_id", "=", order_id], ["product_id", "=", product]],
            fields=["id"],
            limit=1,
        )
        vals = {"name": description, "product_uom_qty": quantity}
        if lines:
            self._odoo.call("sale.order.line", "write", ids=[lines[0]["id"]], vals=vals)
            return str(lines[0]["id"])
        created = self._odoo.call(
            "sale.order.line",
            "create",
            vals_list=[{**vals, "order_id": order_id, "product_id": product}],
        )
        return str(created[0] if isinstance(created, list) else created)

    def _partner(self, name: str) -> int:
        rows = self._odoo.call(
            "res.partner", "search_read", domain=[["name", "ilike", name]], fields=["id"], limit=1
        )
        if not rows:
            raise ErpNotFound(f"Odoo has no customer named like {name!r}")
        return int(rows[0]["id"])

    def _usage_product_id(self) -> int:
        rows = self._odoo.call(
            "product.product",
            "search_read",
            domain=[["name", "=", self._usage_product]],
            fields=["id"],
            limit=1,
        )
        if rows:
            return int(rows[0]["id"])
        created = self._odoo.call(
            "product.product", "create", vals_list=[{"name": self._usage_product}]
        )
        return int(created[0] if isinstance(created, list) else created)
