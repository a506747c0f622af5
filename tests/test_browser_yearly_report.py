"""The yearly report and the impact page in a real browser: chosen from the reports page,
a review's impact entered from the report's list and shown by it; no serious accessibility
violation and no sideways scroll at 390 px (issue 18 part 2)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import browser_support
from models.learning import Review
from test_browser_accessibility import AXE, axe_violations, sideways_scroll
from learning_support import loop  # noqa: F401
from web_support import PASSWORD, app  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = None          # a folder to keep screenshots in while looking at the pages by eye


@pytest.fixture
def server(app, loop, sessions):  # noqa: F811
    with sessions.begin() as s:
        s.add_all([
            Review(kind="scr", title="Serious case review", case_ref="LSCB-2025-00007",
                   started_at=datetime(2025, 5, 1, tzinfo=timezone.utc),
                   completed_at=datetime(2025, 10, 20, tzinfo=timezone.utc),
                   impact="Health visitors now share concerns with the GP within ten days",
                   published_on=datetime(2026, 1, 12).date(), online_until=datetime(2027, 1, 12).date()),
            Review(kind="macr", title="Multi-agency case review", case_ref="LSCB-2025-00011",
                   started_at=datetime(2025, 4, 10, tzinfo=timezone.utc),
                   completed_at=datetime(2026, 2, 1, tzinfo=timezone.utc))])
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    """A chromium page that lets axe-core in (the CSP is bypassed for the scan only)."""
    browser_support.skip_unless_browser()
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `bash scripts/build-assets`")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = browser_support.launch(playwright)
        context = chromium.new_context(bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        chromium.close()
        assert errors == [], errors


@pytest.mark.parametrize("width", [1024, 390])
def test_the_yearly_report_is_chosen_read_and_its_missing_impact_entered(server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    browser_support.sign_in(page, server, "lena", PASSWORD)
    page.goto(f"{server}/reports/")
    page.select_option("#yearly-year", "2025")
    page.click("text=Open the yearly report")
    page.wait_for_url(lambda url: "/reports/yearly?" in url)
    assert page.inner_text("h1") == "LSCB annual report 2025 to 2026"
    problems = axe_violations(page) + sideways_scroll(page) if width == 390 else axe_violations(page)
    assert problems == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/yearly-{width}.png", full_page=True)
    page.click("#impact-missing-list >> text=Multi-agency case review (LSCB-2025-00011)")
    page.wait_for_url(lambda url: "/impact" in url)
    assert axe_violations(page) == [] and (width > 390 or sideways_scroll(page) == [])
    page.click("text=Save the impact")                          # nothing typed
    assert "Describe the review's impact" in page.inner_text(".govuk-error-summary")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/impact-{width}.png", full_page=True)
    page.fill("#impact", "Chronologies now start at the first contact")
    page.click("text=Save the impact")
    page.wait_for_url(lambda url: "/reports/yearly?" in url)
    assert "Chronologies now start at the first contact" in page.inner_text("main")
    assert page.locator("#impact-missing-list").count() == 0
