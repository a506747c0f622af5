"""The case page for participants: current tasks and the timeline from the audit trail."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from engine import REGIMES
from models.queries import history
from models.reporting import groups, people

from .db import get_process_engine, get_session
from .timeline import describe
from .variables import case_variables

bp = Blueprint("instances", __name__)


@dataclass(frozen=True)
class Refused:
    """A manager's action the engine refused, shown again on the case page: which form (its
    panel opens), the id of the field at fault, the message, and what was typed."""

    form: str
    field_id: str
    message: str
    typed: dict


@bp.route("/instances/<int:instance_id>")
@login_required
def show(instance_id: int):
    """A case the user takes part in (managers: any case); 404 otherwise."""
    return case_page(instance_id)


def case_page(instance_id: int, status: int = 200, refused: Refused | None = None):
    """The case page; with ``refused``, a manager's refused action and what they typed."""
    session = get_session()
    get_process_engine().check_may_see_case(session, current_user.actor, instance_id)
    case = get_process_engine().show(session, instance_id)
    trail = history(session, instance_id)
    events = [describe(e) for e in reversed(trail)]
    manager_view = current_user.is_manager          # the panel's actions: web/manager.py
    title = case.reference or f"Case {case.id}"
    return render_template("instances/show.html", case=case, events=events,
                           manager_view=manager_view, refused=refused, regimes=REGIMES,
                           variables=case_variables(case.data or {}, trail) if manager_view else [],
                           groups=groups(session) if manager_view else [],
                           people=people(session) if manager_view else [],
                           page_title=("Error: " if refused else "") + title), status
