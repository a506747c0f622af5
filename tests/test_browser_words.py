"""In a real browser: the GOV.UK date input and a rule between two dates (issue 19 point 3)."""
import pytest

import browser_support
from web_support import PASSWORD, app, date_task, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app, world, date_task):
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    yield from browser_support.browser_page()


def fill_date(page, legend, day, month, year):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_dates_typed_in_boxes_a_missing_part_and_a_rule_between_dates(server, page, date_task):
    browser_support.sign_in(page, server, "ann", PASSWORD)
    page.goto(f"{server}/tasks/{date_task}")
    assert page.locator("input[type=date]").count() == 0
    page.get_by_label("Serious case review").check()
    page.get_by_label("Summary").fill("A proper summary")
    fill_date(page, "Date the local authority became aware", "3", "", "2026")
    fill_date(page, "Date the notification was sent (optional)", "2", "12", "2026")
    page.get_by_role("button", name="Complete task").click()
    summary = page.locator(".govuk-error-summary")
    assert "Date the local authority became aware must include a month" in summary.inner_text()
    summary.get_by_role("link", name="Date the local authority became aware must include a month").click()
    assert page.evaluate("document.activeElement.name") == "la_aware_on-day"
    aware = page.get_by_role("group", name="Date the local authority became aware")
    assert aware.get_by_label("Day").input_value() == "3"          # typed values kept
    assert aware.get_by_label("Year").input_value() == "2026"
    aware.get_by_label("Month").fill("12")                           # 3 December, not 12 March
    page.get_by_role("button", name="Complete task").click()
    assert ("Date the notification was sent must be the same as or after the date the local "
            "authority became aware") in page.locator(".govuk-error-summary").inner_text()
    fill_date(page, "Date the notification was sent (optional)", "4", "12", "2026")
    page.get_by_role("button", name="Complete task").click()
    assert page.locator("#next-steps").is_visible()
