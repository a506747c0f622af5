"""Real browser tests: Debian's chromium driven by Playwright against a server on loopback."""
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


# A reviewer never loses typed work; someone who may only read a task gets no form.

def open_task(page, server, world, name="ann"):
    sign_in(page, server, name)
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
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.get_by_role("link", name="My tasks").click()          # saved: leaving does not warn
    page.wait_for_url(f"{server}/tasks")
    assert dialogs == []
    page.goto(f"{server}/tasks/{world['task_id']}")
    assert page.get_by_label("Summary").input_value() == "Typed, never saved by hand"


def test_leaving_with_unsaved_changes_warns_first_but_not_after_submitting(server, page, world):
    open_task(page, server, world)
    page.route("**/draft", lambda route: route.abort())         # the autosave cannot get through
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.get_by_label("Summary").fill("Not saved yet")
    page.get_by_role("link", name="My tasks").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/tasks/{world['task_id']}")       # stayed, with the typing
    assert page.get_by_label("Summary").input_value() == "Not saved yet"
    page.locator("#draft-status").filter(has_text="could not be saved").wait_for()
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
