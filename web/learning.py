"""The learning register, the action tracker and the trace of one learning item round the loop.

Everyone signed in may read the register (learning is meant to be shared). Actions: the board's
oversight groups and managers see all of them; anyone else sees their own groups' actions only.
Child-identifying details of an item are shown only to participants of its source case.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import clock
from models.action_reports import plan_groups, plans_overdue
from models.learning import (DISSEMINATION_KINDS, EVALUATION_METHODS, PLAN_SCOPES, PLAN_SOURCES,
                             LearningItem, LearningItemChild)
from models.learning_queries import (action_count, action_owners, action_tracker,
                                     learning_register, loop_closure, register_choices,
                                     review_refs, trace)

from .db import board_tz, get_process_engine, get_session
from .reports import may_read_reports
from .wording import long_date

bp = Blueprint("learning", __name__, url_prefix="/learning")
STATES = {"open": "Open", "overdue": "Overdue", "done": "Done"}
ACTIONS_PER_PAGE = 100      # ten years of a region hold tens of thousands of actions


def board_today():
    """Today in the board's time zone (overdue and RAG are judged by day)."""
    return clock.now().astimezone(board_tz()).date()


@bp.route("/")
@login_required
def register():
    """The learning register, filtered by theme, source, status and agency, with loop closure."""
    session = get_session()
    choices = register_choices(session)
    filters = {k: request.args.get(k) or None for k in ("theme", "source", "status", "agency")}
    filters = {k: (v if v in choices[k] else None) for k, v in filters.items()}
    items = learning_register(session, **filters)
    closure = loop_closure(session, clock.now())
    return render_template("learning/register.html", items=items, choices=choices,
                           filters=filters, closure=closure, page_title="Learning register",
                           reports_link=may_read_reports(current_user))


@bp.route("/<int:item_id>")
@login_required
def show(item_id: int):
    """The trace of one learning item: source review, disseminations, actions, evaluations and
    any new review it triggered; child details only for participants of the source case."""
    session = get_session()
    item = session.get(LearningItem, item_id)
    if item is None:
        abort(404)
    actor = current_user.actor
    participant = bool(item.source_instance_id) and \
        get_process_engine().may_see_case(session, actor, item.source_instance_id)
    child = session.get(LearningItemChild, item.id) if participant else None
    path = trace(session, item, actor.visible_action_owners())
    return render_template("learning/trace.html", item=item, trace=path, child=child,
                           participant=participant, today=board_today(),
                           kinds=DISSEMINATION_KINDS, methods=EVALUATION_METHODS,
                           page_title=f"Learning {item.reference}")


@bp.route("/actions")
@login_required
def actions():
    """The action tracker: per agency and per review, with RAG, overdue and evidence."""
    session = get_session()
    actor = current_user.actor
    owners = actor.visible_action_owners()
    state = request.args.get("state") if request.args.get("state") in STATES else None
    agency = request.args.get("agency") or None
    if owners is not None and agency and agency not in owners:
        agency = None
    today = board_today()
    chosen = dict(owners=owners, owner=agency, review=request.args.get("review") or None,
                  state=state, today=today)
    total = action_count(session, **chosen)
    pages = max(1, -(-total // ACTIONS_PER_PAGE))
    page = request.args.get("page", "1")
    page = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    rows = action_tracker(session, **chosen, offset=(page - 1) * ACTIONS_PER_PAGE,
                          limit=ACTIONS_PER_PAGE)
    agencies = sorted(owners) if owners is not None else action_owners(session)
    late = [p for p in plans_overdue(session, today)
            if owners is None or p.agency in owners or {a.owner for a in p.actions} & owners]
    return render_template("learning/actions.html", actions=rows, today=today, states=STATES,
                           groups=plan_groups(session, rows), late_plans=late,
                           scopes=PLAN_SCOPES, sources=PLAN_SOURCES,
                           agencies=agencies, reviews=review_refs(session), total=total,
                           page=page, pages=pages,
                           filters={"agency": agency, "review": request.args.get("review"),
                                    "state": state},
                           all_agencies=owners is None, page_title="Action tracker")


@bp.post("/plans/<int:plan_id>/follow-up")
@login_required
def set_follow_up(plan_id: int):
    """Set (or move) the date the whole plan is followed up (those who oversee)."""
    try:
        due = date.fromisoformat(request.form.get("follow_up_due", "").strip())
    except ValueError:
        flash("Enter the follow-up date as a real date, for example 31 August 2027", "error")
        return redirect(url_for(".actions"))
    session = get_session()
    plan = get_process_engine().set_plan_follow_up(session, current_user.actor, plan_id, due,
                                                   request.form.get("note", ""))
    session.commit()
    flash(f"The plan's follow-up is due on {long_date(plan.follow_up_due)}.", "success")
    return redirect(url_for(".actions"))


@bp.post("/plans/<int:plan_id>/followed-up")
@login_required
def followed_up(plan_id: int):
    """Record that the whole plan was followed up, with what the follow-up found."""
    note = request.form.get("note", "").strip()
    if not note:
        flash("Enter what the follow-up found", "error")
        return redirect(url_for(".actions"))
    session = get_session()
    get_process_engine().record_plan_follow_up(session, current_user.actor, plan_id, note)
    session.commit()
    flash("The plan's follow-up is recorded.", "success")
    return redirect(url_for(".actions"))
