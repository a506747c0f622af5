"""Managers' deadlines page, incident retry, and each person's iCalendar feed of deadlines."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

from engine import EngineError, clock
from models import deadline_queries, reporting, statistics
from models.action_reports import plans_overdue
from models.status import InstanceStatus

from . import batch_form
from .auth import role_required
from .db import board_tz, get_process_engine, get_session
from .notifications import local
from .wording import names

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")
HORIZON = timedelta(days=30)
AT_RISK = timedelta(days=3)
LISTED = 100        # tasks listed per section: a region has thousands due and hundreds overdue


@bp.get("/")
@role_required("manager")
def index():
    """Upcoming timers and due dates, overdue tasks by agency and pathway, incidents, and tasks
    nobody can act on; the tasks can be ticked for a batch action."""
    return _page()


_BATCH_FIELDS = {"action": "task-batch-action", "task_id": "task-batch-action",
                 "group": "task-batch-group", "assignee": "task-batch-assignee",
                 "due_date": "task-batch-due-date", "reason": "task-batch-reason"}


@bp.post("/tasks/batch")
@role_required("manager")
def task_batch():
    """Reassign or move the due date of the ticked tasks, with one reason: previewed first, then
    applied task by task with the result and an audit entry for each."""
    return batch_form.run("task_id", lambda field, message: _page(
        422, (_BATCH_FIELDS.get(field, "task-batch-action"), message)))


def _page(status: int = 200, batch_error: tuple[str, str] | None = None):
    """The deadlines page; with ``batch_error`` (field id, message), a refused batch action
    with what was ticked and typed kept."""
    session = get_session()
    now = clock.now().replace(second=0, microsecond=0)    # the dashboard's moment: same counts
    late = deadline_queries.tasks_due(session, None, now, limit=LISTED)
    overdue = defaultdict(list)
    for task, instance in late:
        for key in statistics.group_keys(task):
            overdue[key].append((task, instance))
    return render_template(
        "deadlines/index.html", page_title="Deadlines", local=local, now=now,
        timers=deadline_queries.upcoming_timers(session, now, now + HORIZON),
        due=deadline_queries.tasks_due(session, now, now + HORIZON, limit=LISTED),
        due_total=deadline_queries.tasks_due_count(session, now, now + HORIZON),
        at_risk=deadline_queries.tasks_due(session, now, now + AT_RISK, limit=LISTED),
        at_risk_total=deadline_queries.tasks_due_count(session, now, now + AT_RISK),
        overdue=overdue, overdue_total=statistics.overdue_count(session, now),
        listed=len(late), loads=statistics.overdue_by_group(session, now),
        incidents=deadline_queries.incidents(session),
        unassignable=deadline_queries.unassignable(session),
        late_plans=plans_overdue(session, now.astimezone(board_tz()).date()),
        task_batch_actions=get_process_engine().task_batch_actions,
        groups=reporting.groups(session), people=reporting.people(session),
        batch_error=batch_error, typed=request.form, ticked=set(request.form.getlist("task_id")),
        ), status


@bp.post("/incidents/<int:instance_id>/retry")
@role_required("manager")
def retry(instance_id: int):
    """Run an incident's failed step again."""
    session = get_session()
    try:
        record = get_process_engine().retry(session, instance_id, current_user.actor)
        session.commit()
        _flash_outcome([record])
    except EngineError as exc:
        session.rollback()
        flash(exc.message, "error")
    return redirect(url_for(".index"))


@bp.post("/incidents/batch")
@role_required("manager")
def batch():
    """Retry or cancel the selected incidents at once, with one reason."""
    session, form = get_session(), request.form
    try:
        ids = [int(i) for i in form.getlist("instance_id") if i.isdigit()]
        records = get_process_engine().resolve_incidents(
            session, ids, current_user.actor, form.get("action", ""), form.get("reason", ""))
        session.commit()
        _flash_outcome(records)
    except EngineError as exc:
        session.rollback()
        flash(exc.message, "error")
    return redirect(url_for(".index"))


def _flash_outcome(records) -> None:
    """Say which cases went on and which failed again (still incidents, with the error)."""
    failed = [r for r in records if r.status == InstanceStatus.INCIDENT]
    done = [r for r in records if r.status != InstanceStatus.INCIDENT]
    if done:
        flash("; ".join(f"{r.reference} is now {r.status}" for r in done) + ".", "success")
    for r in failed:
        flash(f"{r.reference}: the step failed again and is still an incident: "
              f"{(r.error or {}).get('message', '')}", "error")


@bp.post("/calendar/token")
@login_required
def new_token():
    """Create (replacing any old one) the secret address of my deadline calendar feed; it is
    shown on this page only, once (only its hash is kept)."""
    session = get_session()
    secret = get_process_engine().create_calendar_feed(session, current_user.actor)
    session.commit()
    return _calendar_page(url_for(".feed", token=secret, _external=True))


@bp.post("/calendar/revoke")
@login_required
def revoke_token():
    """Revoke my calendar feed address."""
    session = get_session()
    get_process_engine().revoke_calendar_feed(session, current_user.actor)
    session.commit()
    return redirect(url_for(".calendar_page"))


@bp.get("/calendar")
@login_required
def calendar_page():
    """Whether I have a calendar feed address (or a button to make one)."""
    return _calendar_page(None)


def _calendar_page(feed_url: str | None):
    since = get_process_engine().calendar_feed_since(get_session(), current_user.actor)
    return render_template("deadlines/calendar.html", feed_url=feed_url, since=since,
                           page_title="Calendar feed")


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The iCalendar feed of a person's task deadlines (no sign-in: the token is the secret)."""
    session = get_session()
    user = get_process_engine().calendar_feed_user(session, token)
    if user is None:
        abort(404)
    rows = deadline_queries.tasks_of_user(session, user.name, user.group_slugs)
    return Response(ical(rows, url_for("auth.home", _external=True).rstrip("/")),
                    mimetype="text/calendar")


def ical(rows, base: str) -> str:
    """VCALENDAR text with one event per task due time (case reference only, no details),
    text values escaped and lines folded at 75 octets as RFC 5545 asks."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//LSCB Workflow//Deadlines//EN"]
    for task, instance in rows:
        due = task.due_at.strftime("%Y%m%dT%H%M%SZ")
        lines += ["BEGIN:VEVENT", f"UID:{task.id}@lscb", f"DTSTAMP:{stamp}", f"DTSTART:{due}",
                  f"DTEND:{due}", f"SUMMARY:{ical_text(f'Task due on case {instance.reference}')}",
                  f"URL:{base}/tasks/{task.id}", "END:VEVENT"]
    return "\r\n".join([fold(line) for line in lines] + ["END:VCALENDAR", ""])


def ical_text(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, a
    line break written ``\\n``, other control characters dropped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(c for c in value if (c >= " " and c != "\x7f") or c == "\t")


def fold(line: str, limit: int = 75) -> str:
    """A content line folded (RFC 5545 3.1): at most ``limit`` octets per physical line,
    continuations starting with a space, never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current, size = current + char, size + width
    return "\r\n".join(parts + [current])
