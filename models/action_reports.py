"""Figures computed from the action plan, standards and audit registers, never typed: the
action-plan tracker (C6), and the LISG six-monthly report's (C2) section 11 and s175 status and
workshop shortfalls. Each figure is one function; every page and task that shows it calls it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .action_plans import BELOW_MET, RATINGS, S11_STANDARDS, Recommendation, StandardRating
from .audit import AuditEvent
from .learning import Action, ActionPlan, FollowUpStatus, Review
from .learning_reports import action_rag

WORKSHOP_TASK = "run_workshop"          # C3's step that records whether the workshop was held
WORKSHOPS_A_YEAR = 3                    # the framework: "3-4 times a year"; 3 is the least


def plans_due(session: Session, day: date) -> list[ActionPlan]:
    """Plans whose whole follow-up is due (not done), by date: the overdue ones first in date."""
    return list(session.scalars(select(ActionPlan).where(
        ActionPlan.follow_up_status == FollowUpStatus.DUE.value)
        .order_by(ActionPlan.follow_up_due, ActionPlan.id)))


def plans_overdue(session: Session, day: date) -> list[ActionPlan]:
    """Plans whose follow-up date has passed on ``day`` without the follow-up."""
    return [p for p in plans_due(session, day) if p.follow_up_overdue_on(day)]


def tracker(session: Session, at: datetime, day: date) -> dict:
    """The consolidated action tracker at ``at`` (``day``: the board's date then): the actions'
    RAG and overdue (``action_rag``), open actions, and plans whose follow-up is due or late."""
    rag = action_rag(session, at)
    due = plans_due(session, day)
    return {"actions": rag, "open": rag["total"] - rag["rag"]["complete"],
            "plans_due": len(due), "plans_overdue": sum(1 for p in due if p.follow_up_overdue_on(day)),
            "overall": "red" if rag["overdue"] else ("amber" if rag["rag"]["amber"] else "green")}


def s11_status(session: Session, at: datetime, day: date) -> dict:
    """Section 11 status at ``at``: each agency's latest return (its ratings per standard), the
    count of standards at each rating, the standards most often below met, and the actions those
    ratings opened (open, overdue, done)."""
    every = list(session.scalars(select(StandardRating).where(
        StandardRating.kind == "s11", StandardRating.rated_at < at)
        .order_by(StandardRating.rated_at, StandardRating.id)))
    latest = {r.agency: r.source_instance_id for r in every}      # each agency's last return
    rows = [r for r in every if latest[r.agency] == r.source_instance_id]
    ratings = Counter(r.rating for r in rows)
    below = Counter(r.standard for r in rows if r.rating in BELOW_MET)
    action_ids = [r.action_id for r in rows if r.action_id]
    actions = list(session.scalars(select(Action).where(Action.id.in_(action_ids)))) \
        if action_ids else []
    audits = [r for r in session.scalars(select(Review).where(
        Review.kind == "s11", Review.started_at < at))]
    return {"agencies": len(latest),
            "ratings": {k: ratings.get(k, 0) for k in RATINGS},
            "below_met_by_standard": {code: below.get(code, 0) for code in S11_STANDARDS},
            "actions": len(actions), "actions_done": sum(1 for a in actions if a.done),
            "actions_overdue": sum(1 for a in actions if a.overdue_on(day)),
            "audits_open": sum(1 for r in audits if r.completed_at is None or r.completed_at >= at)}


def s175_status(session: Session, start: datetime, end: datetime, day: date) -> dict:
    """s175/157 status for ``[start, end)``: school returns received in the period (the
    self-audit completed), audits open at the end, and the actions of schools' s175 plans."""
    returned = session.scalars(select(AuditEvent.instance_id).where(
        AuditEvent.action == "task_completed", AuditEvent.bpmn_id == "school_self_audit",
        AuditEvent.at >= start, AuditEvent.at < end)).all()
    actions = list(session.scalars(select(Action).join(ActionPlan).where(
        ActionPlan.source == "s175", Action.created_at < end)))
    audits = list(session.scalars(select(Review).where(Review.kind == "s175",
                                                       Review.started_at < end)))
    return {"returns": len(returned), "actions": len(actions),
            "actions_done": sum(1 for a in actions if a.done),
            "actions_overdue": sum(1 for a in actions if a.overdue_on(day)),
            "audits_open": sum(1 for r in audits if r.completed_at is None or r.completed_at >= end)}


def workshops(session: Session, start: datetime, end: datetime) -> dict:
    """Learning workshops (C3) in ``[start, end)``: held, not held (as recorded when each was
    due), the least the framework asks for the period, and the shortfall against it."""
    held = missed = 0
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "task_completed", AuditEvent.bpmn_id == WORKSHOP_TASK,
            AuditEvent.at >= start, AuditEvent.at < end)):
        values = (event.detail or {}).get("values") or {}
        if values.get("workshop_held") is True:
            held += 1
        else:
            missed += 1
    months = round((end - start).days / 30.44)
    expected = math.ceil(WORKSHOPS_A_YEAR * months / 12)
    return {"held": held, "not_held": missed, "expected": expected,
            "shortfall": max(0, expected - held)}


def lisg_assurance(session: Session, start: datetime, end: datetime, day: date) -> dict:
    """The LISG report's computed assurance section for ``[start, end)`` (``day``: the board's
    date at ``end``): action plans, section 11 and s175 status, workshop shortfalls."""
    return {"tracker": tracker(session, end, day), "s11": s11_status(session, end, day),
            "s175": s175_status(session, start, end, day),
            "workshops": workshops(session, start, end)}


def assurance_summary(session: Session, start: datetime, end: datetime, day: date) -> dict:
    """Headline figures of ``lisg_assurance`` (small enough for a task's data)."""
    f = lisg_assurance(session, start, end, day)
    return {"action_plan_rag": f["tracker"]["overall"], "actions_open": f["tracker"]["open"],
            "actions_overdue": f["tracker"]["actions"]["overdue"],
            "plans_follow_up_overdue": f["tracker"]["plans_overdue"],
            "s11_agencies_returned": f["s11"]["agencies"],
            "s11_standards_below_met": f["s11"]["ratings"]["partially"]
            + f["s11"]["ratings"]["not_met"],
            "s11_actions_open": f["s11"]["actions"] - f["s11"]["actions_done"],
            "s175_returns": f["s175"]["returns"],
            "s175_actions_open": f["s175"]["actions"] - f["s175"]["actions_done"],
            "workshops_held": f["workshops"]["held"],
            "workshop_shortfall": f["workshops"]["shortfall"]}


@dataclass
class PlanGroup:
    """One action plan as a page shows it: its actions grouped under the recommendation each
    answers (``None``: actions answering no recorded recommendation), in recommendation order."""

    plan: ActionPlan
    by_recommendation: list[tuple[Recommendation | None, list[Action]]] = field(default_factory=list)


def plan_groups(session: Session, actions: list[Action]) -> list[PlanGroup]:
    """``actions`` (a tracker's rows) grouped by plan and recommendation; plans in the order
    their first action comes."""
    wanted = {a.recommendation_id for a in actions if a.recommendation_id}
    recommendations = {r.id: r for r in session.scalars(select(Recommendation).where(
        Recommendation.id.in_(sorted(wanted))))} if wanted else {}
    plans: dict[int, dict] = {}
    for action in actions:
        by = plans.setdefault(action.plan_id, {"plan": action.plan, "groups": {}})["groups"]
        by.setdefault(action.recommendation_id, []).append(action)

    def order(key):                      # numbered recommendations, then the rest, then none
        return (key is None, (recommendations[key].number or 10**6) if key else 0, key or 0)
    return [PlanGroup(p["plan"], [(recommendations.get(key), p["groups"][key])
                                  for key in sorted(p["groups"], key=order)])
            for p in plans.values()]
