"""A person clicks through a whole guided setup in Debian's chromium: connect (Approve on
the Ekos consent page), review, pick another record via search, choose "create new", bulk
accept, submit every type, and see the setup complete."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.setup import harness

pytestmark = pytest.mark.browser
LABELS = ["customer locations", "storage locations", "products", "product batches"]
# How long to wait for the queued pipeline (import, match, apply) behind a page: a safety
# net, not a speed target (a loaded CI machine took over 30 s for the last apply).
PIPELINE_MS = 120_000
Screenshot = Callable[..., Path]


@pytest.fixture(scope="module")
def rt() -> Iterator[harness.LocalRuntime]:
    runtime = harness.start_runtime()
    try:
        harness.register_ekos_client(runtime)
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def page(rt, chromium):
    tenant_id = "brewery-browser"
    harness.seed_home(rt, tenant_id)
    token = harness.sign_in(rt, tenant_id, "brenda")
    harness.ekos(rt).auto_approve = False  # the consent page is clicked, not skipped
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sb_session", "value": token, "url": rt.base_url}])
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, tmp_path: Path, screenshots: Path) -> Screenshot:
    """`screenshot(page, name)`: a PNG in the test's tmp_path, copied to the module's
    screenshot folder (one sub-folder per test)."""
    keep = screenshots / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page, name: str, **options) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), **options)
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, keep / path.name)
        return path

    return take


def _diagnose(rt, page, screenshot: Screenshot) -> None:
    """On failure: a screenshot, what the page said, and the server's view of the setup."""
    print("screenshot:", screenshot(page, "failure", full_page=True))
    state = page.request.get(rt.base_url + "/setup/state").json()
    print("progress:", page.locator("#progress-text").inner_text())
    print("alert:", page.locator("#alert").inner_text())
    print("state:", [(t["resource_type"], t["status"]) for t in state.get("types", [])])


def _open_group(page, group: str, decision: str) -> None:
    """Select a tab and wait until its proposals are on the page."""
    page.get_by_role("tab", name=re.compile(group)).click()
    page.locator(f'#panel[aria-busy="false"][data-decision="{decision}"]').wait_for()


def _accept_everything_left(page) -> None:
    """Accept the remaining proposed links, group by group and page by page."""
    for group, decision in (("Confident matches", "match"), ("Needs review", "review")):
        _open_group(page, group, decision)
        while True:
            accept = page.locator("li.proposal button.accept:visible").first
            if not accept.count():
                if page.locator("#next-page").is_disabled():
                    break
                shown = page.locator("#panel").get_attribute("data-page")
                page.locator("#next-page").click()
                page.locator(f'#panel[aria-busy="false"]:not([data-page="{shown}"])').wait_for()
                continue
            item = accept.locator("xpath=ancestor::li[contains(@class, 'proposal')]")
            external_id = item.get_attribute("data-external-id")
            with page.expect_response(lambda r: r.request.method == "PUT") as put:
                accept.click()
            assert put.value.status == 200, put.value.text()
            confirmed = page.locator(f"#proposal-{external_id}.confirmed .badge")
            confirmed.filter(has_text="Linked to").wait_for()


def test_a_person_completes_the_whole_setup_in_the_browser(rt, page, screenshot):
    try:
        _walk_through_the_setup(rt, page, screenshot)
    except Exception:
        _diagnose(rt, page, screenshot)
        raise


def _walk_through_the_setup(rt, page, screenshot: Screenshot) -> None:
    # Given a signed-in person with no connection yet
    page.goto(rt.base_url + "/setup")
    page.get_by_role("link", name="Connect to Ekos").click()
    # When they approve on the Ekos consent page
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="Connected to Ekos").wait_for()
    page.get_by_role("link", name="Continue to the guided setup").click()
    # Then the review of customer locations opens once imported and matched
    page.get_by_role("heading", name="Review customer locations").wait_for(timeout=PIPELINE_MS)
    status = page.get_by_role("status")
    assert "Ready for review" in status.inner_text()
    # The groups are tabs a keyboard can move between (arrow keys, ARIA tab pattern)
    page.get_by_role("tab", name=re.compile("Confident matches")).focus()
    page.keyboard.press("ArrowRight")
    assert (
        page.get_by_role("tab", name=re.compile("Needs review")).get_attribute("aria-selected")
        == "true"
    )
    page.keyboard.press("ArrowLeft")

    # Edit: turn the first confident match into "create new"...
    _open_group(page, "Confident matches", "match")
    first = page.locator("li.proposal").first
    first.wait_for()
    screenshot(page, "review")
    freed = first.locator(".badge").inner_text().removeprefix("Proposed: ").strip()
    freed_name = first.locator("tbody tr").first.locator("td").nth(1).inner_text()
    first.get_by_role("button", name=re.compile("^Create new record for")).click()
    page.locator("li.proposal").first.locator(".badge", has_text="Will be created").wait_for()
    # ...and link a new record to the home record that freed up, found by search
    _open_group(page, "New records", "create")
    target = page.locator("li.proposal").first
    target.wait_for()
    target_id = target.get_attribute("data-external-id")
    target.get_by_role("button", name=re.compile("^Pick another record for")).click()
    target.get_by_label("Search your records").fill(freed_name.split()[0])
    target.get_by_role("button", name=re.compile(f"^Link to {re.escape(freed)}( —|$)")).click()
    linked = page.locator(f"#proposal-{target_id} .badge")
    linked.filter(has_text=f"Linked to {freed}").wait_for()

    # Bulk accept, confirm the rest, submit; then the next types, until complete
    for index, label in enumerate(LABELS):
        if index:
            page.get_by_role("heading", name=f"Review {label}").wait_for(timeout=PIPELINE_MS)
        with page.expect_response(lambda r: r.url.endswith("/accept-confident")) as accepted:
            page.get_by_role("button", name=re.compile("Accept all confident matches")).click()
        assert accepted.value.status == 200, accepted.value.text()
        page.locator('#panel[aria-busy="false"]').wait_for()
        _accept_everything_left(page)
        with page.expect_response(lambda r: r.url.endswith("/submit")) as submitted:
            page.get_by_role("button", name=f"Submit {label}").click()
        assert submitted.value.status == 202, submitted.value.text()

    page.get_by_role("heading", name="Setup complete").wait_for(timeout=PIPELINE_MS)
    screenshot(page, "complete")
    summary = page.get_by_role("table", name="What the setup did").inner_text()
    assert "Customer locations" in summary and "Product batches" in summary
    for item in page.locator("#steps li .step-status").all_inner_texts():
        assert item == "done"
