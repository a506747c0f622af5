"""JSON API under /api/v1 with bearer-token authentication (tokens hashed at rest).

Every request is checked against the OpenAPI document (web/api_input.py) before its view runs,
so a view reads a body and query that are as documented. Errors always have the shape
``{"error": {"code": ..., "message": ...}}`` (web/errors.py).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, jsonify, request

from engine import clock
from engine.records import task_record
from models import HumanTask

from . import api_input, forms
from .db import get_process_engine, get_session
from .openapi import document
from .worklist import Filters, filtered_query

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def authenticate():
    """Every endpoint but the OpenAPI document needs ``Authorization: Bearer <token>``."""
    if request.endpoint == "api.openapi":
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    actor = get_process_engine().verify_token(get_session(), token.strip()) \
        if scheme.lower() == "bearer" else None
    if actor is None:
        abort(401, "A valid API token is needed: send 'Authorization: Bearer <token>'.")
    get_session().commit()   # keeps the token's last-used time
    g.actor = actor
    api_input.check(request)


def body() -> dict:
    """The request's JSON object (already checked against the document)."""
    return request.get_json(silent=True) or {}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document describing this API."""
    return jsonify(document())


@bp.get("/tasks")
def list_tasks():
    """My tasks and my groups' unclaimed tasks (the worklist), soonest due first."""
    filters = Filters.parse(request.args)
    per_page = request.args.get("per_page", 50, type=int)
    now, soon = clock.now(), timedelta(days=current_app.config["DUE_SOON_DAYS"])
    stmt = filtered_query(g.actor, filters, now, soon)
    rows = get_session().scalars(
        stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        .offset((filters.page - 1) * per_page).limit(per_page)).all()
    return jsonify({"tasks": [_task(task_record(r)) for r in rows], "page": filters.page,
                    "per_page": per_page})


@bp.get("/tasks/unassignable")
def unassignable_tasks():
    """Open tasks no active person can act on (managers), for reassigning."""
    records = get_process_engine().unassignable_tasks(get_session(), g.actor)
    return jsonify({"tasks": [_task(r) for r in records]})


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    """One task I may see; its group fields list the groups they accept as options."""
    session = get_session()
    out = _task(get_process_engine().task(session, task_id, g.actor))
    return jsonify({**out, "form": forms.with_group_options(session, out.get("form"))})


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    """Claim a task."""
    session = get_session()
    record = get_process_engine().claim(session, task_id, g.actor)
    session.commit()
    return jsonify(_task(record))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    """Give a task back to its groups."""
    session = get_session()
    record = get_process_engine().unclaim(session, task_id, g.actor)
    session.commit()
    return jsonify(_task(record))


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str):
    """Complete a task with ``{"data": {field: value}}``; returns the case as it now stands."""
    session = get_session()
    record = get_process_engine().complete(session, task_id, g.actor, body().get("data", {}))
    session.commit()
    return jsonify(record.to_dict())


@bp.get("/pathways")
def list_pathways():
    """The pathways I may start: name, one-line description, start form (group fields list
    the groups they accept as options)."""
    session = get_session()
    return jsonify({"pathways": [
        {**p.to_dict(), "form": forms.with_group_options(session, p.form)}
        for p in get_process_engine().startable(session, g.actor)]})


@bp.post("/instances")
def start():
    """Start a case: ``{"process_id": ..., "data": {...}, "reference": ...}``; only a pathway
    I may start (403 otherwise), ``data`` filling its start form (422 naming each field)."""
    data, session = body(), get_session()
    record = get_process_engine().start(session, data["process_id"], g.actor,
                                        data.get("data", {}), data.get("reference"))
    session.commit()
    return jsonify(record.to_dict()), 201


@bp.get("/instances/<int:instance_id>")
def show_instance(instance_id: int):
    """A case I take part in."""
    session = get_session()
    get_process_engine().check_may_see_case(session, g.actor, instance_id)
    return jsonify(get_process_engine().show(session, instance_id).to_dict())


@bp.post("/instances/<int:instance_id>/data")
def set_data(instance_id: int):
    """Correct a case's data (managers): ``{"data": {...}, "reason": ...}``, audited."""
    data, session = body(), get_session()
    record = get_process_engine().set_data(session, instance_id, g.actor, data["data"],
                                           data["reason"])
    session.commit()
    return jsonify(record.to_dict())


@bp.post("/messages")
def send_message():
    """Deliver a message (e.g. a partner system notifying an incident), or start a case by it."""
    data, session = body(), get_session()
    ids = get_process_engine().send_message(session, data["name"], data.get("payload", {}),
                                            g.actor, data.get("correlation", {}))
    session.commit()
    return jsonify({"instances": ids})


def _task(record) -> dict:
    out = record.to_dict()
    out.pop("draft", None)
    out.pop("draft_saved_at", None)
    return out
