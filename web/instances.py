"""The case page for participants: current tasks and the timeline from the audit trail."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from models.queries import history
from models.reporting import groups

from .db import get_process_engine, get_session
from .timeline import describe
from .wording import CaseForms

bp = Blueprint("instances", __name__)


@bp.route("/instances/<int:instance_id>")
@login_required
def show(instance_id: int):
    """A case the user takes part in (managers: any case); 404 otherwise."""
    session = get_session()
    get_process_engine().check_may_see_case(session, current_user.actor, instance_id)
    case = get_process_engine().show(session, instance_id)
    forms = CaseForms(session, instance_id)          # labels and options of every step's fields
    events = [describe(e, forms) for e in reversed(history(session, instance_id))]
    manager_view = current_user.is_manager          # the panel's actions: web/manager.py
    return render_template("instances/show.html", case=case, events=events,
                           manager_view=manager_view,
                           case_rows=forms.rows(dict(sorted((case.data or {}).items())))
                           if manager_view else [],
                           groups=groups(session) if manager_view else [],
                           page_title=case.reference or f"Case {case.id}")
