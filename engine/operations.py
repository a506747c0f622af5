"""The named operations BPMN service tasks call, run inside the engine command's transaction.

A service task names an operation and its parameters (Python expressions over the task data,
evaluated in the sandbox); ``scripting.RestrictedEnvironment.call_service`` calls
``OPERATIONS[name](**values)`` and stores the returned dict in the task's result variable.

Operations need the command's database session and the instance running the step: engine
commands set them with ``bind(session, instance_id)`` before they run any step (see
``ProcessEngine._load``/``_start_row`` and ``timers._fire``). Each operation runs in a
SAVEPOINT: one that fails leaves nothing behind, and the failure then rolls back the whole
command (``start`` raises) or becomes an incident whose retry runs the step again.

Operations (parameters as a service task passes them; ids are those returned earlier):
  learning.record_item(statement, themes=[], audiences=[], agencies=[], source_pathway='',
      source_ref=None, evidence='', child_reference='', case_details='', from_loop=False)
      -> {id, status}   (from_loop: the step's case is the loop, the source known by source_ref)
  learning.validate_item(item_id, valid=True, themes=None, note='') -> {id, status}
  learning.record_dissemination(item_id, kind, held_on=None, reach=0, title='', agency=None) -> {id}
  learning.open_action(owner, description, due_date, item_id=None, scope='multi_agency',
      source=None, recommendation=None, recommendation_number=None) -> {id, plan_id, due_date}
      (source: the item's source pathway's kind unless given; single_agency: the owner's plan)
  plans.s11_return(agency, ratings, due_date, actions=None) -> {rated, actions}
  plans.s175_return(school, action, due_date) -> {id, plan_id}
  learning.update_action(action_id, status=None, rag=None, evidence='') -> {id, status, rag}
  learning.complete_action(action_id, evidence) -> {id, status}
  learning.sign_off_action(action_id, signed_off=True, comments='') -> {id, status}
  learning.close_action(action_id, evidence_of_impact) -> {id, status}
  learning.mark_embedded(item_id, note='') -> {id, status}
  learning.record_evaluation(item_id, method, findings, embedded, evaluated_on=None, final=True)
      -> {id, item_status, outcome}
  learning.request_review(item_id, reason) -> {id}
  review.open(kind, category='review', title='', agency=None, learning_item_id=None) -> {id}
  review.close(kind=None, review_id=None, outcome=None) -> {id}
  report.lisg_summary(months=6) -> {period_start, period_end, url, figures...}
  cdop.* and report.cdop_annual: the CDOP register's, in ``engine/cdop_operations.py``
  review.record_impact(review_id, impact) -> {id}
  review.record_publication(review_id, published_on, online_until, title='') -> {id, disseminations}
  report.yearly_summary() -> {year, period_start, period_end, url, regime, figures...}
      (the business year last ended; the regime is the board's when the round runs)
  report.tracker() -> {actions_open, actions_overdue, rag, overall, plans_follow_up_due, ...}
  report.lisg_assurance(months=6) -> {action_plan_rag, s11_..., s175_..., workshop_shortfall...}
"""
from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ProcessInstance
from models.dates import long_date
from models.learning import ActionStatus, LearningStatus, Review
from models import action_reports
from models.learning_reports import (last_business_year, lisg_summary, year_period,
                                     yearly_summary)

from . import action_plans as ap
from . import clock, regime, settings
from . import learning as lc
from .errors import InvalidState, NotFound
from .trail import audit_and_notify as audit

ACTOR = "system"
_BOUND: ContextVar[tuple | None] = ContextVar("lscb_operation_scope", default=None)


def bind(session: Session, instance_id: int, now: datetime | None = None) -> None:
    """Make ``session``, ``instance_id`` and the command's ``now`` the scope of the operations
    the next steps call (records are stamped with the command's moment, as its audit is)."""
    _BOUND.set((session, instance_id, now))


def current() -> tuple[Session, int]:
    """The bound ``(session, instance_id)``; InvalidState when no engine command is running."""
    scope = _BOUND.get()
    if scope is None:
        raise InvalidState("learning operations run only inside an engine command")
    return scope[0], scope[1]


def _now() -> datetime:
    scope = _BOUND.get()
    return (scope[2] if scope and scope[2] else None) or clock.now()


def operation(fn):
    """Wrap ``fn(session, instance_id, **params)`` as a service operation in a SAVEPOINT."""
    @functools.wraps(fn)
    def run(**params):
        session, instance_id = current()
        with session.begin_nested():
            return fn(session, instance_id, **params)
    return run


def _ref(session, instance_id) -> str | None:
    row = session.get(ProcessInstance, instance_id)
    return row.reference if row is not None else None


def _item(session, instance_id, item_id):
    """The item, remembering the loop instance that first acts on it after its source."""
    item = lc.get_item(session, item_id)
    if item.loop_instance_id is None and instance_id != item.source_instance_id:
        item.loop_instance_id = instance_id
    return item


@operation
def record_learning_item(session, instance_id, statement, themes=(), audiences=(), agencies=(),
                         source_pathway="", source_ref=None, evidence="", child_reference="",
                         case_details="", from_loop=False):
    """Record learning identified by the step's case (the source review), or, ``from_loop``,
    by a review known only by its reference (the loop instance records it)."""
    item = lc.record_item(session, ACTOR, statement, themes=themes, audiences=audiences,
                          agencies=agencies, source_pathway=source_pathway or "",
                          source_ref=source_ref or _ref(session, instance_id),
                          source_instance_id=None if from_loop else instance_id,
                          evidence=evidence or "", child_reference=child_reference or "",
                          case_details=case_details or "", now=_now())
    if from_loop:
        item.loop_instance_id = instance_id
    return {"id": item.id, "status": item.status}


@operation
def validate_learning_item(session, instance_id, item_id, valid=True, themes=None, note=""):
    """LISG validated (and themed) the item, or rejected it."""
    item = lc.validate_item(session, _item(session, instance_id, item_id), ACTOR,
                            valid=bool(valid), themes=themes, note=note or "",
                            instance_id=instance_id, now=_now())
    return {"id": item.id, "status": item.status}


@operation
def record_dissemination(session, instance_id, item_id, kind, held_on=None, reach=0, title="",
                         agency=None):
    """A course, workshop, briefing... that spread the item's learning."""
    row = lc.record_dissemination(session, _item(session, instance_id, item_id), ACTOR,
                                  kind=kind, reach=reach,
                                  held_on=held_on or _now().astimezone(settings.of(session).tz).date(),
                                  title=title or "", agency=agency, instance_id=instance_id, now=_now())
    return {"id": row.id}


@operation
def open_action(session, instance_id, owner, description, due_date, item_id=None,
                scope="multi_agency", source=None, recommendation=None,
                recommendation_number=None):
    """An action to improve practice, owned by an agency or sub-group, due on a date, in its
    source's multi-agency plan or (``scope`` single_agency) the owner's own plan; ``source``
    defaults to the kind of the item's source pathway; ``recommendation``: the text of the
    recommendation it answers."""
    item = _item(session, instance_id, item_id) if item_id is not None else None
    scope = str(scope or "multi_agency").removeprefix("plan_")   # a form's choice id
    source_instance_id = None if item else instance_id
    source_ref = None if item else _ref(session, instance_id)
    answered = ap.record_recommendation(
        session, ACTOR, recommendation, number=recommendation_number,
        source_instance_id=item.source_instance_id if item else source_instance_id,
        source_ref=item.source_ref if item else source_ref,
        learning_item_id=item.id if item else None, instance_id=instance_id, now=_now()) \
        if str(recommendation or "").strip() else None
    action = lc.open_action(session, ACTOR, owner=owner, description=description,
                            due_date=due_date, item=item, scope=scope,
                            source=source or ap.source_of(item.source_pathway if item else ""),
                            agency=owner if scope == "single_agency" else "",
                            recommendation=answered, source_instance_id=source_instance_id,
                            source_ref=source_ref, instance_id=instance_id, now=_now())
    return {"id": action.id, "plan_id": action.plan_id, "due_date": action.due_date}


@operation
def record_s11_return(session, instance_id, agency, ratings, due_date, actions=None):
    """One agency's section 11 return rated per standard; below met opens actions in the
    agency's single-agency S11 plan. A form's choice may carry its standard's name
    (``s11_a_met``: choice ids are unique in a file)."""
    ratings = {code: str(value).removeprefix(f"{code}_") for code, value in (ratings or {}).items()}
    rows = ap.record_s11_return(session, ACTOR, agency=agency, ratings=ratings,
                                actions=dict(actions or {}), due_date=due_date,
                                source_instance_id=instance_id,
                                source_ref=_ref(session, instance_id), instance_id=instance_id,
                                now=_now())
    return {"rated": len(rows), "actions": sum(1 for r in rows if r.action_id)}


@operation
def record_s175_return(session, instance_id, school, action, due_date):
    """A school's s175/157 return: its action plan, as an action in the school's single-agency
    s175 plan, whose whole follow-up is due at the governing body's mid-year review."""
    row = lc.open_action(session, ACTOR, owner=school, description=action, due_date=due_date,
                         scope="single_agency", source="s175", agency=school,
                         source_instance_id=instance_id, source_ref=_ref(session, instance_id),
                         instance_id=instance_id, now=_now())
    if row.plan.follow_up_status is None:
        ap.set_follow_up(session, row.plan, ACTOR, due_date, instance_id=instance_id, now=_now())
    return {"id": row.id, "plan_id": row.plan_id}


@operation
def update_action(session, instance_id, action_id, status=None, rag=None, evidence=""):
    """Progress an action (in_progress, or completed with evidence) and/or set its RAG."""
    action = lc.get_action(session, action_id)
    if evidence and status == ActionStatus.IN_PROGRESS:
        action.evidence_of_completion = evidence          # progress so far, for LISG to judge
    if status and status != action.status:
        lc.move_action(session, action, ACTOR, status, evidence=evidence, rag=rag,
                       instance_id=instance_id, now=_now())
    elif rag:
        lc.set_rag(action, rag)
    return {"id": action.id, "status": action.status, "rag": action.rag}


@operation
def complete_action(session, instance_id, action_id, evidence):
    """The owner reports the action complete, with evidence of completion."""
    action = lc.move_action(session, lc.get_action(session, action_id), ACTOR,
                            ActionStatus.COMPLETED, evidence=evidence, instance_id=instance_id,
                            now=_now())
    return {"id": action.id, "status": action.status}


@operation
def sign_off_action(session, instance_id, action_id, signed_off=True, comments=""):
    """LISG signs the action off (accepting the evidence presented as completion if the owner
    had not reported it complete), or sends it back to the owner (in progress)."""
    action = lc.get_action(session, action_id)
    unfinished = action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    if signed_off and unfinished:
        lc.move_action(session, action, "LISG", ActionStatus.COMPLETED, instance_id=instance_id,
                       evidence=action.evidence_of_completion or comments
                       or "Accepted by LISG at sign-off")
    if signed_off or not unfinished:
        lc.move_action(session, action, "LISG",
                       ActionStatus.SIGNED_OFF if signed_off else ActionStatus.IN_PROGRESS,
                       instance_id=instance_id, now=_now())
    return {"id": action.id, "status": action.status, "comments": comments or ""}


@operation
def close_action(session, instance_id, action_id, evidence_of_impact):
    """Close a signed-off action with the evidence of its impact on practice."""
    action = lc.move_action(session, lc.get_action(session, action_id), ACTOR,
                            ActionStatus.IMPACT_EVALUATED, evidence=evidence_of_impact,
                            instance_id=instance_id, now=_now())
    return {"id": action.id, "status": action.status}


@operation
def mark_learning_embedded(session, instance_id, item_id, note=""):
    """Dissemination done and actions signed off: the change is in practice, to be evaluated."""
    item = _item(session, instance_id, item_id)
    if item.status == LearningStatus.VALIDATED.value:     # loop chose no dissemination channel
        lc.move_item(session, item, ACTOR, LearningStatus.DISSEMINATING, now=_now(),
                     instance_id=instance_id)
    lc.move_item(session, item, ACTOR, LearningStatus.EMBEDDED, note or "", now=_now(),
                 instance_id=instance_id)
    return {"id": item.id, "status": item.status}


@operation
def record_evaluation(session, instance_id, item_id, method, findings, embedded,
                      evaluated_on=None, final=True):
    """Monitoring and evaluation; a final one closes the item as learnt or not learnt."""
    item = _item(session, instance_id, item_id)
    row = lc.record_evaluation(session, item, ACTOR, method=method, findings=findings,
                               embedded=embedded in (True, "learnt", "yes", "true"),
                               evaluated_on=evaluated_on, final=bool(final),
                               instance_id=instance_id, now=_now())
    return {"id": row.id, "item_status": item.status, "outcome": item.outcome}


@operation
def request_review(session, instance_id, item_id, reason):
    """Learning not embedded asked for a new review."""
    item = lc.request_review(session, _item(session, instance_id, item_id), ACTOR, reason,
                             instance_id=instance_id, now=_now())
    return {"id": item.id}


@operation
def open_review(session, instance_id, kind, category="review", title="", agency=None,
                learning_item_id=None):
    """A review or audit starts on this case (counted in reports; linked to its trigger)."""
    if category not in ("review", "audit"):
        raise InvalidState(f"a review's category is review or audit, not {category!r}")
    review = Review(kind=str(kind), category=category, title=title or "", agency=agency,
                    instance_id=instance_id, case_ref=_ref(session, instance_id),
                    started_at=_now(),
                    triggered_by_item_id=int(learning_item_id) if learning_item_id else None)
    session.add(review)
    session.flush()
    audit(session, ACTOR, "review_opened", instance_id=instance_id, now=_now(), review_id=review.id,
             kind=review.kind)
    return {"id": review.id}


@operation
def close_review(session, instance_id, kind=None, review_id=None, outcome=None):
    """The case's open review of ``kind`` (or ``review_id``) is complete."""
    stmt = select(Review).where(Review.completed_at.is_(None))
    stmt = stmt.where(Review.id == int(review_id)) if review_id else \
        stmt.where(Review.instance_id == instance_id, Review.kind == str(kind))
    review = session.scalars(stmt.order_by(Review.id)).first()
    if review is None:
        raise NotFound("open review", review_id or kind)
    review.completed_at, review.outcome = _now(), outcome
    audit(session, ACTOR, "review_closed", instance_id=instance_id, now=_now(), review_id=review.id,
             kind=review.kind, outcome=outcome)
    return {"id": review.id}


@operation
def compile_lisg_report(session, instance_id, months=6):
    """Figures of the LISG report for the last ``months`` months, and its page's address."""
    end = _now()
    start = end - timedelta(days=round(30.44 * int(months)))
    summary = lisg_summary(session, start, end)
    return {**summary, "period_start": start.date(), "period_end": end.date(),
            "url": f"/reports/lisg?start={start.date()}&end={end.date()}"}


@operation
def record_review_impact(session, instance_id, review_id, impact):
    """The review's impact on practice, entered once on the review (its closing step)."""
    review = lc.record_impact(session, lc.get_review(session, review_id), ACTOR, impact,
                              now=_now(), instance_id=instance_id)
    return {"id": review.id}


@operation
def record_publication(session, instance_id, review_id, published_on, online_until, title=""):
    """The review's report went online: its dates, and a publication dissemination of each of
    its learning items."""
    rows = lc.record_publication(session, lc.get_review(session, review_id), ACTOR,
                                 published_on=published_on, online_until=online_until,
                                 title=title or "", now=_now(), instance_id=instance_id)
    return {"id": int(review_id), "disseminations": len(rows)}


@operation
def compile_yearly_report(session, instance_id):
    """Figures of the yearly (2018/2023) or annual (2015) report for the business year that
    last ended, its page's address, and the regime the board works under now."""
    tz = settings.of(session).tz
    year = last_business_year(_now(), tz)
    start, end = year_period(year, tz)
    first, last = start.date(), (end - timedelta(days=1)).date()
    return {**yearly_summary(session, start, end), "year": year,
            "year_label": f"{year} to {year + 1}", "period_start": first, "period_end": last,
            "period": f"{long_date(first)} to {long_date(last)}",
            "url": f"/reports/yearly?year={year}", "regime": regime.board_regime(session)}


@operation
def compile_tracker(session, instance_id):
    """The consolidated action tracker now (C6): computed from the action plans."""
    now = _now()
    figures = action_reports.tracker(session, now, now.astimezone(settings.of(session).tz).date())
    return {"actions_open": figures["open"], "actions_overdue": figures["actions"]["overdue"],
            "rag": figures["actions"]["rag"], "overall": figures["overall"],
            "plans_follow_up_due": figures["plans_due"],
            "plans_follow_up_overdue": figures["plans_overdue"],
            "overdue_by_agency": figures["actions"]["overdue_by_agency"], "url": "/learning/actions"}


@operation
def compile_lisg_assurance(session, instance_id, months=6):
    """The LISG report's computed action plan, S11/s175 and workshop figures for the last
    ``months`` months (the same period as ``report.lisg_summary``)."""
    end = _now()
    start = end - timedelta(days=round(30.44 * int(months)))
    return action_reports.assurance_summary(session, start, end,
                                            end.astimezone(settings.of(session).tz).date())


# Dotted names: SpiffWorkflow's parser finds elements by id across the whole file, and the
# operation name is the id of the service task's operator, so it must never equal a task's id
# (the library has user tasks called record_learning_item, record_evaluation, sign_off_action).
OPERATIONS = {
    "learning.record_item": record_learning_item, "learning.validate_item": validate_learning_item,
    "learning.record_dissemination": record_dissemination, "learning.open_action": open_action,
    "learning.update_action": update_action, "learning.complete_action": complete_action,
    "learning.sign_off_action": sign_off_action, "learning.close_action": close_action,
    "learning.mark_embedded": mark_learning_embedded,
    "learning.record_evaluation": record_evaluation, "learning.request_review": request_review,
    "review.open": open_review, "review.close": close_review,
    "report.lisg_summary": compile_lisg_report,
    "review.record_impact": record_review_impact, "review.record_publication": record_publication,
    "report.yearly_summary": compile_yearly_report,
    "plans.s11_return": record_s11_return, "plans.s175_return": record_s175_return,
    "report.tracker": compile_tracker, "report.lisg_assurance": compile_lisg_assurance,
}

from .cdop_operations import CDOP_OPERATIONS  # noqa: E402  (it builds on this module)
from .cycle_operations import CYCLE_OPERATIONS  # noqa: E402  (they use ``operation`` above)

OPERATIONS.update(CDOP_OPERATIONS)
OPERATIONS.update(CYCLE_OPERATIONS)
