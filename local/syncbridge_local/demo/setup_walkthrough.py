"""Walk-through of the guided setup with Ekos, through the local API over HTTP.

The home platform is seeded from the Ekos simulator's dataset (near-duplicates of the
brewery's records); a person connects (OAuth through the simulator, auto-approved), and
for each resource type the demo waits for the proposals, accepts the confident matches,
confirms the ones a person would review, submits, and moves on until the setup is
complete. It prints what happened per type and how the links compare with the dataset's
gold pairs.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from syncbridge_local.demo import DemoContext, demo_step

TENANT = "demo-brewery"
ORDER = ("customer-locations", "storage-locations", "products", "product-batches")
TYPE_TIMEOUT_S = 300.0


def _wait_for(ctx: DemoContext, cookies: dict[str, str], rtype: str, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + TYPE_TIMEOUT_S
    last = ""
    while time.monotonic() < deadline:
        state = ctx.http.get("/setup/state", cookies=cookies).json()
        current = next((t for t in state["types"] if t["resource_type"] == rtype), None)
        if current is None:  # the import message is queued; the importer starts the setup
            time.sleep(0.25)
            continue
        if current["status"] == wanted:
            return current
        seen = f"{current['status']} {current['records']}"
        if seen != last and current["status"] in ("importing", "matching"):
            ctx.say(f"  {rtype}: {current['status']} ({current['records']} records so far)")
            last = seen
        time.sleep(0.25)
    raise TimeoutError(f"{rtype} did not reach {wanted} within {TYPE_TIMEOUT_S:.0f}s")


def _confirm_remaining(ctx: DemoContext, cookies: dict[str, str], rtype: str) -> int:
    """Confirm every proposed link still unconfirmed (what a reviewer clicks): the count."""
    confirmed = 0
    for decision in ("match", "review"):
        cursor = None
        while True:
            params: dict[str, Any] = {"decision": decision, "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = ctx.http.get(f"/setup/{rtype}/proposals", params=params, cookies=cookies).json()
            for p in page["items"]:
                if p["resolution"]["action"] != "link" or p["confirmed"]:
                    continue
                body = {"action": "link", "internal_id": p["resolution"]["internal_id"],
                        "version": p["version"]}  # fmt: skip
                reply = ctx.http.put(
                    f"/setup/{rtype}/proposals/{p['external_id']}", json=body, cookies=cookies
                )
                ctx.check(reply.status_code == 200, f"confirming answered {reply.status_code}")
                confirmed += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
    return confirmed


@demo_step(order=100, name="guided setup with Ekos: import, match, review, apply")
def guided_setup(ctx: DemoContext) -> None:
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
    from syncbridge.authserver.service import create_person, sign_in
    from syncbridge.authserver.store import OAuthStore
    from syncbridge.store.mappings import DynamoMappingRepository

    rt = ctx.runtime
    sim = rt.simulators.get("EKOS_BASE_URL")
    ctx.check(sim is not None, "the Ekos simulator is not running")
    started = time.monotonic()

    # The home platform already holds the brewery's records (with typos and abbreviations).
    with rt.env_of("ApiFunction"):
        home = DynamoHomePlatform()
        seeded = {kind: home.load(TENANT, kind, rows) for kind, rows in sim.dataset.home.items()}
    ctx.say("home platform seeded: " + ", ".join(f"{n} {k}" for k, n in seeded.items()))
    ekos_counts = ", ".join(f"{len(rows)} {k}" for k, rows in sim.dataset.ekos.items())
    ctx.say(f"Ekos simulator serves: {ekos_counts}")

    # A person signs in and connects Ekos (the simulator approves the consent at once).
    secret = json.loads(
        rt.client("secretsmanager").get_secret_value(SecretId=rt.ref("EkosClientSecret"))[
            "SecretString"
        ]
    )
    sim.register_client(
        secret["client_id"], secret["client_secret"], [rt.base_url + "/oauth/ekos/callback"]
    )
    sim.auto_approve = True
    with rt.env_of("OAuthFunction"):
        store = OAuthStore()
        login = create_person(store, TENANT, "setup-admin", "admin")
        cookies = {"sb_session": sign_in(store, TENANT, login.username, login.password)}
    page = ctx.http.get("/setup", cookies=cookies)
    ctx.check(page.status_code == 200 and "Guided setup" in page.text, "the review page is down")
    # a browser of its own: the Ekos callback must carry the same session (and the
    # connect cookie start sets), which only a client's cookie jar keeps across redirects
    with httpx.Client(base_url=rt.base_url, cookies=cookies, timeout=60) as browser:
        reply = browser.get("/connections/ekos/start", follow_redirects=True)
    ctx.check(reply.status_code == 200, f"connecting to Ekos answered {reply.status_code}")
    ctx.say(f"connected to Ekos; review page at {rt.base_url}/setup")

    rows = []
    for rtype in ORDER:
        type_started = time.monotonic()
        progress = _wait_for(ctx, cookies, rtype, "awaiting_review")
        ready = time.monotonic() - type_started
        accepted = ctx.http.post(f"/setup/{rtype}/accept-confident", json={}, cookies=cookies)
        ctx.check(accepted.status_code == 200, f"bulk accept answered {accepted.status_code}")
        reviewed = _confirm_remaining(ctx, cookies, rtype)
        submitted = ctx.http.post(f"/setup/{rtype}/submit", cookies=cookies)
        ctx.check(submitted.status_code == 202, f"submit answered {submitted.text}")
        done = _wait_for(ctx, cookies, rtype, "done")
        elapsed = time.monotonic() - type_started
        with rt.env_of("ApiFunction"):
            links = DynamoMappingRepository().external_to_internal(TENANT, "ekos", rtype)
        gold = sim.dataset.gold.get(rtype, {})
        correct = sum(1 for ext, internal in links.items() if gold.get(ext) == internal)
        row = (rtype, progress["records"], progress["pages"], accepted.json()["accepted"],
               reviewed, done["applied"].get("created", 0), correct, len(gold), ready, elapsed)  # fmt: skip
        rows.append(row)
        ctx.say(
            f"{rtype}: {row[1]} imported ({row[2]} pages), matched {row[3]}, reviewed {row[4]},"
            f" created {row[5]}; {correct}/{len(gold)} true pairs linked;"
            f" proposals after {ready:.1f}s, applied after {elapsed:.1f}s"
        )

    state = ctx.http.get("/setup/state", cookies=cookies).json()
    ctx.check(state["status"] == "complete", f"setup is {state['status']}, not complete")
    ctx.say(f"setup complete in {time.monotonic() - started:.1f}s")
    header = ("type", "imported", "matched", "reviewed", "created", "gold linked", "seconds")
    ctx.say(f"{header[0]:<20}" + "".join(f"{h:>12}" for h in header[1:]))
    for r in rows:
        cells = (r[1], r[3], r[4], r[5], f"{r[6]}/{r[7]}", f"{r[9]:.1f}")
        ctx.say(f"{r[0]:<20}" + "".join(f"{c:>12}" for c in cells))
