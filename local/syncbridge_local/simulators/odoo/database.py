"""A tiny in-memory Odoo database with the behaviour the contract says bites.

Only what Sync Bridge uses is modelled, but modelled the way Odoo does it: `False` for
empty values, many2one read as `[id, "display name"]`, `write_date` truncated to whole
seconds, archived records hidden unless `context.active_test` is false, `barcode` unique
per company (ValidationError), MissingError for unknown ids, ValueError for unknown fields.
Both protocol front-ends (JSON-2 and XML-RPC) call the same `call(...)`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from syncbridge_local.simulators.odoo import seed

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class OdooException(Exception):
    """Raised inside the simulator; `name` is what Odoo reports as the exception class."""

    name = "odoo.exceptions.UserError"
    http_status = 422
    fault_code = 2


class UserError(OdooException):
    pass


class ValidationError(OdooException):
    name = "odoo.exceptions.ValidationError"


class MissingError(OdooException):
    name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessError(OdooException):
    name = "odoo.exceptions.AccessError"
    http_status = 403
    fault_code = 4


class AccessDenied(OdooException):
    name = "odoo.exceptions.AccessDenied"
    http_status = 401
    fault_code = 3


class ConcurrencyError(OdooException):
    name = "odoo.exceptions.ConcurrencyError"
    http_status = 409
    fault_code = 1


class ServerError(OdooException):
    """Anything that is not an Odoo exception (e.g. ValueError): 500 / fault 1."""

    name = "builtins.ValueError"
    http_status = 500
    fault_code = 1


class UnknownModel(OdooException):
    name = "werkzeug.exceptions.NotFound"
    http_status = 404
    fault_code = 1


@dataclass(frozen=True)
class Field:
    type: str  # char, text, bool, int, m2o, m2m, datetime, date
    relation: str | None = None
    default: Any = False


_CHAR, _TEXT, _BOOL = Field("char"), Field("text"), Field("bool", default=True)

SCHEMA: dict[str, dict[str, Field]] = {
    "res.company": {"name": _CHAR},
    "res.partner": {"name": _CHAR, "active": _BOOL},
    "product.category": {"name": _CHAR, "parent_id": Field("m2o", "product.category")},
    "product.product": {
        "name": _CHAR,
        "default_code": _CHAR,
        "barcode": _CHAR,
        "active": _BOOL,
        "categ_id": Field("m2o", "product.category"),
        "description_sale": _TEXT,
        "x_device_status": _CHAR,
        "company_id": Field("m2o", "res.company"),
    },
    "project.project": {"name": _CHAR, "active": _BOOL},
    "project.tags": {"name": _CHAR},
    "project.task": {
        "name": _CHAR,
        "description": _TEXT,
        "project_id": Field("m2o", "project.project"),
        "partner_id": Field("m2o", "res.partner"),
        "date_deadline": Field("date"),
        "tag_ids": Field("m2m", "project.tags"),
        "active": _BOOL,
    },
    "helpdesk.tag": {"name": _CHAR},
    "helpdesk.team": {"name": _CHAR},
    "helpdesk.ticket": {
        "name": _CHAR,
        "description": _TEXT,
        "team_id": Field("m2o", "helpdesk.team"),
        "partner_id": Field("m2o", "res.partner"),
        "tag_ids": Field("m2m", "helpdesk.tag"),
        "active": _BOOL,
    },
}
MAGIC_FIELDS = ("id", "display_name", "write_date", "create_date")
METHODS = frozenset(
    {
        "search_read",
        "search",
        "search_count",
        "read",
        "create",
        "write",
        "unlink",
        "fields_get",
        "message_post",
    }
)
CHATTER_MODELS = frozenset({"project.task", "helpdesk.ticket"})


class OdooDatabase:
    """One database. Thread-safe; every public method takes the lock."""

    def __init__(
        self,
        name: str = "golden-crust",
        *,
        seed_offset: int = 0,
        helpdesk: bool = False,
        clock: Callable[[], datetime] | None = None,
        populate: bool = True,
    ) -> None:
        self.name = name
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._tables: dict[str, dict[int, dict[str, Any]]] = {model: {} for model in SCHEMA}
        if not helpdesk:
            for model in ("helpdesk.ticket", "helpdesk.tag", "helpdesk.team"):
                del self._tables[model]
        self._next_id: dict[str, int] = dict.fromkeys(self._tables, 1)
        self.messages: list[dict[str, Any]] = []  # chatter posts (mail.message)
        if populate:
            self._populate(seed_offset)

    # --- seeding and direct manipulation (for tests and the demo) ----------------------

    def _populate(self, seed_offset: int) -> None:
        company = self.create("res.company", [{"name": "Golden Crust Pest Services"}])[0]
        self.company_id = company
        self.create("res.partner", [{"name": "Golden Crust Bakeries Ltd"}])
        # The "Inspection Points" id differs per database: pad with other categories first.
        all_categ = self.create("product.category", [{"name": "All"}])[0]
        for index in range(seed_offset):
            self.create("product.category", [{"name": f"Other {index}", "parent_id": all_categ}])
        self.create("product.category", [{"name": "Consumables", "parent_id": all_categ}])
        self.inspection_category_id = self.create(
            "product.category", [{"name": seed.CATEGORY, "parent_id": all_categ}]
        )[0]
        consumables = self.search("product.category", [["name", "=", "Consumables"]])[0]
        for name, code, barcode in seed.OTHER_PRODUCTS:
            self.create(
                "product.product",
                [{"name": name, "default_code": code, "barcode": barcode, "categ_id": consumables}],
            )
        for point in seed.POINTS:
            self.add_point(point.product_name, point.reference, point.deveui, point.description)
        self.create("project.project", [{"name": "Pest incidents"}])
        if "helpdesk.team" in self._tables:
            self.create("helpdesk.team", [{"name": "Pest control"}])

    def add_point(
        self,
        name: str,
        reference: str | None = None,
        barcode: str | None = None,
        description: str | None = None,
        *,
        active: bool = True,
    ) -> int:
        """Create an inspection point as a user would in Odoo; returns its id."""
        vals = {
            "name": name,
            "default_code": reference or False,
            "barcode": barcode or False,
            "description_sale": description or False,
            "categ_id": self.inspection_category_id,
            "active": active,
        }
        return self.create("product.product", [vals])[0]

    def update(self, model: str, record_id: int, **vals: Any) -> None:
        """Change a record as a user would (bumps write_date)."""
        self.write(model, [record_id], vals)

    def backdate(self, seconds: float) -> None:
        """Move every write_date `seconds` into the past (to test incremental reads)."""
        with self._lock:
            for table in self._tables.values():
                for record in table.values():
                    stamp = datetime.strptime(record["write_date"], DATETIME_FORMAT)
                    moved = stamp - timedelta(seconds=seconds)
                    record["write_date"] = moved.strftime(DATETIME_FORMAT)

    def delete(self, model: str, record_id: int) -> None:
        self.unlink(model, [record_id])

    def raw(self, model: str, record_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._table(model)[record_id])

    def records(self, model: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._table(model).values()]

    # --- the ORM methods the protocols expose ------------------------------------------

    def call(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if method not in METHODS:
            raise UnknownModel(f"The method '{method}' does not exist on the model '{model}'")
        self._table(model)
        kwargs = dict(kwargs)
        context = dict(kwargs.pop("context", None) or {})
        with self._lock:
            if method == "search_read":
                return self.search_read(model, *args, context=context, **kwargs)
            if method == "search":
                return self.search(model, *args, context=context, **kwargs)
            if method == "search_count":
                return len(self.search(model, *args, context=context, **kwargs))
            if method == "read":
                return self.read(model, *args, **kwargs)
            if method == "create":
                return self.create(model, *args, **kwargs)
            if method == "write":
                return self.write(model, *args, **kwargs)
            if method == "unlink":
                return self.unlink(model, *args, **kwargs)
            if method == "message_post":
                return self.message_post(model, *args, **kwargs)
            return {name: {"type": spec.type} for name, spec in SCHEMA[model].items()}

    def search(
        self,
        model: str,
        domain: list | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict | None = None,
    ) -> list[int]:
        with self._lock:
            table = self._table(model)
            domain = list(domain or [])
            active_test = (context or {}).get("active_test", True)
            if active_test and "active" in SCHEMA[model] and not _mentions(domain, "active"):
                domain = (
                    ["&", ["active", "=", True], *domain] if domain else [["active", "=", True]]
                )
            rows = [r for r in table.values() if _matches(model, r, domain, self)]
            for field_name, descending in reversed(_parse_order(order, model)):
                rows.sort(key=lambda r, f=field_name: _sort_key(r.get(f)), reverse=descending)
            ids = [r["id"] for r in rows]
            end = None if not limit else offset + int(limit)
            return ids[int(offset or 0) : end]

    def search_read(
        self,
        model: str,
        domain: list | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict | None = None,
    ) -> list[dict[str, Any]]:
        with self._lock:
            ids = self.search(model, domain, offset, limit, order, context)
            return self.read(model, ids, fields)

    def read(self, model: str, ids: list[int], fields: list[str] | None = None) -> list[dict]:
        with self._lock:
            table = self._table(model)
            missing = [i for i in ids if i not in table]
            if missing:
                raise MissingError(
                    f"Record does not exist or has been deleted.\n(Record: {model}({missing[0]},))"
                )
            names = list(fields) if fields else [*SCHEMA[model], *MAGIC_FIELDS]
            self._check_fields(model, [n for n in names if n not in MAGIC_FIELDS])
            return [self._export(model, table[i], names) for i in ids]

    def create(self, model: str, vals_list: list[dict] | dict) -> list[int] | int:
        single = isinstance(vals_list, dict)
        with self._lock:
            ids = [self._create_one(model, vals) for vals in ([vals_list] if single else vals_list)]
        return ids[0] if single else ids

    def write(self, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
        with self._lock:
            table = self._table(model)
            for record_id in ids:
                if record_id not in table:
                    raise MissingError(
                        f"Record does not exist or has been deleted.\n(Record: {model}({record_id},))"
                    )
            clean = self._import(model, vals)
            for record_id in ids:
                self._check_constraints(model, {**table[record_id], **clean}, record_id)
            for record_id in ids:
                table[record_id].update(clean)
                table[record_id]["write_date"] = self._now()
            return True

    def message_post(
        self, model: str, ids: list[int], body: str = "", message_type: str = "comment", **_: Any
    ) -> int:
        """Post a note in a record's chatter (mail.thread); returns the message id."""
        with self._lock:
            if model not in CHATTER_MODELS:
                raise ServerError(f"'{model}' object has no attribute 'message_post'")
            table = self._table(model)
            if len(ids) != 1 or ids[0] not in table:
                raise MissingError("Record does not exist or has been deleted.")
            self.messages.append(
                {
                    "id": len(self.messages) + 1,
                    "model": model,
                    "res_id": ids[0],
                    "body": body,
                    "message_type": message_type,
                }
            )
            return len(self.messages)

    def unlink(self, model: str, ids: list[int]) -> bool:
        with self._lock:
            table = self._table(model)
            for record_id in ids:
                if record_id not in table:
                    raise MissingError("Record does not exist or has been deleted.")
            for record_id in ids:
                del table[record_id]
            return True

    # --- internals ---------------------------------------------------------------------

    def _now(self) -> str:
        return self.clock().astimezone(UTC).strftime(DATETIME_FORMAT)  # whole seconds, UTC

    def _table(self, model: str) -> dict[int, dict[str, Any]]:
        try:
            return self._tables[model]
        except KeyError:
            raise UnknownModel(f"Object {model} doesn't exist") from None

    def _check_fields(self, model: str, names: list[str]) -> None:
        for name in names:
            if name not in SCHEMA[model]:
                raise ServerError(f"Invalid field '{name}' on model '{model}'")

    def _create_one(self, model: str, vals: dict[str, Any]) -> int:
        table = self._table(model)
        clean = self._import(model, vals)
        record = {name: spec.default for name, spec in SCHEMA[model].items()}
        if "company_id" in record and not clean.get("company_id"):
            record["company_id"] = getattr(self, "company_id", False)
        record.update(clean)
        self._check_constraints(model, record, None)
        record_id = self._next_id[model]
        self._next_id[model] += 1
        now = self._now()
        record.update(id=record_id, create_date=now, write_date=now)
        table[record_id] = record
        return record_id

    def _import(self, model: str, vals: dict[str, Any]) -> dict[str, Any]:
        self._check_fields(model, list(vals))
        clean: dict[str, Any] = {}
        for name, value in vals.items():
            spec = SCHEMA[model][name]
            if spec.type == "m2o":
                if isinstance(value, list | tuple):  # tolerate [id, name]
                    value = value[0] if value else False
                if value and int(value) not in self._table(spec.relation or ""):
                    raise MissingError(f"Record does not exist: {spec.relation}({value},)")
                clean[name] = int(value) if value else False
            elif spec.type == "m2m":
                clean[name] = _apply_m2m_commands(value)
            elif spec.type == "bool":
                clean[name] = bool(value)
            elif spec.type in ("char", "text"):
                clean[name] = value if value not in (None, "") else False
            else:
                clean[name] = value if value is not None else False
        return clean

    def _check_constraints(self, model: str, record: dict[str, Any], record_id: int | None) -> None:
        if model == "product.product" and record.get("barcode"):
            for other in self._tables[model].values():
                if (
                    other["id"] != record_id
                    and other.get("barcode") == record["barcode"]
                    and other.get("company_id") == record.get("company_id")
                ):
                    raise ValidationError(
                        "Barcode(s) already assigned:\n\n"
                        f'- Barcode "{record["barcode"]}" already assigned to product(s): '
                        f"{other['name']}"
                    )
        if not record.get("name") and "name" in SCHEMA[model]:
            raise ValidationError(f"The field 'name' is required on {model}")

    def _export(self, model: str, record: dict[str, Any], names: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record["id"]}
        for name in names:
            if name == "display_name":
                out[name] = record.get("name") or False
                continue
            value = record.get(name, False)
            spec = SCHEMA[model].get(name)
            if spec and spec.type == "m2o":
                if value and spec.relation:
                    related = self._tables[spec.relation].get(value)
                    out[name] = [value, related.get("name") if related else False]
                else:
                    out[name] = False
            elif spec and spec.type == "m2m":
                out[name] = list(value or [])
            else:
                out[name] = value if value not in (None, "") else False
        return out


def _apply_m2m_commands(value: Any) -> list[int]:
    """Odoo x2many commands: (6, 0, ids) set, (4, id) link; plain ids are a set."""
    ids: list[int] = []
    for item in value or []:
        if isinstance(item, list | tuple):
            if item[0] == 6:
                ids = list(item[2])
            elif item[0] == 4:
                ids.append(item[1])
            elif item[0] == 5:
                ids = []
        else:
            ids.append(int(item))
    return ids


def _mentions(domain: list, field_name: str) -> bool:
    return any(isinstance(leaf, list | tuple) and leaf and leaf[0] == field_name for leaf in domain)


def _parse_order(order: str | None, model: str) -> list[tuple[str, bool]]:
    parts = []
    for chunk in (order or "id").split(","):
        words = chunk.split()
        if not words:
            continue
        if words[0] not in SCHEMA[model] and words[0] not in MAGIC_FIELDS:
            raise ServerError(f"Invalid field '{words[0]}' in order")
        parts.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
    return parts


def _sort_key(value: Any) -> tuple:
    if value is False or value is None:
        return (0, "")
    return (1, value)


def _matches(model: str, record: dict, domain: list, db: OdooDatabase) -> bool:
    """Evaluate an Odoo domain (Polish notation with &, |, !) against one record."""
    stack: list[bool] = []
    for token in reversed(domain):
        if token == "&":
            left, right = stack.pop(), stack.pop()  # pop both: no short-circuit
            stack.append(left and right)
        elif token == "|":
            left, right = stack.pop(), stack.pop()
            stack.append(left or right)
        elif token == "!":
            stack.append(not stack.pop())
        else:
            stack.append(_leaf(model, record, token, db))
    return all(stack)


def _leaf(model: str, record: dict, leaf: list | tuple, db: OdooDatabase) -> bool:
    if len(leaf) != 3:
        raise ServerError(f"Invalid leaf {leaf!r}")
    name, op, value = leaf
    if name not in SCHEMA[model] and name not in MAGIC_FIELDS:
        raise ServerError(f"Invalid field {model}.{name} in leaf {leaf!r}")
    actual = record.get(name, False)
    spec = SCHEMA[model].get(name)
    if spec and spec.type == "m2o" and isinstance(value, str) and op in ("=", "ilike"):
        related = db._tables[spec.relation or ""].get(actual) if actual else None
        actual = related.get("name") if related else False
    if op == "=":
        return actual == value or (value is False and actual in (False, None))
    if op == "!=":
        return not (actual == value or (value is False and actual in (False, None)))
    if op == "in":
        return actual in value
    if op == "not in":
        return actual not in value
    if op in ("ilike", "like", "=ilike"):
        if not actual:
            return False
        if op == "=ilike":
            pattern = "^" + re.escape(str(value)).replace("%", ".*").replace("_", ".") + "$"
            return re.match(pattern, str(actual), re.IGNORECASE) is not None
        haystack, needle = str(actual), str(value)
        return needle.lower() in haystack.lower() if op == "ilike" else needle in haystack
    if actual is False or actual is None:
        return False
    if op == ">":
        return actual > value
    if op == ">=":
        return actual >= value
    if op == "<":
        return actual < value
    if op == "<=":
        return actual <= value
    raise ServerError(f"Invalid operator {op!r}")
