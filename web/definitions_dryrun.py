"""The dry-run page: run a draft or a deployed version in memory with sample data and answers."""
from __future__ import annotations

import json
from datetime import datetime

from flask import render_template, request
from flask_login import current_user

from engine import DefinitionError

from .db import board_tz, get_process_engine, get_session
from .definitions import bp, version_or_404, versions_or_404


def parse_inputs(form) -> tuple[dict, dict]:
    """``(values, errors)`` from the dry-run form: JSON objects, a start time, a step count."""
    values, errors = {}, {}
    for name in ("start_data", "answers"):
        text = (form.get(name) or "").strip() or "{}"
        try:
            values[name] = json.loads(text)
        except ValueError as exc:
            errors[name] = f"Enter a JSON object, for example {{\"case_title\": \"Test\"}} ({exc.msg})"
            continue
        if not isinstance(values[name], dict):
            errors[name] = "Enter a JSON object in curly brackets"
    try:
        start = form.get("start_at") or ""
        values["start_at"] = datetime.fromisoformat(start).replace(tzinfo=board_tz()) if start else None
    except ValueError:
        errors["start_at"] = "Enter a date and time"
    steps = form.get("steps", "25")
    values["steps"] = int(steps) if steps.isdigit() and 0 < int(steps) <= 200 else None
    if values["steps"] is None:
        errors["steps"] = "Enter a number of steps from 1 to 200"
    return values, errors


def source_of(process_id: str, source: str):
    """What to run: "draft" (the user's draft, with what it needs) or one deployed version."""
    if source == "draft":
        return source
    number = int(source) if source.isdigit() else versions_or_404(process_id)[0].version
    return version_or_404(process_id, number)


@bp.route("/<process_id>/dryrun", methods=["GET", "POST"])
def dryrun(process_id: str):
    """The form, and on POST the path taken, tasks, groups, deadlines and timers."""
    session = get_session()
    versions = versions_or_404(process_id)
    has_draft = get_process_engine().my_draft(session, current_user.actor, process_id=process_id)
    context = dict(process_id=process_id, versions=versions, has_draft=has_draft is not None,
                   form=request.form, result=None, errors={}, problems=[],
                   page_title=f"Dry run {process_id}")
    if request.method == "GET":
        return render_template("definitions/dryrun.html", **context)
    values, errors = parse_inputs(request.form)
    if errors:
        context.update(errors=errors, page_title="Error: " + context["page_title"])
        return render_template("definitions/dryrun.html", **context), 422
    try:
        source = source_of(process_id, request.form.get("source", ""))
        context["result"] = get_process_engine().dry_run(
            session, current_user.actor, process_id, source, start_data=values["start_data"],
            answers=values["answers"], start_at=values["start_at"], max_steps=values["steps"])
    except DefinitionError as exc:
        context["problems"] = exc.problems
        return render_template("definitions/dryrun.html", **context), 422
    finally:
        session.rollback()     # a dry run writes nothing
    return render_template("definitions/dryrun.html", **context)
