"""In a real browser: a manager opens a case, sees the active task highlighted on the diagram,
reassigns it with a reason, and the timeline shows it."""
import pytest

import browser_support
from engine.actors import load_actor
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):
    yield from browser_support.live_server(app)


@pytest.fixture
def page(server):
    yield from browser_support.browser_page()


@pytest.fixture
def drawn_case(world, deploy, sessions, process_engine):
    """A case of a diagram that has a drawing (bpmndi), waiting at 'screen'."""
    deploy("manager/drawn_review.bpmn")
    with sessions.begin() as session:
        return process_engine.start(session, "drawn_review", load_actor(session, "ann"),
                            {"case_title": "Drawn case"}, reference="DRAWN-1").id


def test_manager_sees_active_step_and_reassigns_with_a_reason(server, page, drawn_case):
    browser_support.sign_in(page, server, "mia", PASSWORD)
    page.goto(f"{server}/instances")
    page.click("#cases a:has-text('DRAWN-1')")
    # the viewer draws the diagram and marks the open user task as active
    page.wait_for_selector("#diagram.is-ready")
    active = page.locator('g.djs-element.state-active[data-element-id="screen"]')
    assert active.count() == 1
    assert page.locator('g.djs-element.state-completed[data-element-id="start"]').count() == 1
    assert page.locator('g.djs-element.state-active[data-element-id="decide"]').count() == 0
    # reassign the task to bob with a reason
    page.click("text=Reassign or change the due date")
    page.fill("#assignee-1", "bob")
    page.fill("#reassign-reason-1", "Police safeguarding lead takes over")
    page.click("button:has-text('Reassign task')")
    page.wait_for_selector(".govuk-notification-banner--success")
    timeline = page.locator(".app-timeline").inner_text()
    assert "Task reassigned" in timeline
    assert "Police safeguarding lead takes over" in timeline and "to bob" in timeline
