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


WORDS_ON_ONE_LINE = """() => [...document.querySelectorAll('.govuk-summary-list__key')].flatMap(key => {
  const text = key.firstChild, broken = [];
  if (!text || text.nodeType !== Node.TEXT_NODE) return broken;
  const re = /\\S+/g; let m;
  while ((m = re.exec(text.data))) {
    const range = document.createRange();
    range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(m[0]);
  }
  return broken;
})"""


def test_summary_list_keys_never_break_inside_a_word(server, page, sessions, process_engine):
    from engine.actors import load_actor
    with sessions.begin() as session:
        case = process_engine.start(session, "two_lane", load_actor(session, "ann"), {
            "acknowledgement_notwithstanding_interdisciplinary": True,
            "safeguarding_responsibilities": "Shared"})
    page.set_viewport_size({"width": 1024, "height": 900})
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/instances/{case.id}")
    keys = page.locator("#case-data .govuk-summary-list__key")
    assert "Acknowledgement notwithstanding interdisciplinary" in keys.all_inner_texts()
    assert page.evaluate(WORDS_ON_ONE_LINE) == []
