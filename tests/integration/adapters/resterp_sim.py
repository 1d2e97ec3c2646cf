"""A tiny simulator of the generic REST ERP (`syncbridge.adapters.resterp`), for the tests.

Seeded with the same Golden Crust points as the Odoo simulator; the category id is not
"1" on purpose. Reuses the Odoo simulator's fault kit (429/5xx, slow, down).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from syncbridge_local.simulators.odoo import seed
from syncbridge_local.simulators.odoo.simkit import Faults, SimulatedServer

API_KEY = "resterp-sim-key-51ab"
CATEGORY_ID = "cat-ip-7"


class RestErpState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.categories = {CATEGORY_ID: "Inspection Points", "cat-misc-2": "Consumables"}
        self.points: dict[str, dict[str, Any]] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        self._next = 100
        self.add_point("Rodenticide bait block 5kg", "BAIT-5KG", category_id="cat-misc-2")
        for point in seed.POINTS:
            self.add_point(point.product_name, point.reference, point.deveui)

    def add_point(
        self,
        name: str,
        reference: str | None = None,
        barcode: str | None = None,
        description: str | None = None,
        *,
        active: bool = True,
        category_id: str = CATEGORY_ID,
    ) -> str:
        with self.lock:
            self._next += 1
            point_id = f"P{self._next}"
            self.points[point_id] = {
                "id": point_id,
                "ref": reference,
                "name": name,
                "barcode": barcode,
                "active": active,
                "category_id": category_id,
                "status": None,
                "location": name,
                "notes": description,
                "updated_at": datetime.now(UTC),
            }
            return point_id

    def update(self, point_id: str, **vals: Any) -> None:
        with self.lock:
            if vals.get("barcode"):
                for other in self.points.values():
                    if other["id"] != point_id and other["barcode"] == vals["barcode"]:
                        raise ValueError("duplicate_barcode")
            self.points[point_id].update(vals, updated_at=datetime.now(UTC))

    def backdate(self, seconds: float) -> None:
        with self.lock:
            for point in self.points.values():
                point["updated_at"] -= timedelta(seconds=seconds)

    def delete(self, point_id: str) -> None:
        with self.lock:
            del self.points[point_id]

    def export(self, point: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in point.items() if k not in ("category_id", "updated_at")}
        out["category"] = {
            "id": point["category_id"],
            "name": self.categories[point["category_id"]],
        }
        out["updated_at"] = point["updated_at"].isoformat()
        return out


class RestErpApp:
    def __init__(self, state: RestErpState) -> None:
        self.state = state

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return _json({"error": "unauthorized"}, 401)
        parts = [p for p in request.path.split("/") if p]
        args = request.args
        with self.state.lock:
            if parts == ["health"]:
                return _json({"status": "ok"})
            if parts == ["categories"]:
                items = [
                    {"id": cid, "name": name}
                    for cid, name in self.state.categories.items()
                    if not args.get("name") or args["name"] == name
                ]
                return _json({"items": items})
            if parts == ["points", "ids"]:
                rows = self._filtered(args)
                return _json({"ids": [p["id"] for p in rows]})
            if parts == ["points"]:
                return self._list(args)
            if len(parts) == 2 and parts[0] == "points":
                point = self.state.points.get(parts[1])
                if point is None:
                    return _json({"error": "not_found", "message": "no such point"}, 404)
                if request.method == "PATCH":
                    body = request.get_json()
                    vals = {k: body[k] for k in ("barcode", "status") if k in body}
                    try:
                        self.state.update(parts[1], **vals)
                    except ValueError:
                        return _json(
                            {"error": "duplicate_barcode", "message": "barcode in use"}, 409
                        )
                return _json(self.state.export(point))
            if parts == ["incidents"] and request.method == "GET":
                key = args.get("dedupe_key")
                items = [i for i in self.state.incidents.values() if i["dedupe_key"] == key]
                return _json({"items": items})
            if len(parts) == 3 and parts[0] == "incidents" and parts[2] == "notes":
                incident = self.state.incidents.get(parts[1])
                if incident is None or request.method != "POST":
                    return _json({"error": "not_found"}, 404)
                incident.setdefault("notes", []).append(request.get_json()["note"])
                return _json({"ok": True}, 201)
            if parts == ["incidents"] and request.method == "POST":
                body = request.get_json()
                for incident in self.state.incidents.values():
                    if incident["dedupe_key"] == body["dedupe_key"]:
                        return _json({"error": "duplicate", "id": incident["id"]}, 409)
                incident_id = f"INC-{uuid.uuid4().hex[:8]}"
                self.state.incidents[incident_id] = {**body, "id": incident_id}
                return _json({"id": incident_id, "dedupe_key": body["dedupe_key"]}, 201)
        return _json({"error": "not_found"}, 404)

    def _filtered(self, args: Any) -> list[dict[str, Any]]:
        include_archived = args.get("include_archived") == "true"
        rows = [
            p
            for p in self.state.points.values()
            if (include_archived or p["active"])
            and (not args.get("category_id") or p["category_id"] == args["category_id"])
        ]
        if args.get("updated_since"):
            since = datetime.fromisoformat(args["updated_since"])
            rows = [p for p in rows if p["updated_at"] >= since]
        return sorted(rows, key=lambda p: (p["updated_at"], p["id"]))

    def _list(self, args: Any) -> Response:
        rows = self._filtered(args)
        if args.get("cursor"):
            stamp, last_id = json.loads(base64.urlsafe_b64decode(args["cursor"]))
            after = (datetime.fromisoformat(stamp), last_id)
            rows = [p for p in rows if (p["updated_at"], p["id"]) > after]
        limit = int(args.get("limit", 100))
        page, more = rows[:limit], len(rows) > limit
        cursor = None
        if more:
            last = page[-1]
            raw = json.dumps([last["updated_at"].isoformat(), last["id"]]).encode()
            cursor = base64.urlsafe_b64encode(raw).decode()
        return _json({"items": [self.state.export(p) for p in page], "next_cursor": cursor})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def start(port: int = 0) -> SimulatedServer:
    state = RestErpState()
    return SimulatedServer(RestErpApp(state), port, "resterp-sim", Faults(), state)
