"""Managers: the list of every case, its diagram and state, and actions on a case.

Reviewers may open the list too, scoped to their own cases; everything else here is for
managers and admins (403 otherwise). Every action needs a reason and goes through the engine,
which audits it; the case page (``web/instances.py``) shows the panel for managers.
"""
from __future__ import annotations

import json
from datetime import date

from flask import (Blueprint, Response, abort, flash, jsonify, redirect,
                   render_template, request, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import InputError, InvalidState, clock
from models import ProcessInstance
from models.status import InstanceStatus
from models import reporting
from models.reporting import InstanceFilter, Scope

from . import batch_form, charts
from .auth import role_required
from .db import get_process_engine, get_session
from .exports import table_response
from .instances import Refused, case_page

bp = Blueprint("manager", __name__)
charts.register(bp)
MANAGER = "manager"
EXPORT_HEADER = ["Case id", "Reference", "Title", "Pathway", "Status", "Started (UTC)",
                 "Finished (UTC)", "Current steps", "Next due (UTC)", "Overdue"]


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def filter_from_args() -> InstanceFilter:
    """The list filter from the query string (unknown values are ignored)."""
    args = request.args
    status = args.get("status") if args.get("status") in reporting.STATUSES else None
    return InstanceFilter(
        pathway=args.get("pathway") or None, status=status, agency=args.get("agency") or None,
        overdue=args.get("overdue") in ("1", "true", "on"), started_from=_date_arg("from"),
        started_to=_date_arg("to"), q=(args.get("q") or "").strip()[:100] or None,
        sort=args.get("sort") if args.get("sort") in reporting.SORTS else "started",
        direction="asc" if args.get("dir") == "asc" else "desc")


def _scope() -> Scope | None:
    """Managers see every case; anyone else only their own."""
    actor = current_user.actor
    return None if actor.is_manager else Scope(actor.name, frozenset(actor.groups))


@bp.route("/instances")
@login_required
def index():
    """Every case (managers) or the user's cases, filtered, sorted and paginated."""
    return _cases_page()


def _cases_page(status: int = 200, batch_error: tuple[str, str] | None = None):
    """The cases list; with ``batch_error`` (field id, message), a refused batch action with
    what was ticked and typed kept."""
    session, flt = get_session(), filter_from_args()
    page = reporting.instance_page(session, flt, clock.now(), request.args.get("page", 1, int),
                                   scope=_scope())
    manager = current_user.is_manager
    return render_template("manager/instances.html", page=page, flt=flt,
                           pathways=reporting.pathways(session),
                           agencies=reporting.agencies(session), statuses=reporting.STATUSES,
                           batch_actions=get_process_engine().batch_actions if manager else {},
                           groups=reporting.groups(session) if manager else [],
                           people=reporting.people(session) if manager else [],
                           batch_error=batch_error, typed=request.form,
                           ticked=set(request.form.getlist("instance_id")),
                           page_title=("Error: " if batch_error else "") + "Cases"), status


_BATCH_FIELDS = {"action": "batch-action", "instance_id": "batch-action", "group": "batch-group",
                 "assignee": "batch-assignee",
                 "due_date": "batch-due-date", "reason": "batch-reason"}


@bp.route("/instances/batch", methods=["POST"])
@role_required(MANAGER)
def batch():
    """A batch action on the ticked cases: first its preview (what each case would become, or
    why it is skipped), then, confirmed, applied case by case with the result of each."""
    return batch_form.run("instance_id", lambda field, message: _cases_page(
        422, (_BATCH_FIELDS.get(field, "batch-action"), message)))


@bp.route("/instances/export.<fmt>")
@login_required
def export(fmt: str):
    """The filtered list as CSV or XLSX (every matching case, not just one page)."""
    rows = reporting.instance_rows(get_session(), filter_from_args(), clock.now(), _scope())
    return table_response("cases", fmt, EXPORT_HEADER, (
        [r.id, r.reference, r.title, r.process_id, r.status, r.started_at, r.finished_at,
         "; ".join(r.steps), r.next_due, r.overdue] for r in rows))


# -- the diagram -------------------------------------------------------------------------------
def _instance_or_404(instance_id: int) -> ProcessInstance:
    row = get_session().get(ProcessInstance, instance_id)
    if row is None:
        abort(404)
    return row


@bp.route("/instances/<int:instance_id>/diagram.xml")
@role_required(MANAGER)
def diagram_xml(instance_id: int):
    """The BPMN XML of the case's definition version (``?process=`` a called process's)."""
    row = _instance_or_404(instance_id)
    process_id = request.args.get("process") or row.process_id
    xml = reporting.diagram_xml(row.definition.files or {}, process_id)
    if xml is None:
        abort(404)
    return Response(xml, mimetype="application/xml")


@bp.route("/instances/<int:instance_id>/state.json")
@role_required(MANAGER)
def state_json(instance_id: int):
    """Element states for the viewer, with how often each step ran and the time spent in it."""
    session = get_session()
    _instance_or_404(instance_id)
    state = get_process_engine().element_states(session, instance_id)
    counts, seconds = reporting.step_history(session, instance_id)
    state["counts"] = counts
    state["durations"] = {k: charts.human_duration(v) for k, v in seconds.items()}
    return jsonify(state)


@bp.route("/instances/<int:instance_id>/diagram/<process_id>")
@role_required(MANAGER)
def called_diagram(instance_id: int, process_id: str):
    """A called process of the case, drawn with the case's state (drill-down)."""
    row = _instance_or_404(instance_id)
    if reporting.diagram_xml(row.definition.files or {}, process_id) is None:
        abort(404)
    return render_template("manager/called_diagram.html", row=row, process_id=process_id,
                           page_title=f"{row.reference}: {process_id}")


# -- actions -----------------------------------------------------------------------------------
def _reason() -> str:
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        raise InputError("Enter a reason: it is kept in the case's audit trail", field="reason")
    return reason[:2000]


def _done(instance_id: int, message: str):
    get_session().commit()
    flash(message, "success")
    return redirect(url_for("instances.show", instance_id=instance_id))


def _refused(instance_id: int, exc: InputError | InvalidState, form: str, ids: dict[str, str]):
    """The case page again with the error on its field, the panel open and what was typed kept
    (``ids``: the engine's field name -> the id of the control; "" for any other error)."""
    get_session().rollback()
    field_id = ids.get(exc.context.get("field", ""), ids[""])
    return case_page(instance_id, 422, Refused(form, field_id, exc.message, request.form))


def _task_form_ids(instance_id: int, task_id: str, kind: str) -> tuple[str, dict[str, str]]:
    """The form and control ids of a task's reassign or due-date form on the case page."""
    tasks = get_process_engine().show(get_session(), instance_id).tasks
    n = next((i for i, t in enumerate(tasks, 1) if t.id == task_id), 0)
    if kind == "reassign":
        return f"reassign-{n}", {"reason": f"reassign-reason-{n}", "group": f"group-{n}",
                                 "assignee": f"assignee-{n}", "": f"assignee-{n}"}
    return f"due-{n}", {"reason": f"due-reason-{n}", "confirm": f"confirm-{n}",
                        "due_date": f"due-date-{n}", "": f"due-date-{n}"}


@bp.route("/instances/<int:instance_id>/<any(suspend, resume, cancel, retry):action>",
          methods=["POST"])
@role_required(MANAGER)
def act(instance_id: int, action: str):
    """Suspend, resume, cancel or retry a case, with a reason."""
    session, process_engine, actor = get_session(), get_process_engine(), current_user.actor
    try:
        reason = _reason()
        if action == "cancel":
            process_engine.cancel(session, instance_id, actor, reason)
        elif action == "retry":
            process_engine.comment(session, instance_id, actor, f"Retrying the failed step: {reason}")
            record = process_engine.retry(session, instance_id, actor, reason=reason)
            if record.status == InstanceStatus.INCIDENT:    # kept, with the new error
                return _failed_again(instance_id, record)
        else:
            process_engine.set_suspended(session, instance_id, actor, action == "suspend", reason)
    except (InputError, InvalidState) as exc:
        return _refused(instance_id, exc, action, {"": f"{action}-reason"})
    done = {"suspend": "Case paused", "resume": "Case resumed", "cancel": "Case cancelled",
            "retry": "The failed step was run again"}
    return _done(instance_id, done[action])


def _failed_again(instance_id: int, record):
    get_session().commit()
    flash(f"The step failed again; the case is still an incident: "
          f"{(record.error or {}).get('message', '')}", "error")
    return redirect(url_for("instances.show", instance_id=instance_id))


@bp.route("/instances/<int:instance_id>/data", methods=["POST"])
@role_required(MANAGER)
def set_data(instance_id: int):
    """Correct the case data (a JSON object of the values to set), with a reason: say, the
    value that made a step fail, before running it again."""
    try:
        reason = _reason()
        changes = _json_object(request.form.get("data"))
        get_process_engine().set_data(get_session(), instance_id, current_user.actor, changes,
                                      reason)
    except (InputError, InvalidState) as exc:
        return _refused(instance_id, exc, "correct-data", {"reason": "data-reason",
                                                           "": "data-values"})
    return _done(instance_id, "Case data corrected")


def _json_object(text: str | None) -> dict:
    try:
        value = json.loads(text or "")
    except (ValueError, RecursionError):
        raise InputError('Enter the values to set as a JSON object, for example '
                         '{"divisor": 2}') from None
    if not isinstance(value, dict) or not value:
        raise InputError('Enter the values to set as a JSON object, for example {"divisor": 2}')
    return value


def _task_of(instance_id: int, task_id: str):
    task = get_process_engine().task(get_session(), task_id, current_user.actor)
    if task.instance_id != instance_id:
        abort(404)
    return task


@bp.route("/instances/<int:instance_id>/tasks/<task_id>/reassign", methods=["POST"])
@role_required(MANAGER)
def reassign(instance_id: int, task_id: str):
    """Give a task to a named person, or back to its groups (empty name), or to another group
    (a task nobody can act on), with a reason."""
    session = get_session()
    task = _task_of(instance_id, task_id)
    assignee = (request.form.get("assignee") or "").strip() or None
    group = (request.form.get("group") or "").strip() or None
    try:
        reason = _reason()
        get_process_engine().reassign(session, task.id, current_user.actor, assignee, reason,
                                      groups=[group] if group else None)
    except (InputError, InvalidState) as exc:
        return _refused(instance_id, exc, *_task_form_ids(instance_id, task.id, "reassign"))
    return _done(instance_id, f"{task.title}: now with {assignee or group or 'its group'}")


@bp.route("/instances/<int:instance_id>/tasks/<task_id>/due", methods=["POST"])
@role_required(MANAGER)
def change_due(instance_id: int, task_id: str):
    """Move a task's due date (5 pm board time unless a time is given), with a reason."""
    process_engine = get_process_engine()
    task = _task_of(instance_id, task_id)
    try:
        reason = _reason()
        new_due = batch_form.due_from_form(process_engine.calendar.tz)
        process_engine.change_due_date(get_session(), task.id, current_user.actor, new_due, reason,
                                       confirmed=request.form.get("confirm") == "yes")
    except (InputError, InvalidState) as exc:
        return _refused(instance_id, exc, *_task_form_ids(instance_id, task.id, "due"))
    return _done(instance_id, f"{task.title}: due date changed")


