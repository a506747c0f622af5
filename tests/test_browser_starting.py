"""In a real browser: an agency reviewer starts a case from its start form (errors first, then
straight to their first task with a confirmation); someone who may not start a pathway does not
see it on /start, and a direct POST answers 403 with a message page."""
import pytest

import browser_support
from test_browser_manager import page, server  # noqa: F401
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def notify(world, deploy):
    deploy("engine/start_form.bpmn")


def test_an_agency_reviewer_starts_a_case_and_lands_on_their_first_task(server, page, notify):  # noqa: F811
    browser_support.sign_in(page, server, "bob", PASSWORD)          # police
    page.click(".govuk-service-navigation a:has-text('Start a case')")
    assert "An agency notifies a serious incident." in page.locator("#pathways").inner_text()
    page.click("#pathways a:has-text('Notify an incident')")
    page.fill("#case_title", "Hurt")
    page.click("button:has-text('Start case')")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Short title must be 5 characters or more" in summary
    assert "Enter date of the incident" in summary
    assert page.input_value("#case_title") == "Hurt"
    for field, value in {"case_title": "Infant injury, AB", "incident_date": "2027-02-26",
                         "children": "2"}.items():
        page.fill(f"#{field}", value)
    page.click("button:has-text('Start case')")
    page.wait_for_url("**/tasks/**")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "started: Notify an incident. Your first task is below." in banner
    assert page.locator("h1").inner_text() == "Review the notification"
    assert "Review Infant injury, AB." in page.locator(".app-instructions").inner_text()


def test_a_pathway_i_may_not_start_is_not_offered_and_a_direct_post_is_refused(server, page, notify):  # noqa: F811
    browser_support.sign_in(page, server, "ann", PASSWORD)          # intake: starts two_lane only
    page.goto(f"{server}/start")
    listed = page.locator("#pathways").inner_text()
    assert "Two lane approval" in listed and "Notify an incident" not in listed
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    response = page.request.post(f"{server}/start/notify", form={
        "csrf_token": token, "case_title": "Forged case", "incident_date": "2027-02-26"},
        headers={"Accept": "text/html"})
    assert response.status == 403
    assert "you may not start Notify an incident" in response.text()
    page.goto(f"{server}/start/notify")
    assert page.locator("h1").inner_text() == "You cannot do that"
    assert "it is started by police, health" in page.locator("main").inner_text()
