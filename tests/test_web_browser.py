"""Real browser tests: Debian's chromium driven by Playwright against a server on loopback."""
import pytest

import browser_support
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app, world):
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    yield from browser_support.browser_page()


def sign_in(page, base, name):
    browser_support.sign_in(page, base, name, PASSWORD)


def test_claim_fix_a_mistake_complete_and_next_group_sees_it(server, page, world):
    sign_in(page, server, "ann")
    page.get_by_role("button", name="Claim Triage the notification").click()
    assert "1 assigned to you" in page.locator("#worklist-counts").inner_text()
    page.get_by_role("link", name="Triage the notification").click()
    page.get_by_label("Serious case review").check()
    page.get_by_label("Summary").fill("abc")
    page.get_by_label("Children involved").fill("two")
    page.get_by_role("button", name="Complete task").click()
    summary = page.locator(".govuk-error-summary")
    assert "Summary must be 5 characters or more" in summary.inner_text()
    assert page.get_by_label("Children involved").input_value() == "two"
    page.get_by_label("Summary").fill("A proper summary")
    page.get_by_label("Children involved").fill("2")
    page.get_by_role("button", name="Complete task").click()
    assert "Decide on a serious case review" in page.locator("#next-steps").inner_text()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "carol")
    assert page.get_by_role("link", name="Decide on a serious case review").is_visible()


def test_keyboard_only_completion(server, page, world):
    sign_in(page, server, "ann")
    page.goto(f"{server}/tasks/{world['task_id']}")
    page.keyboard.press("Tab")                        # skip link first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.locator("#route").focus()                    # first field: then keys only
    page.keyboard.press("Space")                      # choose the first radio (Serious case review)
    page.keyboard.press("Tab")
    page.keyboard.type("Typed with the keyboard only")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    focused = None
    for _ in range(10):                               # tab on to the submit button
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent").strip()
        if focused == "Complete task":
            break
    assert focused == "Complete task"
    page.keyboard.press("Enter")
    page.wait_for_url("**/done")
    assert "Task complete" in page.content()
