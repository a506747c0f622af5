"""In a real browser, as a process owner: the lane mapping picked from lists, and a dry run
stepped through each task's own form, across a service step that is simulated."""
import pytest

import browser_support
from engine import people
from test_browser_manager import drawn_case, page, server  # noqa: F401
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def owner_world(world, sessions, deploy):  # noqa: F811
    with sessions.begin() as s:
        people.add_group(s, "business-unit", "Business Unit", "board")
        people.add_user(s, "olive", PASSWORD, roles=["process_owner"])
    deploy("engine/service_step.bpmn")


def test_a_dry_run_steps_through_a_pathway_with_a_service_step(server, page, owner_world):  # noqa: F811
    browser_support.sign_in(page, server, "olive", PASSWORD)
    page.goto(f"{server}/definitions/service_step/dryrun")
    page.fill("#start_at", "2025-01-06T09:00")
    page.click("#step-through")
    assert "Step 1: Register the audit" in page.locator("#asking h2").inner_text()
    page.fill("#answer-audit_title", "")
    page.click("#answer-step")
    assert page.locator(".govuk-error-summary a[href='#answer-audit_title']").is_visible()
    page.fill("#answer-audit_title", "Neglect audit")
    page.check("input[name='answer-audit_kind'][value='case']")
    page.click("#answer-step")
    assert "Step 2: Summarise the audit" in page.locator("#asking h2").inner_text()
    page.fill("#answer-summary", "Practice was good overall.")
    page.click("#answer-step")
    assert page.locator("#outcome-text").inner_text().startswith("finished")
    calls = page.locator("#dry-calls").inner_text()
    assert "review.open" in calls and "Neglect audit" in calls and "review.close" in calls


def test_an_admin_maps_a_lane_from_lists_and_removes_it(server, page, world):  # noqa: F811
    browser_support.sign_in(page, server, "ada", PASSWORD)
    page.goto(f"{server}/admin/lanes")
    page.select_option("#lane", "LISG")
    page.select_option("#group", "police")
    page.click("button:has-text('Save mapping')")
    row = page.locator("#lanes tr", has_text="LISG")
    assert "police (mapped)" in row.inner_text()
    row.locator("button:has-text('Remove mapping')").click()
    assert "not mapped" in page.locator("#lanes tr", has_text="LISG").inner_text()


def open_task_panel(server, page, world):  # noqa: F811
    """As the manager, the case of ``world`` with its task's reassign and due date panel open."""
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/instances/{world['instance_id']}")
    page.click("text=Reassign or change the due date")


def test_a_past_due_date_is_refused_until_confirmed_and_the_reason_is_kept(server, page, world):  # noqa: F811
    open_task_panel(server, page, world)
    page.fill("#due-date-1", "2020-01-06")
    page.fill("#due-reason-1", "Agreed at the LISG meeting")
    page.click("button:has-text('Change due date')")
    summary = page.locator(".govuk-error-summary")
    assert "in the past" in summary.inner_text()
    assert page.locator("#due-reason-1").input_value() == "Agreed at the LISG meeting"
    summary.locator("a").click()                                   # the link reaches the box
    page.check("#confirm-1")
    page.click("button:has-text('Change due date')")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "to 6 January 2020, 5:00pm: Agreed at the LISG meeting" in page.locator(".app-timeline").inner_text()


def test_reassign_finds_a_person_by_name_or_group_with_their_groups_shown(server, page, world):  # noqa: F811
    open_task_panel(server, page, world)
    page.fill("#assignee-1", "polic")                  # a group's name finds its people
    option = page.locator("#assignee-1__listbox li").first
    assert option.inner_text() == "bob (bob), police"
    option.click()
    page.fill("#reassign-reason-1", "Police lead")
    page.click("button:has-text('Reassign task')")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "now with bob" in page.locator(".govuk-notification-banner--success").inner_text()


def test_a_manager_reassigns_a_selection_of_cases_after_a_preview(server, page, world):  # noqa: F811
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/instances")
    page.check(f"#select-{world['instance_id']}")
    page.check("input[name='action'][value='reassign']")
    page.select_option("#batch-group", "police")
    page.fill("#batch-reason", "Police lead for these cases")
    page.click("#batch-preview")
    rows = page.locator("#batch-items tbody tr")
    assert rows.count() == 1 and "intake → police" in rows.first.inner_text()
    assert "Will change" in rows.first.inner_text()
    page.click("#batch-apply")
    assert "1 of 1 case changed" in page.locator("#batch-summary").inner_text()
    assert "offered to police" in page.locator("#batch-items").inner_text()


def test_the_heatmap_is_coloured_with_a_legend_and_the_diagram_zooms_fits_and_pans(
        server, page, drawn_case):  # noqa: F811
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/dashboard/heatmap/drawn_review?by=count")
    page.wait_for_selector("#diagram.is-ready")
    assert page.locator('g.djs-element.heat-5[data-element-id="screen"]').count() == 1
    assert page.locator("#heat-legend li").count() == 5
    zoom = "() => window.lscbViewer.get('canvas').zoom()"
    before = page.evaluate(zoom)
    page.click("#diagram-zoom-in")
    assert page.evaluate(zoom) > before * 1.2
    page.click("#diagram-fit")
    assert abs(page.evaluate(zoom) - before) < 0.01
    box = "() => window.lscbViewer.get('canvas').viewbox().x"
    x = page.evaluate(box)
    page.focus("#diagram")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(box) > x
    page.keyboard.press("-")
    assert page.evaluate(zoom) < before
