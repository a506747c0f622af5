"""``lscb mail``: the email outbox, as the scheduler left it."""
from __future__ import annotations

import click

from models import mail_queries

from . import command, main

FIELDS = ("id", "status", "user_name", "to_address", "kind", "subject", "attempts",
          "last_error", "next_attempt_at", "created_at", "sent_at")


@main.group()
def mail():
    """Emails queued, sent, failing or parked."""


@command(mail, "list")
@click.option("--failed", is_flag=True,
              help="Only emails whose last attempt failed (retrying, or parked after the last).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
def mail_list(ctx, failed, limit):
    """The newest outbox rows, with their attempts and last error."""
    with ctx.sessions() as session:
        result = [{name: getattr(row, name) for name in FIELDS}
                  for row in mail_queries.outbox(session, failed, limit)]
    lines = [f"{r['id']} {r['status']} {r['to_address']} {r['subject']!r} "
             f"attempts={r['attempts']}" + (f": {r['last_error']}" if r["last_error"] else "")
             for r in result]
    return result, "\n".join(lines) or ("no failed emails" if failed else "the outbox is empty")
