"""Simulators of the external systems, started by the local runtime on loopback ports.

Each simulator module exposes `start(port: int = 0, **options) -> Simulator`, where the
returned object has `.url` (base URL), `.stop()`, and a `.faults` controller tests use to
inject 429s, 5xx, token expiry and slow pages. `REGISTRY` maps the environment variable
that carries a simulator's base URL to the dotted path of its module; the local runtime
starts each one and sets that variable for the handlers.
"""

REGISTRY: dict[str, str] = {
    "EKOS_BASE_URL": "syncbridge_local.simulators.ekos",
    "ODOO_BASE_URL": "syncbridge_local.simulators.odoo",
    # The Microshare simulator serves auth and API on one port (its `.auth_url == .url`).
    "MICROSHARE_API_URL": "syncbridge_local.simulators.microshare",
    "MICROSHARE_AUTH_URL": "syncbridge_local.simulators.microshare",
}
