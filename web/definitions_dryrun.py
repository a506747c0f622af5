"""The dry-run page: run a draft or a deployed version in memory with sample data, stepping
through each task's own generated form (or straight to the end with harmless defaults).

Stepping is stateless: the answers given so far travel in a hidden field; each step runs the
process again from the start with them, stops at the first task without answers and shows its
form. A submitted step's fields carry the prefix ``answer-`` so they never meet the page's own.
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import render_template, request
from flask_login import current_user

from engine import DefinitionError

from . import forms
from .db import board_tz, get_process_engine, get_session
from .definitions import bp, version_or_404, versions_or_404

PREFIX = "answer-"


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
    """The form, and on POST the path taken, tasks, groups, deadlines, timers and service calls;
    stepping, the next task's own form."""
    session = get_session()
    versions = versions_or_404(process_id)
    has_draft = get_process_engine().my_draft(session, current_user.actor, process_id=process_id)
    context = dict(process_id=process_id, versions=versions, has_draft=has_draft is not None,
                   form=request.form, result=None, errors={}, problems=[], step_fields=[],
                   step_errors=[], answers={}, page_title=f"Dry run {process_id}")
    if request.method == "GET":
        return render_template("definitions/dryrun.html", **context)
    values, errors = parse_inputs(request.form)
    if errors:
        context.update(errors=errors, page_title="Error: " + context["page_title"])
        return render_template("definitions/dryrun.html", **context), 422
    ask = request.form.get("mode") == "ask"
    try:
        source = source_of(process_id, request.form.get("source", ""))

        def run(answers):
            return get_process_engine().dry_run(
                session, current_user.actor, process_id, source, start_data=values["start_data"],
                answers=answers, start_at=values["start_at"], max_steps=values["steps"], ask=ask)
        answers = values["answers"]
        answer_for = request.form.get("answer_for")
        if ask and answer_for:
            asked = run({k: v for k, v in answers.items() if k != answer_for}).asking
            if asked is not None and asked.bpmn_id == answer_for:
                answers = {**answers, answer_for: _unprefixed(forms.submitted(
                    {"fields": _prefixed_fields(asked.fields)}, request.form))}
        result = run(answers)
    except DefinitionError as exc:
        context["problems"] = exc.problems
        return render_template("definitions/dryrun.html", **context), 422
    finally:
        session.rollback()     # a dry run writes nothing
    context.update(result=result, answers=answers)
    if result.asking is not None:
        step_form = forms.with_group_options(session, {"fields": _prefixed_fields(result.asking.fields)})
        fields = forms.build_fields(step_form, _prefixed(result.asking.answers),
                                    _prefixed(result.errors))
        context.update(step_fields=fields,
                       step_errors=forms.ordered_errors(fields, _prefixed(result.errors)))
    return render_template("definitions/dryrun.html", **context), 422 if result.errors else 200


def _prefixed_fields(fields: list[dict]) -> list[dict]:
    return [{**spec, "id": PREFIX + spec["id"]} for spec in fields]


def _prefixed(values: dict) -> dict:
    return {PREFIX + key: value for key, value in values.items()}


def _unprefixed(values: dict) -> dict:
    return {key.removeprefix(PREFIX): value for key, value in values.items()}
