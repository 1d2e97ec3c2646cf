"""A tiny in-memory Odoo database that behaves the way ../shared/contracts/odoo-api.md says.

Only what Sync Bridge uses is modelled, but modelled the way a stock Odoo 19 does it:
`False` for empty values, many2one read as `[id, "display name"]`, `write_date` truncated
to whole seconds, archived records hidden unless `context.active_test` is false, `barcode`
unique per company (a ValidationError naming every product that holds it), `read`
silently leaving out missing ids while `write` raises MissingError, ValueError for unknown
fields with Odoo's own texts, HTML task descriptions, no custom field until an admin
creates one through `ir.model.fields`. Every call is one transaction: a failure leaves
nothing behind.

The ORM methods take an `Env` (model, ids, context, user) first and then Odoo's own
parameters, so the protocol front-ends (`app.py`) can bind arguments the way Odoo does:
JSON-2 by name, XML-RPC positionally through `call_kw` (where a `create` without
positional values is an IndexError).
"""

from __future__ import annotations

import copy
import html
import inspect
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from syncbridge_local.simulators.odoo import seed

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUPERUSER = 1


class OdooException(Exception):
    """An `odoo.exceptions.*` raised inside the simulator (`name` is its class path)."""

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


class ServerError(OdooException):
    """A plain Python exception inside Odoo (ValueError, TypeError, IndexError...):
    JSON-2 500 `builtins.<type>`, XML-RPC Fault 1 with the traceback."""

    http_status = 500
    fault_code = 1

    def __init__(self, message: str, exc_type: str = "ValueError") -> None:
        super().__init__(message)
        self.exc_type = exc_type
        self.name = f"builtins.{exc_type}"


class UnknownModel(Exception):
    """The model is not installed (JSON-2: 404 NotFound; XML-RPC: Fault 2 UserError)."""

    def __init__(self, model: str) -> None:
        super().__init__(model)
        self.model = model


class UnknownMethod(Exception):
    """No such public method (JSON-2: 404 NotFound; XML-RPC: Fault 1 AttributeError)."""

    def __init__(self, model: str, method: str) -> None:
        super().__init__(f"The method '{model}.{method}' does not exist")


@dataclass(frozen=True)
class Field:
    type: str  # char, text, html, bool, int, m2o, m2m, datetime, date
    relation: str | None = None
    default: Any = False
    string: str = ""


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
        "type": Field("char", default="consu"),
        "sale_ok": _BOOL,
        "purchase_ok": _BOOL,
        "company_id": Field("m2o", "res.company"),
    },
    "project.project": {"name": _CHAR, "active": _BOOL},
    "project.tags": {"name": _CHAR},
    "project.task.type": {"name": _CHAR},
    "project.task": {
        "name": _CHAR,
        "description": Field("html"),
        "project_id": Field("m2o", "project.project"),
        "partner_id": Field("m2o", "res.partner"),
        "date_deadline": Field("date"),
        "tag_ids": Field("m2m", "project.tags"),
        "stage_id": Field("m2o", "project.task.type"),
        "active": _BOOL,
    },
    "helpdesk.tag": {"name": _CHAR},
    "helpdesk.team": {"name": _CHAR},
    "helpdesk.ticket": {
        "name": _CHAR,
        "description": Field("html"),
        "team_id": Field("m2o", "helpdesk.team"),
        "partner_id": Field("m2o", "res.partner"),
        "tag_ids": Field("m2m", "helpdesk.tag"),
        "active": _BOOL,
    },
    "ir.model": {"model": _CHAR, "name": _CHAR},
    "ir.model.fields": {
        "name": _CHAR,
        "model": _CHAR,
        "model_id": Field("m2o", "ir.model"),
        "field_description": _CHAR,
        "ttype": _CHAR,
        "store": _BOOL,
    },
}
MODEL_NAMES = {
    "product.product": "Product Variant",
    "product.category": "Product Category",
    "project.task": "Task",
    "project.project": "Project",
}
MAGIC_FIELDS = ("id", "display_name", "write_date", "create_date")
HELPDESK_MODELS = ("helpdesk.ticket", "helpdesk.tag", "helpdesk.team")
CHATTER_MODELS = frozenset({"project.task", "helpdesk.ticket"})
# Odoo's @api.model methods: called without ids (JSON-2 refuses ids for them).
MODEL_METHODS = frozenset({"search", "search_read", "search_count", "create", "fields_get"})
RECORD_METHODS = frozenset({"read", "write", "unlink", "message_post"})
WRITE_METHODS = frozenset({"create", "write", "unlink", "message_post"})
CUSTOM_TYPES = {"char": "char", "text": "text", "boolean": "bool", "integer": "int"}


@dataclass
class Env:
    """What Odoo's record-set carries into a method: model, ids, context, user."""

    model: str
    ids: list[int] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    uid: int = SUPERUSER


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
        self.schema: dict[str, dict[str, Field]] = {
            model: dict(fields)
            for model, fields in SCHEMA.items()
            if helpdesk or model not in HELPDESK_MODELS
        }
        self._tables: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in self.schema}
        self._next_id: dict[str, int] = dict.fromkeys(self._tables, 1)
        self.messages: list[dict[str, Any]] = []  # chatter posts (mail.message)
        self.company_id: int | bool = False
        for model in self.schema:
            self._insert("ir.model", {"model": model, "name": MODEL_NAMES.get(model, model)})
        if populate:
            self._populate(seed_offset)

    # --- seeding and direct manipulation (for tests and the demo) ----------------------

    def _insert(self, model: str, vals: dict[str, Any]) -> int:
        return self._create_one(Env(model), vals)

    def _populate(self, seed_offset: int) -> None:
        self.company_id = self._insert("res.company", {"name": "Golden Crust Pest Services"})
        self._insert("res.partner", {"name": "Golden Crust Bakeries Ltd"})
        # The "Inspection Points" id differs per database: pad with other categories first.
        all_categ = self._insert("product.category", {"name": "All"})
        for index in range(seed_offset):
            self._insert("product.category", {"name": f"Other {index}", "parent_id": all_categ})
        consumables = self._insert("product.category", {"name": "Consumables"})
        self.inspection_category_id = self._insert(
            "product.category", {"name": seed.CATEGORY, "parent_id": all_categ}
        )
        for name, code, barcode in seed.OTHER_PRODUCTS:
            self._insert(
                "product.product",
                {"name": name, "default_code": code, "barcode": barcode, "categ_id": consumables},
            )
        for point in seed.POINTS:
            self.add_point(point.product_name, point.reference, point.deveui)
        self._insert("project.project", {"name": seed.INCIDENT_PROJECT})
        if "helpdesk.team" in self._tables:
            self._insert("helpdesk.team", {"name": "Pest control"})

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
            "sale_ok": False,
            "purchase_ok": False,
        }
        with self._lock:
            return self._insert("product.product", vals)

    def add_field(self, model: str, name: str, ttype: str = "char") -> None:
        """What an admin does in Settings > Technical > Fields (e.g. `x_device_status`)."""
        with self._lock:
            model_id = self.search(Env("ir.model"), [["model", "=", model]])[0]
            self.create(
                Env("ir.model.fields"),
                [{"name": name, "model_id": model_id, "ttype": ttype, "field_description": name}],
            )

    def update(self, model: str, record_id: int, **vals: Any) -> None:
        """Change a record as a user would (bumps write_date)."""
        with self._lock:
            self.write(Env(model, [record_id]), vals)

    def backdate(self, seconds: float) -> None:
        """Move every write_date `seconds` into the past (to test incremental reads)."""
        with self._lock:
            for table in self._tables.values():
                for record in table.values():
                    stamp = datetime.strptime(record["write_date"], DATETIME_FORMAT)
                    moved = stamp - timedelta(seconds=seconds)
                    record["write_date"] = moved.strftime(DATETIME_FORMAT)

    def delete(self, model: str, record_id: int) -> None:
        with self._lock:
            self.unlink(Env(model, [record_id]))

    def raw(self, model: str, record_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._table(model)[record_id])

    def records(self, model: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._table(model).values()]

    def search_ids(self, model: str, domain: list) -> list[int]:
        with self._lock:
            return self.search(Env(model, context={"active_test": False}), domain)

    # --- dispatch: one transaction per call --------------------------------------------

    def method(self, model: str, name: str) -> Callable[..., Any]:
        """The ORM method `name` (bound), after checking the model exists."""
        self._table(model)
        if name.startswith("_"):
            raise AccessError(
                f"Private methods (such as '{model}.{name}') cannot be called remotely."
            )
        if name not in MODEL_METHODS | RECORD_METHODS:
            raise UnknownMethod(model, name)
        if name == "message_post" and model not in CHATTER_MODELS:
            raise UnknownMethod(model, name)
        return getattr(self, name)

    def signature(self, model: str, name: str) -> inspect.Signature:
        return inspect.signature(self.method(model, name))

    def run(self, name: str, env: Env, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Call the ORM method in one transaction: any failure rolls everything back."""
        fn = self.method(env.model, name)
        with self._lock:
            saved = self._snapshot() if name in WRITE_METHODS else None
            try:
                return fn(env, *args, **kwargs)
            except Exception as exc:
                if saved is not None:
                    self._restore(saved)
                if isinstance(exc, OdooException | UnknownModel | UnknownMethod):
                    raise
                raise ServerError(str(exc), type(exc).__name__) from None

    def _snapshot(self) -> tuple:
        return (
            copy.deepcopy(self._tables),
            dict(self._next_id),
            {m: dict(f) for m, f in self.schema.items()},
            len(self.messages),
        )

    def _restore(self, saved: tuple) -> None:
        tables, next_id, schema, messages = saved
        self._tables, self._next_id, self.schema = tables, next_id, schema
        del self.messages[messages:]

    # --- the ORM methods, with Odoo's parameters ---------------------------------------

    def search(
        self,
        env: Env,
        domain: list,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[int]:
        model = env.model
        table = self._table(model)
        domain = list(domain or [])
        active_test = env.context.get("active_test", True)
        if active_test and "active" in self.schema[model] and not _mentions(domain, "active"):
            domain = ["&", ["active", "=", True], *domain] if domain else [["active", "=", True]]
        rows = [r for r in table.values() if self._matches(model, r, domain)]
        for field_name, descending in reversed(self._parse_order(order, model)):
            rows.sort(key=lambda r, f=field_name: _sort_key(r.get(f)), reverse=descending)
        ids = [r["id"] for r in rows]
        end = None if not limit else int(offset or 0) + int(limit)
        return ids[int(offset or 0) : end]

    def search_count(self, env: Env, domain: list, limit: int | None = None) -> int:
        return len(self.search(env, domain, limit=limit))

    def search_read(
        self,
        env: Env,
        domain: list | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        **read_kwargs: Any,
    ) -> list[dict[str, Any]]:
        ids = self.search(env, domain or [], offset, limit, order)
        return self.read(Env(env.model, ids, env.context, env.uid), fields, **read_kwargs)

    def read(
        self, env: Env, fields: list[str] | None = None, load: str = "_classic_read"
    ) -> list[dict]:
        """Records that exist; a missing id is silently left out, as in Odoo 19."""
        table = self._table(env.model)
        names = list(fields) if fields else [*self.schema[env.model], *MAGIC_FIELDS]
        for name in names:
            if name not in self.schema[env.model] and name not in MAGIC_FIELDS:
                raise ServerError(f"Invalid field {name!r} on {env.model!r}")
        return [self._export(env.model, table[i], names) for i in env.ids if i in table]

    def create(self, env: Env, vals_list: list[dict] | dict) -> list[int]:
        many = vals_list if isinstance(vals_list, list) else [vals_list]
        return [self._create_one(env, vals) for vals in many]

    def write(self, env: Env, vals: dict[str, Any]) -> bool:
        table = self._table(env.model)
        self._require(env)
        clean = self._import(env.model, vals, "in")
        for record_id in env.ids:
            table[record_id].update(clean)
            table[record_id]["write_date"] = self._now()
        for record_id in env.ids:
            self._check_constraints(env.model, table[record_id])
        return True

    def unlink(self, env: Env) -> bool:
        table = self._table(env.model)
        self._require(env)
        for record_id in env.ids:
            record = table.pop(record_id)
            if env.model == "ir.model.fields":
                self.schema[record["model"]].pop(record["name"], None)
                for row in self._tables[record["model"]].values():
                    row.pop(record["name"], None)
        return True

    def fields_get(
        self, env: Env, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        specs = {name: spec for name, spec in self.schema[env.model].items()}
        out: dict[str, dict[str, Any]] = {}
        for name in [*specs, *MAGIC_FIELDS]:
            if allfields and name not in allfields:
                continue
            spec = specs.get(name)
            ftype = _EXPORT_TYPES.get(spec.type, spec.type) if spec else _MAGIC_TYPES[name]
            info: dict[str, Any] = {
                "type": ftype,
                "string": (spec.string if spec else "") or name.replace("_", " ").title(),
            }
            if spec and spec.relation:
                info["relation"] = spec.relation
            out[name] = {k: v for k, v in info.items() if not attributes or k in attributes}
        return out

    def message_post(
        self, env: Env, *, body: str = "", message_type: str = "notification", **_: Any
    ) -> list[int]:
        """A chatter post (mail.thread); the new message as a list of ids, as Odoo answers."""
        table = self._table(env.model)
        if len(env.ids) != 1:
            raise ServerError(f"Expected singleton: {env.model}{tuple(env.ids)}")
        self._require(env)
        message_id = len(self.messages) + 1
        self.messages.append(
            {
                "id": message_id,
                "model": env.model,
                "res_id": env.ids[0],
                "body": _as_html(body),
                "message_type": message_type,
            }
        )
        table[env.ids[0]]["write_date"] = self._now()
        return [message_id]

    # --- internals ---------------------------------------------------------------------

    def _now(self) -> str:
        return self.clock().astimezone(UTC).strftime(DATETIME_FORMAT)  # whole seconds, UTC

    def _table(self, model: str) -> dict[int, dict[str, Any]]:
        try:
            return self._tables[model]
        except KeyError:
            raise UnknownModel(model) from None

    def _require(self, env: Env) -> None:
        table = self._table(env.model)
        missing = [i for i in env.ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {env.model}({missing[0]},), User: {env.uid})"
            )

    def _create_one(self, env: Env, vals: dict[str, Any]) -> int:
        model = env.model
        table = self._table(model)
        if not isinstance(vals, Mapping):
            raise ServerError(f"'{type(vals).__name__}' object has no attribute 'items'",
                              "AttributeError")  # fmt: skip
        if model == "ir.model.fields":
            return self._create_field(vals)
        clean = self._import(model, dict(vals), "in")
        record = {name: spec.default for name, spec in self.schema[model].items()}
        if "company_id" in record and not clean.get("company_id"):
            record["company_id"] = self.company_id
        record.update(clean)
        if not record.get("name") and "name" in self.schema[model]:
            raise ValidationError(
                f"The operation cannot be completed: Missing required fields on {model}: name"
            )
        record_id = self._next_id[model]
        self._next_id[model] += 1
        now = self._now()
        record.update(id=record_id, create_date=now, write_date=now)
        table[record_id] = record
        self._check_constraints(model, record)
        return record_id

    def _create_field(self, vals: Mapping[str, Any]) -> int:
        """A custom field, as Settings > Technical > Fields makes one."""
        name = str(vals.get("name") or "")
        if not name.startswith("x_"):
            raise UserError(
                "The operation cannot be completed: Custom fields must have a name that "
                "starts with 'x_'!"
            )
        model_id = vals.get("model_id")
        model_row = self._tables["ir.model"].get(int(model_id or 0))
        if model_row is None:
            raise ValidationError("The operation cannot be completed: Missing required fields")
        model = model_row["model"]
        if name in self.schema[model]:
            raise ValidationError(f"Field names must be unique per model: {name}")
        ttype = CUSTOM_TYPES.get(str(vals.get("ttype") or "char"), "char")
        self.schema[model][name] = Field(ttype, string=str(vals.get("field_description") or ""))
        record_id = self._next_id["ir.model.fields"]
        self._next_id["ir.model.fields"] += 1
        now = self._now()
        self._tables["ir.model.fields"][record_id] = {
            "id": record_id,
            "name": name,
            "model": model,
            "model_id": model_row["id"],
            "field_description": vals.get("field_description") or name,
            "ttype": vals.get("ttype") or "char",
            "store": True,
            "create_date": now,
            "write_date": now,
        }
        return record_id

    def _import(self, model: str, vals: dict[str, Any], preposition: str) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for name, value in vals.items():
            spec = self.schema[model].get(name)
            if spec is None:
                raise ServerError(f"Invalid field {name!r} {preposition} {model!r}")
            if spec.type == "m2o":
                if isinstance(value, list | tuple):
                    value = value[0] if value else False
                if value and int(value) not in self._table(spec.relation or ""):
                    raise MissingError(
                        "Record does not exist or has been deleted.\n"
                        f"(Record: {spec.relation}({value},), User: {SUPERUSER})"
                    )
                clean[name] = int(value) if value else False
            elif spec.type == "m2m":
                clean[name] = _apply_m2m_commands(value)
            elif spec.type == "bool":
                clean[name] = bool(value)
            elif spec.type == "html":
                clean[name] = _as_html(value) if value else False
            elif spec.type in ("char", "text"):
                clean[name] = value if value not in (None, "") else False
            else:
                clean[name] = value if value is not None else False
        return clean

    def _check_constraints(self, model: str, record: dict[str, Any]) -> None:
        """Barcodes are unique per company; the error names every product holding one."""
        if model != "product.product" or not record.get("barcode"):
            return
        holders = sorted(
            (
                other
                for other in self._tables[model].values()
                if other.get("barcode") == record["barcode"]
                and other.get("company_id") == record.get("company_id")
            ),
            key=lambda r: r["id"],
        )
        if len(holders) < 2:
            return
        names = [
            f"[{r['default_code']}] {r['name']}" if r.get("default_code") else str(r["name"])
            for r in holders
        ]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        raise ValidationError(
            "Barcode(s) already assigned:\n\n"
            f'- Barcode "{record["barcode"]}" already assigned to product(s): {listed}\n\n'
            "Note: products that you don't have access to will not be shown above."
        )

    def _export(self, model: str, record: dict[str, Any], names: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record["id"]}
        for name in names:
            if name == "display_name":
                out[name] = record.get("name") or False
                continue
            value = record.get(name, False)
            spec = self.schema[model].get(name)
            if spec and spec.type == "m2o":
                related = self._tables[spec.relation or ""].get(value) if value else None
                out[name] = [value, related.get("name") or False] if related else False
            elif spec and spec.type == "m2m":
                out[name] = list(value or [])
            else:
                out[name] = value if value not in (None, "") else False
        return out

    def _parse_order(self, order: str | None, model: str) -> list[tuple[str, bool]]:
        parts = []
        for chunk in (order or "id").split(","):
            words = chunk.split()
            if not words:
                continue
            if words[0] not in self.schema[model] and words[0] not in MAGIC_FIELDS:
                raise ServerError(f"Invalid field {words[0]!r} on model {model!r}")
            parts.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
        return parts

    def _matches(self, model: str, record: dict, domain: list) -> bool:
        """Evaluate an Odoo domain (Polish notation with &, |, !) against one record."""
        stack: list[bool] = []
        for token in reversed(domain):
            if token == "&":
                left, right = stack.pop(), stack.pop()
                stack.append(left and right)
            elif token == "|":
                left, right = stack.pop(), stack.pop()
                stack.append(left or right)
            elif token == "!":
                stack.append(not stack.pop())
            else:
                stack.append(self._leaf(model, record, token))
        return all(stack)

    def _leaf(self, model: str, record: dict, leaf: list | tuple) -> bool:
        if not isinstance(leaf, list | tuple) or len(leaf) != 3:
            raise ServerError(f"Invalid leaf {leaf!r}")
        path, op, value = leaf
        name, _, sub = str(path).partition(".")
        spec = self.schema[model].get(name)
        if spec is None and name not in MAGIC_FIELDS:
            raise ServerError(f"Invalid field {model}.{name} in condition {tuple(leaf)!r}")
        actual = record.get(name, False)
        if spec and spec.type == "m2o" and (sub or isinstance(value, str)):
            related = self._tables[spec.relation or ""].get(actual) if actual else None
            actual = related.get(sub or "name", False) if related else False
        return _compare(actual, op, value)


_EXPORT_TYPES = {"m2o": "many2one", "m2m": "many2many", "bool": "boolean", "int": "integer"}
_MAGIC_TYPES = {"id": "integer", "display_name": "char", "write_date": "datetime",
                "create_date": "datetime"}  # fmt: skip


def _as_html(value: Any) -> str:
    """Odoo's HTML fields store markup; plain text becomes one escaped paragraph."""
    text = str(value)
    return text if text.lstrip().startswith("<") else f"<p>{html.escape(text)}</p>"


def _compare(actual: Any, op: str, value: Any) -> bool:
    if op == "=":
        return actual == value or (value is False and actual in (False, None))
    if op == "!=":
        return not (actual == value or (value is False and actual in (False, None)))
    if op == "in":
        return actual in value
    if op == "not in":
        return actual not in value
    if op in ("ilike", "like", "=ilike", "=like", "not ilike"):
        if op == "not ilike":
            return not _compare(actual, "ilike", value)
        if not actual:
            return False
        if op in ("=ilike", "=like"):
            pattern = "^" + re.escape(str(value)).replace("%", ".*").replace("_", ".") + "$"
            flags = re.IGNORECASE if op == "=ilike" else 0
            return re.match(pattern, str(actual), flags) is not None
        haystack, needle = str(actual), str(value)
        return needle.lower() in haystack.lower() if op == "ilike" else needle in haystack
    if actual is False or actual is None:
        return False
    comparisons = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    if op not in comparisons:
        raise ServerError(f"Invalid operator {op!r}")
    return comparisons[op](actual, value)


def _apply_m2m_commands(value: Any) -> list[int]:
    """Odoo x2many commands: (6, 0, ids) set, (4, id) link, (5,) clear; plain ids are a set."""
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


def _sort_key(value: Any) -> tuple:
    if value is False or value is None:
        return (0, "")
    return (1, value)
