"""The sync status page in Debian's chromium: a connection's schedules, runs, an ERP record
waiting for a decision (linked with a click), a scan Ekos refused (retried with a click)
and the recent errors with their audit links. Screenshots go to `.artifacts/`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.setup import harness

TENANT = "status-browser"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rt() -> Iterator[Any]:
    runtime = harness.start_runtime(retry_delay=0)
    try:
        harness.register_ekos_client(runtime)
        yield runtime
    finally:
        runtime.stop()


def _prepare(rt: Any) -> str:
    """A connected tenant after its setup, with one review item, one refused scan and a
    finished incremental run; the operator's session token."""
    from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
    from syncbridge.domain.sync.events import apply_erp_event
    from syncbridge.roots import keg
    from syncbridge.store.setup import DynamoSetupRepository
    from syncbridge.store.sync import EventMappingRepository
    from tests.helpers.exact_key_matcher import ExactKeyMatcher

    admin = harness.sign_in(rt, TENANT, "owner", "admin")
    with harness.session(rt, admin) as http:
        harness.connect(rt, http)
    rt.wait_idle(timeout=60)
    with rt.env_of("ApplierFunction"):
        assert DynamoSetupRepository().complete(TENANT, "ekos")
        DynamoHomePlatform().create(
            TENANT, "products", {"name": "Pale Ale", "sku": "PA-9"}, record_id="home-pale"
        )
        review = {
            "tenant_id": TENANT,
            "erp": "ekos",
            "received_at": "2026-03-01T12:00:00+00:00",
            "event": {
                "event_id": str(uuid.uuid4()),
                "resource_type": "products",
                "action": "created",
                "resource_id": "p-pale",
                "occurred_at": "2026-03-01T12:00:00+00:00",
                "data": {"name": "Pale Ale", "sku": "PA-X"},
            },
        }
        outcome = apply_erp_event(
            review,
            keg.event_mappings(),
            keg.home_platform(),
            setup=keg.setup_progress(),
            audit=keg.audit_log(),
            matcher=ExactKeyMatcher(),
            reviews=keg.review_items(),
        )
        assert outcome == "review"
        mappings = EventMappingRepository()
        assert mappings.put(TENANT, "ekos", "product-batches", "no-such", "home-ghost", "t")
        assert mappings.put(TENANT, "ekos", "customer-locations", "no-cust", "home-c", "t")
    rt.invoke(
        "SchedulerFunction",
        {"action": "incremental_sync", "tenant_id": TENANT, "connection_id": "ekos"},
    )
    rt.send_message(
        "OutboundQueue",
        {
            "tenant_id": TENANT,
            "scan_id": "scan-ghost",
            "unit_serial": "KEG-9",
            "event": "delivered",
            "product_batch_id": "home-ghost",
            "location_id": "home-c",
            "location_type": "customer",
            "scanned_at": "2026-03-01T12:00:00Z",
        },
    )
    rt.wait_idle(timeout=120)
    return harness.sign_in(rt, TENANT, "opal", "operator")


def test_the_status_page_shows_a_connection_and_acts_on_it(
    rt: Any, chromium: Any, screenshots: Path
) -> None:
    from playwright import sync_api

    token = _prepare(rt)
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    context.add_cookies([{"name": "sb_session", "value": token, "url": rt.base_url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(rt.base_url + "/sync")
        expect = sync_api.expect
        expect(page.get_by_role("heading", name="Sync status")).to_be_visible()
        expect(page.locator("#live")).to_have_text("1 connection(s) loaded")
        section = page.locator("section.connection[data-connection='ekos']")
        expect(section.locator(".state .badge")).to_have_text("active")
        expect(section.locator("li.schedule")).to_have_count(2)
        expect(section.locator(".next-run")).not_to_have_text("—")
        expect(section.locator("tr.run").first).to_be_visible()
        assert section.locator("tr.run").count() == 4  # one incremental run per type
        expect(section.locator("tr[data-type='products'] td").nth(1)).to_have_text("1")
        page.screenshot(path=str(screenshots / "sync-status.png"), full_page=True)

        # the refused scan is an error with a link to its audit entry
        error = section.locator("li.error", has_text="scan rejected")
        expect(error).to_be_visible()
        link = error.locator("a.audit-link").get_attribute("href") or ""
        assert link.startswith("audit?") and "scan-ghost" in link

        # a person links the waiting ERP record to the proposed home record
        item = section.locator("li.review-item[data-external-id='p-pale']")
        item.get_by_role("button", name="Link to “Pale Ale”").click()
        expect(page.locator("#live")).to_contain_text("Ekos p-pale linked to “Pale Ale”")
        expect(section.locator("li.review-item")).to_have_count(0)
        expect(section.locator(".review-empty")).to_be_visible()

        # and sends the refused scan again
        scan = section.locator("li.failed-scan", has_text="scan-ghost")
        expect(scan).to_contain_text("422")
        scan.get_by_role("button", name="Retry").click()
        expect(page.locator("#live")).to_contain_text("Scan scan-ghost sent again")
        page.screenshot(path=str(screenshots / "sync-status-after.png"), full_page=True)

        # the audit link opens the entry's record history
        audit = page.request.get(rt.base_url + "/" + link.split("#")[0]).json()
        assert audit["items"][0]["action"] == "scan_rejected"
    except Exception:
        page.screenshot(path=str(screenshots / "sync-status-failure.png"), full_page=True)
        raise
    finally:
        context.close()
