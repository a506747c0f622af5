"""The task page: instructions, case summary, the generated form; draft, complete, comment."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import FormInvalid
from models.queries import case_header, history

from . import forms
from .db import board_tz, get_process_engine, get_session
from .instructions import render_instructions
from .timeline import describe
from .wording import CaseForms, names

bp = Blueprint("tasks", __name__)


def render_task(task, *, values=None, errors=None, comment="", comment_error=None, status=200):
    """The task page, with typed values and errors kept when a submission was refused."""
    session, actor = get_session(), current_user.actor
    header = case_header(session, task.instance_id)     # the task's own case: already visible
    data = header.data or {}
    fields = forms.build_fields(forms.with_group_options(session, task.form),
                                values if values is not None else task_draft(task), errors, data)
    can_act = get_process_engine().may_complete(actor, task)
    comments = [describe(e) for e in history(session, task.instance_id, action="comment",
                                             task_id=task.id)]
    return render_template(
        "tasks/show.html", task=task, header=header, fields=fields,
        error_list=forms.ordered_errors(fields, errors or {}),
        instructions=render_instructions(task.documentation, data),
        can_act=can_act, offered_to=None if can_act else offered_to(task),
        draft_saved=saved_time(task.draft_saved_at),
        summary=case_summary(session, task.instance_id, data), comments=comments,
        comment=comment, comment_error=comment_error,
        page_title=("Error: " if errors or comment_error else "") + task.title), status


def offered_to(task) -> str:
    """Who may act on the task, in words: its assignee, else its groups by name and its people."""
    if task.assignee:
        return task.assignee
    who = [names().groups(task.candidate_groups), *task.candidate_users]
    return ", ".join(w for w in who if w) or "its lane"


def saved_time(moment) -> str | None:
    """When a draft was kept, as the board's local clock time ("14:05")."""
    return moment.astimezone(board_tz()).strftime("%H:%M") if moment else None


def case_summary(session, instance_id: int, data: dict, limit: int = 12) -> list[tuple[str, str]]:
    """The first few plain case values for the side panel, as (question, answer)."""
    plain = {k: v for k, v in data.items() if k != "case_ref" and not isinstance(v, (dict, list))}
    return CaseForms(session, instance_id).rows(dict(list(plain.items())[:limit]))


def task_draft(task) -> dict:
    """The saved draft of a task, if any (kept on the task row by the engine)."""
    return task.draft or {}


@bp.route("/tasks/<task_id>")
@login_required
def show(task_id: str):
    """A task the user may see (404 otherwise)."""
    return render_task(get_process_engine().task(get_session(), task_id, current_user.actor))


@bp.route("/tasks/<task_id>", methods=["POST"])
@login_required
def submit(task_id: str):
    """Complete the task, or save a draft (``action=draft``); refused values come back."""
    session, process_engine, actor = get_session(), get_process_engine(), current_user.actor
    task = process_engine.task(session, task_id, actor)
    raw = forms.submitted(task.form, request.form)
    try:
        if request.form.get("action") == "draft":   # kept as typed: checked on completing
            process_engine.save_draft(session, task_id, actor, raw)
        else:
            process_engine.complete(session, task_id, actor, raw)
    except FormInvalid as exc:
        session.rollback()
        return render_task(task, values=raw, errors=exc.errors, status=422)
    session.commit()
    if request.form.get("action") == "draft":
        flash("Your draft has been saved.", "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    return redirect(url_for("tasks.done", task_id=task_id))


@bp.route("/tasks/<task_id>/draft", methods=["POST"])
@login_required
def autosave(task_id: str):
    """Keep the form as typed (the page's script posts it while the person types): JSON."""
    session, process_engine, actor = get_session(), get_process_engine(), current_user.actor
    task = process_engine.task(session, task_id, actor)
    saved = process_engine.save_draft(session, task_id, actor, forms.submitted(task.form, request.form))
    session.commit()
    return jsonify(saved_at=saved.draft_saved_at.isoformat(), time=saved_time(saved.draft_saved_at))


@bp.route("/tasks/<task_id>/done")
@login_required
def done(task_id: str):
    """After completing: where the case went next."""
    session = get_session()
    task = get_process_engine().task(session, task_id, current_user.actor)
    instance = get_process_engine().show(session, task.instance_id)
    return render_template("tasks/done.html", task=task, instance=instance,
                           page_title="Task complete")


@bp.route("/tasks/<task_id>/comments", methods=["POST"])
@login_required
def comment(task_id: str):
    """Add a comment to the case about this task. Posted from the task form (the person may
    act on it), the typed form comes too and is kept as their draft: nothing typed is lost."""
    session, process_engine, actor = get_session(), get_process_engine(), current_user.actor
    task = process_engine.task(session, task_id, actor)
    text = request.form.get("comment", "")
    came_with_form = any(spec["id"] in request.form for spec in forms.field_specs(task.form))
    typed = forms.submitted(task.form, request.form) \
        if came_with_form and process_engine.may_complete(actor, task) else {}
    try:
        if typed:
            process_engine.save_draft(session, task_id, actor, typed)
        process_engine.comment(session, task.instance_id, actor, text, task_id=task.id)
    except FormInvalid as exc:
        session.rollback()
        errors = {k: v for k, v in exc.errors.items() if k != "comment"}
        return render_task(task, values=typed or None, errors=errors, comment=text,
                           comment_error=exc.errors.get("comment"), status=422)
    session.commit()
    flash("Your comment has been added.", "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#comments")
