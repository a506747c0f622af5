"""In a real browser: a manager opens a case, sees the active task highlighted on the diagram,
reassigns it with a reason, and the timeline shows it."""
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.actors import load_actor
from web_support import PASSWORD, app, world  # noqa: F401

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
VIEWER = Path(__file__).resolve().parent.parent / "web" / "static" / "dist" / "viewer.js"


def _skip_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        return f"chromium is not installed at {CHROMIUM}"
    if not VIEWER.is_file():
        return "web/static/dist/viewer.js is missing: run bash scripts/build-assets"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


@pytest.fixture
def server(app):
    """The app on a free loopback port, served from a thread."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        tab = browser.new_page()
        errors = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.set_default_timeout(15_000)
        yield tab
        browser.close()
        assert errors == [], errors


@pytest.fixture
def drawn_case(world, deploy, sessions, engine):
    """A case of a diagram that has a drawing (bpmndi), waiting at 'screen'."""
    deploy("manager/drawn_review.bpmn")
    with sessions.begin() as session:
        return engine.start(session, "drawn_review", load_actor(session, "ann"),
                            {"case_title": "Drawn case"}, reference="DRAWN-1").id


def test_manager_sees_active_step_and_reassigns_with_a_reason(server, page, drawn_case):
    page.goto(f"{server}/login")
    page.fill("#username", "mia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
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
