"""The ``lscb`` command: database, people, diagrams, instances, tasks, timers, messages, server.

Every command takes ``--json`` (one JSON document on stdout); a failure exits non-zero with a
one-line reason on stderr (and, with ``--json``, a JSON error document on stdout).
"""
from __future__ import annotations

import functools
import json
import sys
from datetime import datetime, timezone

import click

from engine import Actor, clock
from engine.errors import EngineError, InputError

from .context import Context

# Who the audit trail says acted for an operator at the console (people, groups).
CLI_ACTOR = Actor("cli", roles=frozenset({"admin"}))


def command(group, name=None, **kwargs):
    """A sub-command of ``group`` with ``--json``, a Context, and errors turned into exits."""
    def wrap(fn):
        @group.command(name, **kwargs)
        @click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
        @functools.wraps(fn)
        def run(as_json, **params):
            ctx = Context()
            try:
                result, text = fn(ctx, **params)
            except EngineError as exc:
                _fail(exc.message, exc.to_dict() if as_json else None)
            except (json.JSONDecodeError, ValueError) as exc:
                _fail(f"bad input: {exc}", {"code": "bad_input", "message": str(exc)}
                      if as_json else None)
            click.echo(json.dumps(result, default=str, indent=2) if as_json else text)
        return run
    return wrap


def _fail(message: str, document: dict | None):
    if document is not None:
        click.echo(json.dumps({"error": document}, default=str))
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def parse_json(text: str | None, what: str) -> dict:
    """A JSON object from an option, or InputError naming the option."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{what} is nested too deeply") from None
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object")
    return value


def parse_now(text: str | None) -> datetime | None:
    """An aware datetime from ``--now`` (naive means UTC), or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--now {text!r} is not an ISO-8601 date-time") from None
    return clock.as_utc(value if value.tzinfo else value.replace(tzinfo=timezone.utc))


@click.group()
def main():
    """LSCB Workflow: run a safeguarding board's review pathways."""


from . import commands  # noqa: E402,F401  (registers the sub-commands)
from . import scheduler  # noqa: E402,F401  (scheduler, incidents, deadlines)
from . import server  # noqa: E402,F401  (serve, demo)
from . import mail  # noqa: E402,F401  (mail list)
from . import backup  # noqa: E402,F401  (backup, restore)
