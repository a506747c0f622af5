"""``lscb scheduler``, ``lscb incidents`` and ``lscb deadlines``: the background side."""
from __future__ import annotations

import click

from engine import InvalidState, load_actor
from models import deadline_queries
from models.status import InstanceStatus

from .. import configure_logging
from . import command, main, parse_now


@command(main, "scheduler")
@click.option("--once", is_flag=True, help="Run one sweep and exit.")
@click.option("--now", "now_text", help="With --once: sweep as if the clock read this time.")
@click.option("--interval", type=click.FloatRange(min=0.01),
              help="Seconds between sweeps (default LSCB_SCHEDULER_INTERVAL).")
def scheduler(ctx, once, now_text, interval):
    """Fire timers, deadline reminders/escalations and emails (standalone, until stopped)."""
    if once:
        result = ctx.process_engine.sweep(ctx.sessions, parse_now(now_text))
        return result, " ".join(f"{k}={v}" for k, v in result.items())
    configure_logging(ctx.settings.log_level)      # Spiff's loggers pinned as in the server
    click.echo("scheduler running; Ctrl+C stops it", err=True)
    try:
        ctx.process_engine.start_scheduler(ctx.sessions, interval, blocking=True)
    except (KeyboardInterrupt, SystemExit):
        pass
    return {"stopped": True}, "scheduler stopped"


@main.group()
def incidents():
    """Instances whose step failed (a script error, a timer that raised)."""


@command(incidents, "list")
def incidents_list(ctx):
    """Every instance in incident, with its error."""
    with ctx.sessions() as session:
        rows = deadline_queries.incidents(session)
        result = [{"id": r.id, "reference": r.reference, "process_id": r.process_id,
                   "updated_at": r.updated_at, "error": r.error} for r in rows]
    lines = [f"{r['id']} {r['reference']} {r['process_id']}: "
             f"{(r['error'] or {}).get('message', '')}" for r in result]
    return result, "\n".join(lines) or "no incidents"


@command(incidents, "retry")
@click.argument("instance_ids", type=int, nargs=-1, required=True)
@click.option("--user", default="system")
@click.option("--reason", help="Why (kept in each case's audit trail; needed for several).")
def incidents_retry(ctx, instance_ids, user, reason):
    """Run incidents' failed steps again; exits non-zero when one fails again (it stays an
    incident, with the new error)."""
    with ctx.sessions.begin() as session:
        actor = load_actor(session, user)
        if len(instance_ids) == 1 and not reason:
            records = [ctx.process_engine.retry(session, instance_ids[0], actor)]
        else:
            records = ctx.process_engine.resolve_incidents(session, instance_ids, actor,
                                                           "retry", reason)
    failed = [r for r in records if r.status == InstanceStatus.INCIDENT]
    if failed:       # committed: the incidents keep their new errors
        raise InvalidState("; ".join(f"instance {r.id} failed again and is still an incident: "
                                     f"{(r.error or {}).get('message', '')}" for r in failed))
    return [r.to_dict() for r in records] if len(records) > 1 else records[0].to_dict(), \
        "\n".join(f"instance {r.id} is {r.status}" for r in records)


@command(incidents, "cancel")
@click.argument("instance_ids", type=int, nargs=-1, required=True)
@click.option("--user", required=True)
@click.option("--reason", required=True, help="Why (kept in each case's audit trail).")
def incidents_cancel(ctx, instance_ids, user, reason):
    """Cancel incidents (managers), with one reason."""
    with ctx.sessions.begin() as session:
        records = ctx.process_engine.resolve_incidents(
            session, instance_ids, load_actor(session, user), "cancel", reason)
    return [r.to_dict() for r in records], \
        "\n".join(f"instance {r.id} is {r.status}" for r in records)


@main.group()
def deadlines():
    """Task due dates."""


@command(deadlines, "change")
@click.argument("task_id")
@click.option("--due", "due_text", required=True, help="New due time (ISO-8601; naive = UTC).")
@click.option("--reason", required=True)
@click.option("--user", required=True)
def deadlines_change(ctx, task_id, due_text, reason, user):
    """Move a task's due date (managers), with a reason."""
    with ctx.sessions.begin() as session:
        task = ctx.process_engine.change_due_date(session, task_id, load_actor(session, user),
                                          parse_now(due_text), reason)
        result = {"task": task.id, "due_at": task.due_at.isoformat()}
    return result, f"task {task_id} now due {result['due_at']}"
