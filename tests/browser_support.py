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


class LiveServer:
    """Serve ``app`` on 127.0.0.1 with a free port until ``stop()``."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
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
