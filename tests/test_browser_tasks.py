"""In a real browser, a reviewer never loses typed work: a comment keeps the typed form, a draft
keeps invalid values, the form saves itself while typing, leaving with unsaved changes warns,
and someone who may only read a task gets no form to type into."""
import re

import pytest

import browser_support
from web_support import GOOD, PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app, world):
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    yield from browser_support.browser_page()


def open_task(page, server, world, name="ann"):
    browser_support.sign_in(page, server, name, PASSWORD)
    page.goto(f"{server}/tasks/{world['task_id']}")


def test_a_comment_keeps_the_typed_form(server, page, world):
    open_task(page, server, world)
    page.get_by_label("Serious case review").check()
    page.get_by_label("Summary").fill("Half of a summary")
    page.get_by_label("Children involved").fill("two")
    page.get_by_label("Add a comment").fill("Waiting to hear from the school")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "Waiting to hear from the school" in page.locator("#comments + *").inner_text()
    assert page.get_by_label("Summary").input_value() == "Half of a summary"
    assert page.get_by_label("Children involved").input_value() == "two"
    assert page.get_by_label("Serious case review").is_checked()
    assert page.get_by_label("Add a comment").input_value() == ""


def test_a_draft_with_an_invalid_value_is_saved_and_restored_without_an_error(server, page, world):
    open_task(page, server, world)
    page.get_by_label("Summary").fill("abc")                 # too short to complete
    page.get_by_label("Children involved").fill("two")       # not a whole number
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    page.goto(f"{server}/tasks/{world['task_id']}")
    assert page.get_by_label("Children involved").input_value() == "two"
    assert page.get_by_label("Summary").input_value() == "abc"
    assert page.locator(".govuk-error-summary").count() == 0
    page.get_by_role("button", name="Complete task").click()
    assert "Children involved must be a whole number" in page.locator(".govuk-error-summary").inner_text()


def test_the_form_saves_itself_while_typing_and_says_when(server, page, world):
    open_task(page, server, world)
    page.get_by_label("Summary").type("Typed, never saved by hand")
    status = page.locator("#draft-status")
    status.filter(has_text=re.compile(r"Draft saved at \d\d:\d\d")).wait_for()
    page.goto(f"{server}/tasks")                              # saved: leaving does not warn
    page.goto(f"{server}/tasks/{world['task_id']}")
    assert page.get_by_label("Summary").input_value() == "Typed, never saved by hand"


def test_leaving_with_unsaved_changes_warns_first_but_not_after_submitting(server, page, world):
    open_task(page, server, world)
    page.evaluate("document.querySelector('#task-form').dataset.autosaveDelay = '60000'")
    page.reload()
    page.locator("#task-form").evaluate("f => f.dataset.autosaveDelay")   # page ready
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.get_by_label("Summary").fill("Not saved yet")
    page.get_by_role("link", name="My tasks").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/tasks/{world['task_id']}")       # stayed, with the typing
    assert page.get_by_label("Summary").input_value() == "Not saved yet"
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert dialogs == ["beforeunload"]                           # submitting did not warn


def test_someone_who_may_only_read_a_task_gets_no_form_and_sees_who_has_it(server, page, world):
    open_task(page, server, world)
    page.get_by_label("Serious case review").check()
    page.get_by_label("Summary").fill(GOOD["summary"])
    page.get_by_label("Children involved").fill(GOOD["children"])
    page.get_by_role("button", name="Complete task").click()
    page.get_by_role("link", name="See the case").click()
    page.locator("#current-tasks").get_by_role("link", name="Decide on a serious case review").click()
    assert page.locator("#task-form").count() == 0
    assert page.get_by_role("button", name="Complete task").count() == 0
    assert "offered to lscb-chair" in page.locator("#read-only").inner_text()
    page.get_by_label("Add a comment").fill("Over to the chair")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_selector(".govuk-notification-banner--success")
