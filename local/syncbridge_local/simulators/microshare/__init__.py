"""Microshare simulator: auth and API on one loopback port, seeded with Golden Crust.

    sim = start()          # sim.url (API), sim.auth_url (auth: same server), sim.stop()
    sim.state.expire_tokens()            # every issued token now answers 401
    sim.state.read_delay = 0.1           # GETs snapshot, then wait: makes writer races real
    sim.state.add_alert(...)             # a new rodent alert or trap event in a share
    sim.faults.fail_next(503)            # 429/5xx/slow, as the Odoo simulator

Routes: `POST /oauth2/token?username&password&client_id&grant_type=password&scope=ALL:ALL`;
`GET|POST /device/{recType}`, `GET|PUT /device/{recType}/{id}` (PUT replaces the whole
cluster: last writer wins); `GET /share/{recType}?page=&perPage=`. Lists and single
objects come in the envelope `{"meta": {totalPages, currentPage, perPage, totalCount},
"objs": [...]}`.

The local runtime must set MICROSHARE_AUTH_URL from `sim.auth_url` as well as
MICROSHARE_API_URL from `sim.url`; `sim.credentials` is the secret's JSON.
"""

from __future__ import annotations

import copy
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from syncbridge_local.simulators.odoo import seed
from syncbridge_local.simulators.odoo.simkit import Faults, SimulatedServer

DEFAULT_CREDENTIALS = {  # username/client_id as template.yaml's MicroshareSecret template
    "username": "sync-bridge",
    "password": "microshare-sim-password-93",
    "client_id": "sync-bridge",
}
TOKEN_TTL_SECONDS = 172800  # 48 h, as Microshare
RODENT_ALERTS = "io.microshare.event.alert.rodent"
TRAP_EVENTS = "io.microshare.event.alert.trap"
SEED_CLUSTER_ID = "65a1f0c2e4b0a1b2c3d4e5f6"


class MicroshareState:
    """Tokens, clusters and shares; tests reach in here to add data or skew time."""

    def __init__(
        self, credentials: dict[str, str], token_ttl: float, clock: Callable[[], float]
    ) -> None:
        self.lock = threading.RLock()
        self.credentials = credentials
        self.token_ttl = token_ttl
        self.clock = clock
        self.read_delay = 0.0
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.clusters: dict[str, dict[str, dict[str, Any]]] = {}
        self.shares: dict[str, list[dict[str, Any]]] = {RODENT_ALERTS: [], TRAP_EVENTS: []}
        self.put_count = 0
        self._seed()

    def _seed(self) -> None:
        devices = [
            {"id": p.device_id, "meta": {"location": p.location}, "status": "active"}
            for p in seed.MAPPED
        ]
        self.clusters[seed.TRAP_CLUSTER_REC_TYPE] = {
            SEED_CLUSTER_ID: {
                "id": SEED_CLUSTER_ID,
                "recType": seed.TRAP_CLUSTER_REC_TYPE,
                "name": seed.TRAP_CLUSTER_NAME,
                "data": {"devices": devices, "owner": "Golden Crust Pest Services"},
            }
        }
        silo_a, silo_b = seed.MAPPED
        for index, minute in enumerate((0, 4, 9)):  # one trap firing repeatedly
            self.add_alert(
                silo_a.device_id,
                silo_a.location,
                event="rodent_present",
                alert_id=f"rodent-{index + 1:04d}",
                created=f"2026-11-23T08:{minute:02d}:00.000Z",
            )
        self.add_alert(
            silo_b.device_id,
            silo_b.location,
            event="rodent_present",
            alert_id="rodent-0004",
            created="2026-11-23T09:15:00.000Z",
        )
        unknown = [seed.SITE, "", "Old Bakehouse", "ERP999_000_01", "", ""]
        self.add_alert(
            "58-A0-CB-00-00-10-2F-99",
            unknown,
            event="rodent_present",
            alert_id="rodent-0005",
            created="2026-11-23T10:00:00.000Z",
        )
        for index, (event, created) in enumerate(
            (("trap_triggered", "08:01"), ("catch_detected", "08:02"), ("rearmed", "11:30"))
        ):
            self.add_alert(
                silo_a.device_id,
                silo_a.location,
                trap_event=event,
                alert_id=f"trap-{index + 1:04d}",
                created=f"2026-11-23T{created}:00.000Z",
                rec_type=TRAP_EVENTS,
            )

    # --- helpers for tests and the demo ------------------------------------------------

    def add_alert(
        self,
        device_id: str,
        location: list[str],
        *,
        event: str | None = None,
        trap_event: str | None = None,
        alert_id: str | None = None,
        created: str | None = None,
        rec_type: str = RODENT_ALERTS,
    ) -> str:
        data: dict[str, Any] = {"device": {"id": device_id, "meta": {"location": list(location)}}}
        if event:
            data["event"] = event
        if trap_event:
            data["trap_event"] = trap_event
        obj = {
            "id": alert_id or uuid.uuid4().hex[:24],
            "recType": rec_type,
            "createDate": created or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        with self.lock:
            self.shares.setdefault(rec_type, []).append(obj)
        return obj["id"]

    def devices(
        self, rec_type: str = seed.TRAP_CLUSTER_REC_TYPE, cluster_id: str = SEED_CLUSTER_ID
    ) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.clusters[rec_type][cluster_id]["data"].get("devices", []))

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def token_valid(self, token: str) -> bool:
        with self.lock:
            return self.tokens.get(token, 0.0) > self.clock()


class MicroshareApp:
    def __init__(self, state: MicroshareState) -> None:
        self.state = state

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["oauth2", "token"] and request.method == "POST":
            return self.token(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.state.token_valid(token.strip()):
            return _json({"error": "unauthorized", "message": "token missing or expired"}, 401)
        if len(parts) in (2, 3) and parts[0] == "device":
            return self.device(request, parts[1], parts[2] if len(parts) == 3 else None)
        if len(parts) == 2 and parts[0] == "share" and request.method == "GET":
            with self.state.lock:
                objs = copy.deepcopy(self.state.shares.get(parts[1], []))
            return _page(objs, request)
        return _json({"error": "not_found"}, 404)

    def token(self, request: Request) -> Response:
        args = request.args
        state = self.state
        with state.lock:
            state.token_requests += 1
            good = all(args.get(k) == v for k, v in state.credentials.items())
            if not good or args.get("grant_type") != "password":
                return _json({"error": "invalid_grant"}, 401)
            token = uuid.uuid4().hex
            state.tokens[token] = state.clock() + state.token_ttl
        return _json(
            {
                "access_token": token,
                "refresh_token": uuid.uuid4().hex,
                "token_type": "bearer",
                "expires_in": state.token_ttl,
                "scope": "ALL:ALL",
            }
        )

    def device(self, request: Request, rec_type: str, cluster_id: str | None) -> Response:
        state = self.state
        if request.method == "GET":
            with state.lock:  # snapshot first, answer later: the window writers race in
                clusters = state.clusters.get(rec_type, {})
                if cluster_id is not None and cluster_id not in clusters:
                    return _json({"error": "not_found"}, 404)
                chosen = [clusters[cluster_id]] if cluster_id else list(clusters.values())
                objs = copy.deepcopy(chosen)
            if state.read_delay:
                time.sleep(state.read_delay)
            return _page(objs, request)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
            return _json({"error": "bad_request", "message": "body must be a cluster"}, 400)
        with state.lock:
            clusters = state.clusters.setdefault(rec_type, {})
            if request.method == "POST" and cluster_id is None:
                new_id = uuid.uuid4().hex[:24]
                clusters[new_id] = {**body, "id": new_id, "recType": rec_type}
                return _page([copy.deepcopy(clusters[new_id])], request, status=201)
            if request.method == "PUT" and cluster_id is not None:
                if cluster_id not in clusters:
                    return _json({"error": "not_found"}, 404)
                clusters[cluster_id] = {**body, "id": cluster_id, "recType": rec_type}
                state.put_count += 1
                return _page([copy.deepcopy(clusters[cluster_id])], request)
        return _json({"error": "method_not_allowed"}, 405)


def _page(objs: list[dict[str, Any]], request: Request, status: int = 200) -> Response:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = max(1, min(1000, int(request.args.get("perPage", 100))))
    except ValueError:
        return _json({"error": "bad_request", "message": "page/perPage must be integers"}, 400)
    total = len(objs)
    meta = {
        "totalPages": max(1, math.ceil(total / per_page)),
        "currentPage": page,
        "perPage": per_page,
        "totalCount": total,
    }
    start = (page - 1) * per_page
    return _json({"meta": meta, "objs": objs[start : start + per_page]}, status)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class MicroshareSimulator(SimulatedServer):
    state: MicroshareState
    credentials: dict[str, str]
    secret_logical_id = "MicroshareSecret"

    def secret_value(self) -> dict[str, str]:
        return dict(self.credentials)

    @property
    def auth_url(self) -> str:
        """Auth lives on the same server as the API."""
        return self.url


def start(
    port: int = 0,
    *,
    credentials: dict[str, str] | None = None,
    token_ttl: float = TOKEN_TTL_SECONDS,
    clock: Callable[[], float] = time.time,
    **_: Any,
) -> MicroshareSimulator:
    creds = dict(credentials or DEFAULT_CREDENTIALS)
    state = MicroshareState(creds, token_ttl, clock)
    sim = MicroshareSimulator(MicroshareApp(state), port, "microshare-sim", Faults(), state)
    sim.credentials = creds
    return sim
