"""The "Start a case" pages: the pathways the signed-in user may start, and each one's start
form (the same fields, validation and error summary as a task form)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import FormInvalid

from . import forms
from .db import get_process_engine, get_session

bp = Blueprint("starting", __name__)


@bp.route("/start")
@login_required
def index():
    """The pathways I may start, with their one-line descriptions."""
    pathways = get_process_engine().startable(get_session(), current_user.actor)
    return render_template("starting/index.html", pathways=pathways, page_title="Start a case")


@bp.route("/start/<process_id>")
@login_required
def show(process_id: str):
    """A pathway's start form (403 when I may not start it)."""
    pathway = get_process_engine().start_form(get_session(), process_id, current_user.actor)
    return render_form(pathway)


@bp.route("/start/<process_id>", methods=["POST"])
@login_required
def submit(process_id: str):
    """Start the case with the form's values; refused values come back with their errors.
    Then straight to my task in the new case if I hold one, else to the case page."""
    session, process_engine, actor = get_session(), get_process_engine(), current_user.actor
    pathway = process_engine.start_form(session, process_id, actor)
    raw = forms.submitted(pathway.form, request.form)
    try:
        record = process_engine.start(session, process_id, actor, raw)
    except FormInvalid as exc:
        session.rollback()
        return render_form(pathway, values=raw, errors=exc.errors, status=422)
    session.commit()
    mine = next((t for t in record.tasks
                 if t.assignee == actor.name or (not t.assignee and actor.is_candidate(t))), None)
    flash(f"Case {record.reference} started: {pathway.name}."
          + (" Your first task is below." if mine else ""), "success")
    if mine is not None:
        return redirect(url_for("tasks.show", task_id=mine.id))
    return redirect(url_for("instances.show", instance_id=record.id))


def render_form(pathway, *, values=None, errors=None, status=200):
    """The start form page, with typed values and errors kept when a start was refused."""
    fields = forms.build_fields(forms.with_group_options(get_session(), pathway.form), values,
                                errors)
    return render_template(
        "starting/form.html", pathway=pathway, fields=fields,
        error_list=forms.ordered_errors(fields, errors or {}),
        page_title=("Error: " if errors else "") + pathway.name), status
