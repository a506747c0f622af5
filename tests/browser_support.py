"""A live server for browser tests: the app on a free loopback port in a thread."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
BUNDLE = Path(__file__).resolve().parent.parent / "web" / "static" / "dist" / "modeler.js"


def browser_skip_reason() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if not BUNDLE.exists():
        return "web/static/dist/modeler.js is missing: run `bash scripts/build-assets`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e .[test])"
    return None


def read_whole(app):
    """``app`` with each response read whole, and its iterable closed, before the server sends
    a byte. Werkzeug's development server skips closing a response when the browser drops the
    connection while it is sent (a favicon as the page moves on): the open file's
    ResourceWarning then failed whichever test the garbage collector ran in (CI, the
    accessibility test). The app streams nothing, so reading whole changes nothing else."""
    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    return wsgi


class LiveServer:
    """Serve ``app`` on 127.0.0.1 with a free port until ``stop()``."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def launch(playwright):
    """Debian's chromium, headless, with no background traffic."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-background-networking", "--disable-gpu"])


def skip_unless_browser() -> None:
    """Skip the calling test, saying why, when no browser test can run here."""
    import pytest
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)


def live_server(app):
    """Yield the base URL of ``app`` served on loopback (for a pytest fixture), CSRF on."""
    skip_unless_browser()
    app.config["WTF_CSRF_ENABLED"] = True        # the real thing in the browser
    with LiveServer(app) as server:
        yield server.url


def browser_page():
    """Yield a chromium page; fails the test if the page broke the CSP or raised an error."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text else None)
        yield page
        browser.close()
        assert errors == [], errors


def sign_in(page, base: str, name: str, password: str) -> None:
    """Sign in through the real login form and wait to leave it."""
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
