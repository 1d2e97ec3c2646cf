"""The insights page and the customer portal in Debian's chromium, after the demo's month
of Golden Crust history: a viewer reads the report (tables and charts) and is offered no
operator action; an operator makes a portal link; the customer opens it without an
account and sees only their sites; a tampered link is refused."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from syncbridge_local.demo import DemoContext
from syncbridge_local.demo.insights_walkthrough import insights_walkthrough
from syncbridge_local.demo.pest_walkthrough import TENANT, pest_walkthrough
from syncbridge_local.runtime import LocalRuntime
from tests.integration.setup import harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rt() -> Iterator[LocalRuntime]:
    runtime = LocalRuntime.start(schedules=False, retry_delay=1, poll_wait=1)
    try:
        with httpx.Client(base_url=runtime.base_url, timeout=60) as http:
            ctx = DemoContext(runtime=runtime, http=http, out=io.StringIO())
            pest_walkthrough(ctx)
            insights_walkthrough(ctx)
            runtime.tokens = ctx.state["pest_tokens"]  # type: ignore[attr-defined]
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def browser(chromium):
    return chromium


def _shot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 100")


def test_viewer_reads_report_maintenance_risk_and_history(rt, browser, screenshots, tmp_path):
    token = harness.sign_in(rt, TENANT, "vera", "viewer")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sb_session", "value": token, "url": rt.base_url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(rt.base_url + "/pest/insights")
    page.locator("body[data-ready=true]").wait_for()
    assert page.locator("#error").is_hidden()
    report_row = page.locator("#report-table tbody tr").first
    assert "Golden Crust Manchester" in report_row.inner_text()
    assert page.locator("#maintenance-table tbody tr").count() >= 3
    assert "battery" in page.locator("#maintenance-table").inner_text()
    assert "Golden Crust Manchester" in page.locator("#risk-table").inner_text()
    assert page.locator("#tech-table tbody tr").count() == 2
    page.locator("#risk-chart").scroll_into_view_if_needed()
    deadline = time.monotonic() + 30  # charts are rendered server-side: poll until decoded
    while not (_loaded(page, "#report-chart") and _loaded(page, "#risk-chart")):
        assert time.monotonic() < deadline, "the report and risk charts never loaded"
        page.wait_for_timeout(250)
    # a viewer is offered no operator or admin action
    assert page.locator("#collect").is_hidden() and page.locator("#bill").is_hidden()
    assert page.locator("#portal").is_hidden()
    csv = page.request.get(rt.base_url + page.locator("#report-csv").get_attribute("href"))
    assert csv.status == 200 and csv.text().startswith("month,site,")
    pdf = page.request.get(rt.base_url + page.locator("#pack-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    _shot(page, screenshots, "insights-viewer")
    context.close()


def test_customer_opens_a_portal_link_and_a_tampered_one_is_refused(
    rt, browser, screenshots, tmp_path
):
    reply = httpx.post(
        rt.base_url + "/api/v1/erp/portal-links",
        json={"customer": "Golden Crust Manchester", "days": 7},
        headers={"Authorization": f"Bearer {rt.tokens['operator']}"},
    )
    assert reply.status_code == 200, reply.text
    url = reply.json()["url"]
    context = browser.new_context(viewport={"width": 1100, "height": 800})  # no session
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.locator("body[data-ready=true]").wait_for()
    assert page.locator("#error").is_hidden()
    assert "Golden Crust Manchester" in page.locator("#title").inner_text()
    card = page.locator(".card").first.inner_text()
    assert "points monitored by a working sensor" in card and "Next visit" in card
    assert "70-B3" not in page.content()  # no device ids for customers
    _shot(page, screenshots, "portal-customer")
    page.goto(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    page.locator("body[data-ready=true]").wait_for()
    assert "not valid" in page.locator("#error").inner_text()
    _shot(page, screenshots, "portal-tampered")
    context.close()
