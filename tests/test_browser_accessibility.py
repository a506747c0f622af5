"""Every page each role reaches, in a real browser: no serious or critical axe-core violation,
no page that scrolls sideways on a 390 px wide phone, and no link that answers an error.

axe-core comes from node_modules (npm, pinned in package-lock.json); the test puts it into each
page itself. It is never served to users."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

import browser_support
from models import HumanTask
from models.status import TaskStatus
from web.demo import PASSWORD, load_demo
from web_support import app  # noqa: F401

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# not pages: files, feeds, downloads and JSON
NOT_PAGES = re.compile(r"\.(xml|json|ics|pdf|csv|bpmn|dmn|xlsx)$|^/static/|^/api/|^/logout")
SERIOUS = """async () => (await axe.run(document)).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)"""


@pytest.fixture
def demo(app, sessions):
    """The demo board (groups, a user per role, live cases); the name of a reviewer who holds
    an open task."""
    process_engine = app.extensions["lscb.process_engine"]
    with sessions.begin() as session:
        load_demo(session, process_engine, echo=lambda _: None)
        task = session.scalars(select(HumanTask).where(HumanTask.status == TaskStatus.OPEN,
                                                       HumanTask.candidate_groups.is_not(None))
                               .order_by(HumanTask.created_at)).first()
        return f"{task.candidate_groups[0]}.reviewer"


@pytest.fixture
def server(app, demo):
    yield from browser_support.live_server(app)


@pytest.fixture
def browser():
    browser_support.skip_unless_browser()
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `bash scripts/build-assets`")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = browser_support.launch(playwright)
        yield chromium
        chromium.close()


def roles(demo) -> list[str]:
    return [demo, "manager", "owner", "admin"]


def crawl(browser, server, name, app, check, width=1024):
    """Sign in as ``name`` and open one page per route they are shown a link to (from the
    worklist on, breadth first); ``check(page)`` returns its problems. Every link answering
    an error is a problem too."""
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_support.sign_in(page, server, name, PASSWORD)
    routes = app.url_map.bind("localhost")
    queue, seen_routes, seen, problems = ["/tasks"], set(), set(), []
    while queue:
        path = queue.pop(0)
        route = _route(routes, path)
        if path in seen or route in seen_routes:
            continue
        seen.add(path)
        seen_routes.add(route)
        response = page.goto(server + path)
        if response.status >= 400:
            problems.append(f"{name} {path}: HTTP {response.status}")
            continue
        page.wait_for_load_state("networkidle")
        problems += [f"{name} {path}: {p}" for p in check(page)]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(server + path, href))
            if target.netloc == urlsplit(server).netloc and not NOT_PAGES.search(target.path):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    context.close()
    return sorted(seen_routes), problems


def _route(routes, path):
    try:
        return routes.match(urlsplit(path).path)[0]
    except HTTPException:
        return path


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


def sideways_scroll(page) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    return [f"scrolls sideways: {width} px wide"] if width > 390 else []


def test_no_page_of_any_role_has_a_serious_or_critical_accessibility_violation(
        server, browser, app, demo):
    visited, problems = {}, []
    for name in roles(demo):
        visited[name], found = crawl(browser, server, name, app, axe_violations)
        problems += found
    assert problems == [], "\n".join(problems)
    assert {"worklist.index", "tasks.show", "instances.show", "manager.index",
            "account.index", "learning.register"} <= set(visited[demo])
    assert {"dashboard.index", "deadlines.index", "reports.index"} <= set(visited["manager"])
    assert {"definitions.index", "definitions.edit"} <= set(visited["owner"])
    assert {"admin.index", "admin.users", "admin.groups"} <= set(visited["admin"])


def test_no_page_of_any_role_scrolls_sideways_or_fails_the_scan_at_390_px(server, browser, app, demo):
    problems = []
    for name in roles(demo):
        problems += crawl(browser, server, name, app,
                          lambda page: sideways_scroll(page) + axe_violations(page), width=390)[1]
    assert problems == [], "\n".join(problems)
