"""Odoo simulator: JSON-2 and XML-RPC on one loopback server, seeded with Golden Crust.

    sim = start()                      # sim.url, sim.stop(), sim.faults, sim.state (the DB)
    sim.state.add_point("Golden Crust Leeds - Bin Store", "REF-1")
    sim.state.add_field("product.product", "x_device_status")   # what an admin may add
    sim.faults.rate_limit(retry_after=1)
    sim.go_down(); sim.come_up()       # connection refused, then back on the same port

`sim.credentials` holds what an adapter needs (database, login, password, api_key); the
local runtime stores them in the Odoo secret. `seed_offset` shifts the id of the
"Inspection Points" category, as every real database numbers it differently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from syncbridge_local.simulators.odoo.app import OdooApp, OdooUser
from syncbridge_local.simulators.odoo.database import OdooDatabase
from syncbridge_local.simulators.odoo.simkit import Faults, SimulatedServer

DEFAULT_DATABASE = "odoo"
DEFAULT_LOGIN = "sync-bridge"
DEFAULT_PASSWORD = "golden-crust-odoo-password"
DEFAULT_API_KEY = "odoo-sim-api-key-0f3c9a"
READONLY_LOGIN = "auditor"
READONLY_API_KEY = "odoo-sim-readonly-key-7d21"


class OdooSimulator(SimulatedServer):
    state: OdooDatabase
    credentials: dict[str, str]
    readonly_credentials: dict[str, str]
    secret_logical_id = "OdooSecret"

    def secret_value(self) -> dict[str, str]:
        return {k: self.credentials[k] for k in ("database", "login", "api_key")}


def start(
    port: int = 0,
    *,
    database: str = DEFAULT_DATABASE,
    login: str = DEFAULT_LOGIN,
    password: str = DEFAULT_PASSWORD,
    api_key: str = DEFAULT_API_KEY,
    seed_offset: int = 0,
    helpdesk: bool = False,
    clock: Callable[[], datetime] | None = None,
    **_: Any,
) -> OdooSimulator:
    db = OdooDatabase(database, seed_offset=seed_offset, helpdesk=helpdesk, clock=clock)
    users = [
        OdooUser(uid=2, login=login, password=password, api_key=api_key),
        OdooUser(
            uid=7,
            login=READONLY_LOGIN,
            password="auditor-password",
            api_key=READONLY_API_KEY,
            can_write=False,
        ),
    ]
    sim = OdooSimulator(OdooApp(db, users), port, "odoo-sim", Faults(), db)
    sim.credentials = {
        "database": database,
        "login": login,
        "password": password,
        "api_key": api_key,
    }
    sim.readonly_credentials = {
        "database": database,
        "login": READONLY_LOGIN,
        "password": "auditor-password",
        "api_key": READONLY_API_KEY,
    }
    return sim
