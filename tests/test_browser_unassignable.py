"""In a real browser: a manager finds a task nobody can act on from the dashboard and the
deadlines page, opens its case and gives it to a group; the mark and the list entry go."""
import pytest

import browser_support
from test_browser_manager import page, server  # noqa: F401
from test_web_unassignable import stuck  # noqa: F401
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


def test_manager_sees_and_reassigns_an_unassignable_task(server, page, stuck):  # noqa: F811
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/dashboard")
    assert page.locator("#unassignable-count").inner_text() == "1"
    page.click("text=see them and reassign")
    entry = page.locator("#unassignable li")
    assert "STUCK-1" in entry.inner_text() and "asked for nowhere" in entry.inner_text()
    page.click("#unassignable a:has-text('STUCK-1')")
    assert page.locator("#unassignable-1").is_visible()        # open, marked
    page.select_option("#group-1", "police")
    page.fill("#reassign-reason-1", "Police hold this case")
    page.click("#manage-task-1 button:has-text('Reassign task')")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "now with police" in page.locator(".govuk-notification-banner--success").inner_text()
    assert page.locator("#unassignable-1").count() == 0
    timeline = page.locator(".app-timeline").inner_text()
    assert "Nobody can act on a task" in timeline and "to the group police" in timeline
    page.goto(f"{server}/deadlines/")
    assert "None: every open task" in page.locator("#unassignable").inner_text()
