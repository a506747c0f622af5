"""The process owner's round trip in a real browser: edit a task in the properties panel, save,
validate and deploy; the new version's task reaches the new group with the new field."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import models
from browser_support import LiveServer, browser_skip_reason, launch
from engine import Actor, people
from engine.deployment import latest_definition
from models.session import make_engine
from web import create_app
from web import db as web_db

pytestmark = pytest.mark.browser
APPROVAL = Path(__file__).parent / "data/definitions/approval.bpmn"
PASSWORD = "correct-horse-1"
MANAGER = Actor("mia", roles=frozenset({"manager"}))     # approval names no starters
PANEL = "[data-group-id='group-CamundaPlatform__{}']"
GROUP = "[data-group-id='group-{}']"


@pytest.fixture
def live(db_url):
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    db_engine = make_engine(db_url)
    models.Base.metadata.create_all(db_engine)
    db_engine.dispose()
    app = create_app({"DATABASE_URL": db_url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "browser",
                      "SESSION_COOKIE_SECURE": False, "LOG_LEVEL": "WARNING"})
    with app.extensions["lscb.sessions"].begin() as s:
        for slug in ("intake", "police"):
            people.add_group(s, slug)
        people.add_user(s, "olive", PASSWORD, roles=["process_owner"])
        people.add_user(s, "bob", PASSWORD, groups=["police"], roles=["reviewer"])
        app.extensions["lscb.process_engine"].deploy(s, {"approval.bpmn": APPROVAL.read_bytes()}, "setup", "first")
    with LiveServer(app) as server:
        server.app = app
        yield server
    web_db.dispose(app)


def sign_in(page, base, name):
    page.goto(base + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def open_group(page, group, panel=PANEL):
    header = page.locator(panel.format(group) + " .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.locator(".bio-properties-panel-group-header-title").click()


def open_review_task(browser, live):
    """The approval diagram in the modeler as its owner, its review task selected; and the
    list that collects the page's script errors."""
    page, errors = browser.new_page(), []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live.url, "olive")
    page.goto(live.url + "/definitions/approval/edit")
    page.wait_for_selector("#modeler.is-ready", timeout=20000)
    page.click(".djs-element[data-element-id='review']")
    return page, errors


def add_form_field(page) -> str:
    """Add a form field to the selected task; the id prefix of its entries."""
    open_group(page, "FormData")
    page.click(PANEL.format("FormData") + " .bio-properties-panel-group-header .bio-properties-panel-add-entry")
    return "#bio-properties-panel-review-formField-1-"


def wait_status(page, text):
    page.wait_for_function("t => (document.getElementById('modeler-status') || {}).textContent"
                           " && document.getElementById('modeler-status').textContent.includes(t)",
                           arg=text, timeout=20000)


def deploy_edited(page, live, note):
    """Validate and deploy the edited diagram with ``note``; the new version of approval."""
    page.click("#validate")
    wait_status(page, "No errors")
    page.fill("#change-note", note)
    page.click("#deploy")
    page.wait_for_url(live.url + "/definitions/approval", timeout=20000)
    with live.app.extensions["lscb.sessions"]() as s:
        definition = latest_definition(s, "approval")
        assert definition.files                   # deferred: loaded while the session is open
        s.expunge(definition)
    return definition


def add_constraint(page, entry_prefix, name):
    """Add a validation constraint (``required``) to a form field."""
    constraints = page.locator(f"[data-entry-id='{entry_prefix}formFieldConstraints']")
    constraints.locator(".bio-properties-panel-add-entry").click()
    constraints.locator("input").first.fill(name)


def test_owner_edits_group_and_required_field_then_the_new_group_sees_it(live):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page, errors = open_review_task(browser, live)
            open_group(page, "UserAssignment")
            page.fill("#bio-properties-panel-candidateGroups", "police")
            prefix = add_form_field(page)
            page.fill(prefix + "formFieldID", "risk_level")
            page.fill(prefix + "formFieldLabel", "Risk level")
            page.select_option(prefix + "formFieldType", "string")
            add_constraint(page, "review-formField-1-", "required")
            page.locator("#bio-properties-panel-candidateGroups").press("Tab")

            page.click("#save-draft")
            wait_status(page, "saved")
            definition = deploy_edited(page, live, "Police review the request; risk level is required")
            assert "Police review the request" in page.content()
            assert errors == [] and definition.version == 2

            sessions, process_engine = live.app.extensions["lscb.sessions"], live.app.extensions["lscb.process_engine"]
            with sessions.begin() as s:
                case = process_engine.start(s, "approval", MANAGER, {"case_title": "Browser"})
            [task] = case.tasks
            assert task.candidate_groups == ["police"]
            field = next(f for f in task.form["fields"] if f["id"] == "risk_level")
            assert field["required"] and field["label"] == "Risk level"

            reviewer = browser.new_page()
            sign_in(reviewer, live.url, "bob")
            reviewer.goto(f"{live.url}/tasks/{task.id}")
            assert reviewer.locator("label[for='risk_level']").inner_text().startswith("Risk level")
            assert reviewer.locator("#risk_level").get_attribute("required") is not None
        finally:
            browser.close()


def test_the_properties_panel_offers_group_field_types(live):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page, errors = open_review_task(browser, live)
            prefix = add_form_field(page)
            page.fill(prefix + "formFieldID", "agencies_told")
            page.fill(prefix + "formFieldLabel", "Agencies told")
            options = page.locator(prefix + "formFieldType option").all_inner_texts()
            assert {"group", "groups", "text", "number"} <= set(options)
            page.select_option(prefix + "formFieldType", "groups")
            assert page.locator(prefix + "formFieldCustomType").count() == 0
            definition = deploy_edited(page, live, "Which agencies were told")
            assert errors == [] and definition.version == 2
            xml = next(iter(definition.files.values()))
            assert 'id="agencies_told" label="Agencies told" type="groups"' in xml
        finally:
            browser.close()


def test_the_properties_panel_edits_who_may_start_and_the_start_form(live):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page, errors = open_review_task(browser, live)
            page.keyboard.press("Escape")                  # nothing selected: the process
            page.click("#modeler .djs-container", position={"x": 600, "y": 20})
            open_group(page, "CandidateStarter")
            page.fill("#bio-properties-panel-candidateStarterGroups", "police")
            page.fill("#bio-properties-panel-candidateStarterUsers", "olive")
            page.click(".djs-element[data-element-id='start']")
            open_group(page, "Form")
            page.select_option("#bio-properties-panel-formType", "formData")
            open_group(page, "FormData")
            page.click(PANEL.format("FormData") + " .bio-properties-panel-group-header"
                       " .bio-properties-panel-add-entry")
            prefix = "#bio-properties-panel-start-formField-0-"
            page.fill(prefix + "formFieldID", "case_title")
            page.fill(prefix + "formFieldLabel", "Short title")
            page.select_option(prefix + "formFieldType", "string")
            add_constraint(page, "start-formField-0-", "required")
            page.locator(prefix + "formFieldLabel").press("Tab")
            page.click("#save-draft")
            wait_status(page, "saved")
            definition = deploy_edited(page, live, "Police start it with a title")
            assert errors == [] and definition.version == 2
            assert (definition.starter_groups, definition.starter_users) == (["police"], ["olive"])
            [field] = definition.start_form["fields"]
            assert (field["id"], field["label"], field["required"]) == ("case_title", "Short title", True)
            reviewer = browser.new_page()
            sign_in(reviewer, live.url, "bob")             # police: may start it now
            reviewer.goto(f"{live.url}/start")
            reviewer.click("#pathways a:has-text('Approval')")
            assert reviewer.locator("label[for='case_title']").inner_text().startswith("Short title")
        finally:
            browser.close()


def test_the_properties_panel_describes_this_engines_syntax(live):
    """Due dates, assignments and timers are described as the engine reads them (working days,
    UK time, Python in ${...}), not as Camunda EL and ISO-only examples."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page, errors = open_review_task(browser, live)
            open_group(page, "UserAssignment")
            group = page.locator(PANEL.format("UserAssignment")).inner_text()
            assert "P15WD" in group and "Python expression" in group and "${someDate}" not in group
            assert "Group slugs, comma-separated" in group
            page.evaluate("""() => {
                const m = window.lscbModeler, registry = m.get('elementRegistry');
                const task = registry.get('review');
                const shape = m.get('elementFactory').createShape({type: 'bpmn:BoundaryEvent',
                    eventDefinitionType: 'bpmn:TimerEventDefinition'});
                const made = m.get('modeling').createShape(shape,
                    {x: task.x + 20, y: task.y + task.height}, task, {attach: true});
                m.get('selection').select(made);
            }""")
            open_group(page, "timer", GROUP)
            page.select_option("#bio-properties-panel-timerEventDefinitionType", "timeDuration")
            timer = page.locator(GROUP.format("timer")).inner_text()
            assert "working days (P15WD)" in timer and "R5/PT10S" not in timer
            page.fill("#bio-properties-panel-timerEventDefinitionValue", "P5WD")
            page.locator("#bio-properties-panel-timerEventDefinitionValue").press("Tab")
            xml = page.evaluate("async () => (await window.lscbModeler.saveXML()).xml")
            assert ">P5WD</bpmn:timeDuration>" in xml
            page.evaluate("""() => {
                const m = window.lscbModeler;
                m.get('selection').select(m.get('elementRegistry').get('f2'));
            }""")
            open_group(page, "Condition")
            page.select_option("#bio-properties-panel-conditionType", "expression")
            condition = page.locator(PANEL.format("Condition")).inner_text()
            assert "A Python expression over the case data that is true when this flow is taken" \
                in condition and "route == 'scr'" in condition and "no ${...}" in condition
            assert "boolean condition expression" not in condition
            page.fill("#bio-properties-panel-conditionExpression", "approved is True")
            page.locator("#bio-properties-panel-conditionExpression").press("Tab")
            xml = page.evaluate("async () => (await window.lscbModeler.saveXML()).xml")
            assert re.search(r'<bpmn:sequenceFlow id="f2"[^>]*>\s*<bpmn:conditionExpression '
                             r'xsi:type="bpmn:tFormalExpression">approved is True<', xml), xml
            assert errors == []
        finally:
            browser.close()
