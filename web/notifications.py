"""The bell (unread count on every page), the notification list, mark read, the email outbox."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select, update

from engine.errors import NotFound
from models import HumanTask, Notification, mail_queries
from models.status import TaskStatus

from .auth import own_or_404, role_required
from .db import get_process_engine, get_session
from .wording import local_time

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def bell() -> dict:
    """``unread_count`` and the bell's links for base.html, for signed-in people."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"unread_count": unread(current_user.name),
            "notifications_url": url_for("notifications.index"),
            "notifications_count_url": url_for("notifications.count")}


def unread(name: str) -> int:
    """How many unread notifications ``name`` has (indexed)."""
    return get_session().scalar(_UNREAD, {"name": name}) or 0


_UNREAD = select(func.count()).select_from(Notification).where(   # built once: every page asks
    Notification.user_name == bindparam("name"), Notification.read.is_(False))


@bp.get("/")
@login_required
def index():
    """The signed-in person's latest notifications."""
    session = get_session()
    notes = session.scalars(select(Notification).where(
        Notification.user_name == current_user.name)
        .order_by(Notification.created_at.desc()).limit(200)).all()
    return render_template("notifications/index.html", notes=notes, local=local,
                           closed=closed_tasks(session, {n.task_id for n in notes if n.task_id}),
                           page_title="Notifications")


CLOSED = {TaskStatus.COMPLETED.value: "This task has been completed",
          TaskStatus.CANCELLED.value: "This task was cancelled"}


def closed_tasks(session, task_ids: set[str]) -> dict[str, str]:
    """``task id -> what became of it`` for those of ``task_ids`` no longer open (one query):
    a notification about one says so instead of opening a closed task."""
    if not task_ids:
        return {}
    rows = session.execute(select(HumanTask.id, HumanTask.status).where(
        HumanTask.id.in_(sorted(task_ids)), HumanTask.status != TaskStatus.OPEN))
    return {task_id: CLOSED.get(status, "This task is closed") for task_id, status in rows}


def local(moment) -> str:
    """An aware UTC moment as board local time (the ``LSCB_TIMEZONE`` setting)."""
    return local_time(moment)


@bp.get("/count")
@login_required
def count():
    """``{"unread": n}`` for the bell's polling."""
    return jsonify(unread=unread(current_user.name))


@bp.post("/<int:note_id>/read")
@login_required
def mark_read(note_id: int):
    """Mark one of my notifications read and follow its link."""
    session, note = get_session(), own_or_404(Notification, note_id)
    note.read = True
    session.commit()
    closed = closed_tasks(session, {note.task_id} if note.task_id else set())
    if note.task_id in closed and note.link.startswith("/tasks/"):
        flash(f"{closed[note.task_id]}: “{note.subject}”.")
        return redirect(url_for(".index"))
    if note.task_id and not may_see_task(session, note.task_id):
        flash("That task is no longer offered to you, and its case is not one you take part in.")
        return redirect(url_for(".index"))
    return redirect(note.link or url_for(".index"))


def may_see_task(session, task_id: str) -> bool:
    """The signed-in person may open the task (a notification's link is not a dead end)."""
    try:
        get_process_engine().task(session, task_id, current_user.actor)
    except NotFound:
        return False
    return True


@bp.post("/read-all")
@login_required
def mark_all_read():
    """Mark all my notifications read."""
    session = get_session()
    session.execute(update(Notification).where(Notification.user_name == current_user.name)
                    .values(read=True))
    session.commit()
    return redirect(url_for(".index"))


@bp.get("/outbox")
@role_required("admin")
def outbox():
    """Emails newest first: held (no SMTP host), waiting, sent, and those whose last attempt
    failed, with the error (``?failed=1``: only those, as ``lscb mail list --failed``)."""
    failed = request.args.get("failed") == "1"
    rows = mail_queries.outbox(get_session(), failed)
    return render_template("notifications/outbox.html", rows=rows, failed=failed, local=local,
                           held=not current_app.config["SETTINGS"].smtp.host,
                           page_title="Email outbox")
