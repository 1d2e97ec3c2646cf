"""The Ekos simulator: the brewery ERP on a loopback port, with its data and its faults.

    sim = start(seed=7, client_id="sync-bridge", client_secret="s3cret",
                redirect_uris=["http://127.0.0.1:3000/oauth/ekos/callback"])
    sim.url                         # base URL for EKOS_BASE_URL
    sim.register_client(cid, secret, redirect_uri)   # or sim.on_stack_ready(runtime)
    sim.faults.add("rate_limit", path_prefix="/api/v1/products", times=2, retry_after="date")
    sim.state.revoked_families, sim.state.received_scans(), sim.dataset.home[...]
    sim.stop()

Options: `seed`, `scale`/`sizes` (dataset size), `access_token_ttl` (seconds; short values
exercise refresh), `auto_approve` (False shows the consent page a browser clicks through;
True approves and "deny" refuses without a page, for non-browser tests).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from syncbridge_local.http import RunningServer, serve_wsgi
from syncbridge_local.simulators.ekos.app import EkosApp
from syncbridge_local.simulators.ekos.dataset import Dataset, generate
from syncbridge_local.simulators.ekos.faults import Faults
from syncbridge_local.simulators.ekos.state import State

DEFAULT_CLIENT_ID = "sync-bridge"
CLIENT_SECRET_LOGICAL_ID = "EkosClientSecret"  # template.yaml: {"client_id", "client_secret"}
CALLBACK_PATH = "/oauth/ekos/callback"


@dataclass
class EkosSimulator:
    server: RunningServer
    app: EkosApp = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @property
    def state(self) -> State:
        return self.app.state

    @property
    def dataset(self) -> Dataset:
        return self.app.state.dataset

    @property
    def auto_approve(self) -> bool | str:
        return self.app.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: bool | str) -> None:
        self.app.auto_approve = value

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | str
    ) -> None:
        """Register our OAuth client: the local runtime calls this once it has created the
        Ekos client secret in Secrets Manager and knows the API's callback URL."""
        self.state.register_client(client_id, client_secret, redirect_uris)

    def on_stack_ready(self, runtime: Any) -> None:
        """Local-runtime hook, called once the stack is provisioned: registers Sync Bridge's
        OAuth client with the id and secret the template's `EkosClientSecret` generated,
        and the local API's callback URL as its only redirect URI."""
        template = getattr(runtime, "template", None)
        if template is not None and CLIENT_SECRET_LOGICAL_ID not in template.resources:
            return  # a template without our Ekos client (e.g. a test's tiny stack)
        arn = runtime.ref(CLIENT_SECRET_LOGICAL_ID)
        secret = json.loads(
            runtime.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        )
        callback = f"{runtime.base_url.rstrip('/')}{CALLBACK_PATH}"
        self.register_client(secret["client_id"], secret["client_secret"], [callback])

    def reset(self, *, auto_approve: bool | str | None = None) -> None:
        """Forget tokens, codes, scans, record changes and faults (keeps registered clients
        and the dataset): lets tests share one running simulator."""
        old = self.app.state
        fresh = State(old.dataset, access_token_ttl=old.access_token_ttl)
        for client in old.clients.values():
            fresh.register_client(client.client_id, client.client_secret, client.redirect_uris)
        self.app.state = fresh
        self.app.faults.clear()
        if auto_approve is not None:
            self.app.auto_approve = auto_approve

    def stop(self) -> None:
        self.server.stop()


def start(
    port: int = 0,
    *,
    seed: int = 7,
    scale: float = 1.0,
    sizes: dict[str, int] | None = None,
    access_token_ttl: float = 3600,
    auto_approve: bool | str = False,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uris: list[str] | str | None = None,
    **_ignored: object,
) -> EkosSimulator:
    """Start the simulator. A client is pre-registered when `client_secret` is given
    (or `EKOS_SIM_CLIENT_SECRET` is set); otherwise call `register_client` later."""
    state = State(generate(seed, sizes=sizes, scale=scale), access_token_ttl=access_token_ttl)
    secret = client_secret or os.environ.get("EKOS_SIM_CLIENT_SECRET")
    if secret:
        uris = redirect_uris or os.environ.get("EKOS_SIM_REDIRECT_URIS", "").split() or []
        state.register_client(client_id or DEFAULT_CLIENT_ID, secret, uris)
    app = EkosApp(state, Faults(), auto_approve=auto_approve)
    return EkosSimulator(serve_wsgi(app, port=port, name="ekos"), app)


__all__ = ["EkosSimulator", "generate", "start"]
