"""One batch action over ticked cases or ticked tasks, from a form: its preview first (what each
item would become, or why it is skipped), then, confirmed, applied item by item with the result
of each. The cases list and the deadlines page share it."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import current_app, render_template, request
from flask_login import current_user

from engine import InputError, InvalidState, NotFound

from .db import get_process_engine, get_session

FIELDS = ("action", "group", "assignee", "due_date", "due_time", "reason")


def run(items_field: str, refused):
    """The preview or the applied result of the form's batch over its ticked ``items_field``
    (``instance_id`` or ``task_id``); ``refused(field, message)`` is the page that says why not."""
    session, engine, form = get_session(), get_process_engine(), request.form
    on_tasks = items_field == "task_id"
    actions = engine.task_batch_actions if on_tasks else engine.batch_actions
    on = "tasks" if on_tasks else "cases"
    action, reason = form.get("action", ""), form.get("reason", "")
    # once each: a task listed under two groups may be ticked under both
    ids = list(dict.fromkeys(i for i in form.getlist(items_field) if on_tasks or i.isdigit()))
    try:
        params = _params(action, engine.calendar.tz)
        if form.get("step") == "apply":
            session.rollback()
            items = engine.apply_batch(current_app.extensions["lscb.sessions"], current_user.actor,
                                       action, ids, reason, on=on, **params)
        else:
            items = engine.preview_batch(session, current_user.actor, action, ids, reason, on=on,
                                         **params)
            session.rollback()
    except (InputError, InvalidState, NotFound) as exc:
        session.rollback()
        field = exc.context.get("field", "") if isinstance(exc, InputError) else "group"
        return refused(field, exc.message)
    return render_template("manager/batch.html", items=items, applied=form.get("step") == "apply",
                           label=actions[action], form=form, fields=FIELDS,
                           items_field=items_field, noun="task" if on_tasks else "case",
                           page_title=actions[action])


def _params(action: str, tz) -> dict:
    form = request.form
    if action == "reassign":
        return {k: form.get(k, "").strip() for k in ("group", "assignee") if form.get(k, "").strip()}
    return {"due_at": due_from_form(tz)} if action == "due" else {}


def due_from_form(tz) -> datetime:
    """The form's ``due_date`` (and ``due_time``, 5pm if none) in the board's time zone, as UTC."""
    try:
        day = date.fromisoformat((request.form.get("due_date") or "").strip())
        at = time.fromisoformat((request.form.get("due_time") or "17:00").strip())
    except ValueError:
        raise InputError("Enter the new due date as a date, for example 2027-01-31",
                         field="due_date") from None
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)
