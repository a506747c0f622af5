"""Managers' deadlines page, incident retry, and each person's iCalendar feed of deadlines."""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, select

from engine import EngineError, clock
from models import CalendarToken, User, deadline_queries

from .auth import role_required
from .db import get_process_engine, get_session
from .notifications import local

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")
HORIZON = timedelta(days=30)
AT_RISK = timedelta(days=3)


@bp.get("/")
@role_required("manager")
def index():
    """Upcoming timers and due dates, overdue tasks by agency and pathway, incidents."""
    session, now = get_session(), clock.now()
    overdue = defaultdict(list)
    for task, instance in deadline_queries.tasks_due(session, None, now):
        agency = ", ".join(task.candidate_groups or []) or task.assignee or "-"
        overdue[(agency, task.process_id)].append((task, instance))
    return render_template(
        "deadlines/index.html", page_title="Deadlines", local=local, now=now,
        timers=deadline_queries.upcoming_timers(session, now, now + HORIZON),
        due=deadline_queries.tasks_due(session, now, now + HORIZON),
        at_risk=deadline_queries.tasks_due(session, now, now + AT_RISK),
        overdue=sorted(overdue.items()), incidents=deadline_queries.incidents(session))


@bp.post("/incidents/<int:instance_id>/retry")
@role_required("manager")
def retry(instance_id: int):
    """Run an incident's failed step again."""
    session = get_session()
    try:
        record = get_process_engine().retry(session, instance_id, current_user.actor)
        session.commit()
        flash(f"Instance {record.reference} is now {record.status}.", "success")
    except EngineError as exc:
        session.rollback()
        flash(exc.message)
    return redirect(url_for(".index"))


@bp.post("/calendar/token")
@login_required
def new_token():
    """Create (replacing any old one) the secret URL of my deadline calendar feed."""
    session = get_session()
    session.execute(delete(CalendarToken).where(CalendarToken.user_name == current_user.name))
    session.add(CalendarToken(token=secrets.token_urlsafe(32), user_name=current_user.name))
    session.commit()
    return redirect(url_for(".calendar_page"))


@bp.post("/calendar/revoke")
@login_required
def revoke_token():
    """Revoke my calendar feed URL."""
    session = get_session()
    session.execute(delete(CalendarToken).where(CalendarToken.user_name == current_user.name))
    session.commit()
    return redirect(url_for(".calendar_page"))


@bp.get("/calendar")
@login_required
def calendar_page():
    """My calendar feed URL (or a button to make one)."""
    token = get_session().scalar(select(CalendarToken.token)
                                 .where(CalendarToken.user_name == current_user.name))
    url = url_for(".feed", token=token, _external=True) if token else None
    return render_template("deadlines/calendar.html", feed_url=url, page_title="Calendar feed")


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The iCalendar feed of a person's task deadlines (no sign-in: the token is the secret)."""
    session = get_session()
    row = session.get(CalendarToken, token)
    user = session.scalars(select(User).where(User.name == row.user_name)).first() if row else None
    if user is None or not user.active:
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
