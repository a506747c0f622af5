"""Structured action plans: the recommendations actions answer, whole-plan follow-up, and the
section 11 return rated per standard (a standard rated below met opens an action in the
agency's single-agency S11 plan).

As in ``engine/learning.py``: every function takes the caller's ``session`` (never commits), the
acting person's name and the moment, and every change appends an audit event.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.action_plans import BELOW_MET, RATINGS, S11_STANDARDS, Recommendation, StandardRating
from models.learning import ActionPlan, FollowUpStatus

from . import clock
from .errors import InputError, InvalidState, NotAllowed, NotFound
from .learning import as_date, open_action, plan_for
from .trail import audit_and_notify as audit

# The kind of work a learning item's source pathway is (pathways.md 4.2: "source
# SCR|MACR|S11|s175|audit|LISG|Board"); P2 is an SCR under 2015 and an LCSPR under 2018/2023.
SOURCE_OF_PATHWAY = {"P1": "review", "P2": "scr", "P2a": "scr", "P3": "macr", "P4": "imr",
                     "P5": "cdop", "P6": "audit", "P7": "audit", "P8": "review", "P9": "audit",
                     "P10": "s11", "P11": "s175", "P12": "audit", "C2": "lisg"}


def source_of(pathway: str | None) -> str:
    """The plan source for a learning item's source pathway ("review" when unknown)."""
    return SOURCE_OF_PATHWAY.get(str(pathway or "").strip(), "review")


def record_recommendation(session: Session, actor_name: str, text: str, *, number=None,
                          source_instance_id=None, source_ref=None, learning_item_id=None,
                          instance_id=None, now: datetime | None = None) -> Recommendation:
    """The recommendation of one review with this text (recorded on first use)."""
    now, text = now or clock.now(), (text or "").strip()
    if not text:
        raise InputError("a recommendation needs its text")
    number = _number(number)
    stmt = select(Recommendation).where(Recommendation.text == text)
    stmt = stmt.where(Recommendation.source_instance_id == source_instance_id) \
        if source_instance_id else stmt.where(Recommendation.source_ref == source_ref)
    found = session.scalars(stmt).first()
    if found is not None:
        return found
    row = Recommendation(text=text, number=number, source_instance_id=source_instance_id,
                         source_ref=source_ref, learning_item_id=learning_item_id, created_at=now)
    session.add(row)
    session.flush()
    audit(session, actor_name, "recommendation_recorded", instance_id=instance_id, now=now,
          recommendation_id=row.id, source_ref=source_ref, number=number)
    return row


def get_plan(session: Session, plan_id) -> ActionPlan:
    """The action plan with this id, or NotFound."""
    try:
        plan = session.get(ActionPlan, int(plan_id))
    except (TypeError, ValueError):
        plan = None
    if plan is None:
        raise NotFound("action plan", plan_id)
    return plan


def set_follow_up(session: Session, plan: ActionPlan, actor_name: str, due, *, note: str = "",
                  instance_id=None, now: datetime | None = None) -> ActionPlan:
    """Set (or move) the date the whole plan is followed up; its follow-up is then due."""
    now, day = now or clock.now(), as_date(due)
    before = plan.follow_up_due
    plan.follow_up_due, plan.follow_up_status = day, FollowUpStatus.DUE.value
    plan.follow_up_note = (note or "").strip() or plan.follow_up_note
    audit(session, actor_name, "action_plan_follow_up_set", instance_id=instance_id, now=now,
          plan_id=plan.id, before=before, due=day)
    return plan


def record_follow_up(session: Session, plan: ActionPlan, actor_name: str, note: str, *,
                     instance_id=None, now: datetime | None = None) -> ActionPlan:
    """The whole plan was followed up (a report on its progress, with what was found)."""
    now, note = now or clock.now(), (note or "").strip()
    if plan.follow_up_status != FollowUpStatus.DUE.value:
        raise InvalidState(f"action plan {plan.id} has no follow-up due")
    if not note:
        raise InputError("say what the follow-up found")
    plan.follow_up_status, plan.follow_up_note = FollowUpStatus.DONE.value, note
    plan.followed_up_at, plan.followed_up_by = now, actor_name
    audit(session, actor_name, "action_plan_followed_up", instance_id=instance_id, now=now,
          plan_id=plan.id, note=note)
    return plan


def record_s11_return(session: Session, actor_name: str, *, agency: str, ratings: dict,
                      actions: dict | None = None, due_date, source_instance_id=None,
                      source_ref=None, instance_id=None,
                      now: datetime | None = None) -> list[StandardRating]:
    """One agency's section 11 return: every standard rated; each rated below met opens an
    action (the agency's words, else "bring it up to met") in the agency's single-agency S11
    plan, due ``due_date``. The plan's whole follow-up is due that day too."""
    now, agency = now or clock.now(), (agency or "").strip().lower()
    if not agency:
        raise InputError("a section 11 return needs its agency")
    missing = [code for code in S11_STANDARDS if code not in (ratings or {})]
    if missing:
        raise InputError(f"rate every standard: {', '.join(missing)} not rated")
    unknown = {r for r in ratings.values() if r not in RATINGS}
    if unknown:
        raise InputError(f"a standard is rated {' or '.join(RATINGS)}, not {sorted(unknown)[0]!r}")
    rows, plan = [], None
    for code, title in S11_STANDARDS.items():
        row = StandardRating(kind="s11", source_instance_id=source_instance_id,
                             source_ref=source_ref, agency=agency, standard=code,
                             rating=ratings[code], rated_at=now)
        if row.rating in BELOW_MET:
            words = str((actions or {}).get(code) or "").strip() or \
                f"Bring the standard up to met: {title}"
            action = open_action(session, actor_name, owner=agency, description=words,
                                 due_date=due_date, scope="single_agency", source="s11",
                                 agency=agency, source_instance_id=source_instance_id,
                                 source_ref=source_ref, instance_id=instance_id,
                                 rag="red" if row.rating == "not_met" else "amber", now=now)
            row.action_id, plan = action.id, action.plan
        session.add(row)
        rows.append(row)
    session.flush()
    if plan is not None and plan.follow_up_status is None:
        set_follow_up(session, plan, actor_name, due_date, instance_id=instance_id, now=now)
    audit(session, actor_name, "s11_return_recorded", instance_id=instance_id, now=now,
          agency=agency, ratings={r.standard: r.rating for r in rows},
          actions=sum(1 for r in rows if r.action_id))
    return rows


def _number(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(f"a recommendation's number is a whole number, not {value!r}") from None


class PlanCommands:
    """The ``ProcessEngine`` commands on whole action plans: those who oversee the learning
    loop (managers, LISG, the Board) set and record a plan's follow-up."""

    def set_plan_follow_up(self, session: Session, actor, plan_id, due, note: str = "") -> ActionPlan:
        """Set (or move) the date the whole plan is followed up."""
        _require_oversight(actor)
        return set_follow_up(session, get_plan(session, plan_id), actor.name, due, note=note)

    def record_plan_follow_up(self, session: Session, actor, plan_id, note: str) -> ActionPlan:
        """Record that the whole plan was followed up, with what was found."""
        _require_oversight(actor)
        return record_follow_up(session, get_plan(session, plan_id), actor.name, note)


def _require_oversight(actor) -> None:
    if not actor.oversees:
        raise NotAllowed("only managers, LISG and the Board follow up action plans")
