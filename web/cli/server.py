"""``lscb serve`` (waitress, with the timer scheduler in-process) and ``lscb demo``."""
from __future__ import annotations

import dataclasses
import logging

import click

from ..config import Config
from . import command, main
from .context import load_settings

log = logging.getLogger(__name__)


@command(main, "demo")
def demo(ctx):
    """Load demo groups, users (passwords printed) and live cases; safe to run again."""
    from engine import upgrade_schema

    from ..demo import load_demo
    upgrade_schema(ctx.db_engine)
    with ctx.sessions.begin() as session:
        result = load_demo(session, ctx.process_engine, echo=lambda m: click.echo(m, err=True))
    lines = [f"demo data loaded (cases from {result['source']})",
             f"cases started now: {result['cases'] or 'none (already there)'}",
             f"every demo user's password: {result['password']}", "users:"]
    lines += [f"  {name}" for name in result["users"]]
    return result, "\n".join(lines)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Do not fire timers in this process.")
def serve(host, port, threads, no_scheduler):
    """Run the web app with waitress (and, by default, the timer scheduler)."""
    from waitress import serve as waitress_serve
    from .. import create_app
    settings = load_settings()
    if settings.secure_cookies is None and host in ("127.0.0.1", "localhost"):
        # plain http on loopback for local use (in this app's settings; the environment is
        # left as it was)
        settings = dataclasses.replace(settings, secure_cookies=False)
    app = create_app(Config(settings).as_dict())
    scheduler = None if no_scheduler else _start_scheduler(app)
    click.echo(f"serving on http://{host}:{port}/")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="lscb")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _start_scheduler(app):
    """The timer sweep in a background thread, on the app's database."""
    return app.extensions["lscb.process_engine"].start_scheduler(app.extensions["lscb.sessions"])
