"""Lifecycles of learning items and actions (domain/pathways.md section 4.2), as guarded steps.

Every function takes the caller's ``session`` (never commits), the acting person's name and
the moment; every change appends an audit event; a step that does not apply to the record's
current status raises ``InvalidState`` and changes nothing. ``engine/operations.py`` exposes
these to BPMN service tasks; the web app calls them directly.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.learning import (DISSEMINATION_KINDS, EVALUATION_METHODS, RAGS, TAG_KINDS,
                             Action, ActionPlan, ActionStatus, Dissemination, Evaluation,
                             LearningItem, LearningItemChild, LearningOutcome, LearningStatus,
                             LearningTag, Review)

from . import clock, settings
from .errors import InputError, InvalidState, NotFound
from .trail import audit_and_notify as audit

L, A = LearningStatus, ActionStatus
ITEM_STEPS = {L.VALIDATED: {L.PROPOSED}, L.REJECTED: {L.PROPOSED},
              L.DISSEMINATING: {L.VALIDATED, L.DISSEMINATING},
              L.EMBEDDED: {L.DISSEMINATING}, L.EVALUATED: {L.EMBEDDED}}
ACTION_STEPS = {A.IN_PROGRESS: {A.OPEN, A.COMPLETED}, A.COMPLETED: {A.OPEN, A.IN_PROGRESS},
                A.SIGNED_OFF: {A.COMPLETED}, A.IMPACT_EVALUATED: {A.SIGNED_OFF}}


def record_item(session: Session, actor_name: str, statement: str, *, themes: Iterable[str] = (),
                audiences: Iterable[str] = (), agencies: Iterable[str] = (),
                source_pathway: str = "", source_ref: str | None = None,
                source_instance_id: int | None = None, evidence: str = "",
                child_reference: str = "", case_details: str = "",
                now: datetime | None = None) -> LearningItem:
    """A new learning item, status proposed; child details go to their own row."""
    now = now or clock.now()
    if not (statement or "").strip():
        raise InputError("a learning item needs a statement")
    item = LearningItem(statement=statement.strip(), evidence=evidence or "",
                        source_pathway=source_pathway or "", source_ref=source_ref,
                        source_instance_id=source_instance_id, identified_at=now,
                        status=L.PROPOSED.value, created_by=actor_name)
    _set_tags(item, theme=themes, audience=audiences, agency=agencies)
    session.add(item)
    session.flush()
    if child_reference or case_details:
        session.add(LearningItemChild(item_id=item.id, child_reference=child_reference or "",
                                      case_details=case_details or ""))
    audit(session, actor_name, "learning_item_recorded", instance_id=source_instance_id, now=now,
          item_id=item.id, source_pathway=item.source_pathway, themes=item.themes)
    return item


def get_item(session: Session, item_id) -> LearningItem:
    """The learning item with this id, or NotFound."""
    item = session.get(LearningItem, _int(item_id, "learning item"))
    if item is None:
        raise NotFound("learning item", item_id)
    return item


def move_item(session: Session, item: LearningItem, actor_name: str, to: LearningStatus | str,
              note: str = "", now: datetime | None = None, instance_id: int | None = None):
    """Move an item one step along its lifecycle; InvalidState if not allowed from here."""
    now, to = now or clock.now(), L(to)
    if L(item.status) not in ITEM_STEPS.get(to, set()):
        raise InvalidState(f"learning item {item.id} is {item.status}; it cannot become {to.value}")
    before, item.status = item.status, to.value
    item.status_note = note or item.status_note
    stamp = {L.VALIDATED: "validated_at", L.EMBEDDED: "embedded_at", L.EVALUATED: "evaluated_at"}
    if to in stamp:
        setattr(item, stamp[to], now)
    audit(session, actor_name, "learning_item_status", instance_id=instance_id, now=now,
          item_id=item.id, before=before, after=to.value, note=note)
    return item


def validate_item(session, item, actor_name, *, valid=True, themes=None, note="", now=None,
                  instance_id=None) -> LearningItem:
    """LISG's identification step: validated (optionally re-themed) or rejected."""
    if valid and themes:
        _set_tags(item, theme=themes)
    return move_item(session, item, actor_name, L.VALIDATED if valid else L.REJECTED, note, now,
                     instance_id)


def record_dissemination(session, item, actor_name, *, kind: str, held_on, reach=0, title="",
                         agency=None, now=None, instance_id=None) -> Dissemination:
    """Record how the learning was spread; a validated item becomes disseminating."""
    if kind not in DISSEMINATION_KINDS:
        raise InputError(f"unknown dissemination kind {kind!r} (known: "
                         f"{', '.join(DISSEMINATION_KINDS)})")
    if item.status != L.DISSEMINATING.value:
        move_item(session, item, actor_name, L.DISSEMINATING, now=now, instance_id=instance_id)
    row = Dissemination(learning_item_id=item.id, kind=kind, title=title or "", agency=agency,
                        held_on=as_date(held_on), reach=_count(reach), recorded_by=actor_name)
    session.add(row)
    session.flush()
    audit(session, actor_name, "dissemination_recorded", instance_id=instance_id, now=now,
          item_id=item.id, dissemination_id=row.id, kind=kind, reach=row.reach)
    return row


def record_evaluation(session, item, actor_name, *, method: str, findings: str, embedded: bool,
                      evaluated_on=None, final=True, now=None, instance_id=None) -> Evaluation:
    """Record an evaluation; a final one closes the item as learnt or not learnt."""
    now = now or clock.now()
    if method not in EVALUATION_METHODS:
        raise InputError(f"unknown evaluation method {method!r} (known: "
                         f"{', '.join(EVALUATION_METHODS)})")
    if final:
        move_item(session, item, actor_name, L.EVALUATED, now=now, instance_id=instance_id)
        item.outcome = (LearningOutcome.LEARNT if embedded else LearningOutcome.NOT_LEARNT).value
    elif item.status not in (L.DISSEMINATING.value, L.EMBEDDED.value):
        raise InvalidState(f"learning item {item.id} is {item.status}; interim evaluations "
                           "are recorded while it is disseminating or embedded")
    row = Evaluation(learning_item_id=item.id, method=method, findings=findings or "",
                     embedded=bool(embedded), final=bool(final), recorded_by=actor_name,
                     evaluated_on=as_date(evaluated_on) if evaluated_on
                     else _local_day(now, settings.of(session).tz))
    session.add(row)
    session.flush()
    audit(session, actor_name, "evaluation_recorded", instance_id=instance_id, now=now,
          item_id=item.id, evaluation_id=row.id, method=method, embedded=row.embedded,
          final=row.final)
    return row


def request_review(session, item, actor_name, reason: str, now=None, instance_id=None):
    """Note that learning found not embedded asked for a new review (the loop's last step)."""
    now = now or clock.now()
    if item.outcome != LearningOutcome.NOT_LEARNT.value:
        raise InvalidState(f"learning item {item.id} is not evaluated as not embedded")
    item.review_requested_at = now
    audit(session, actor_name, "learning_review_requested", instance_id=instance_id, now=now,
          item_id=item.id, reason=reason)
    return item


def open_action(session, actor_name, *, owner: str, description: str, due_date, item=None,
                scope="multi_agency", source="review", source_instance_id=None,
                source_ref=None, instance_id=None, rag="green", now=None) -> Action:
    """A new open action in the action plan of its source (created on first use)."""
    now = now or clock.now()
    if not owner or not (description or "").strip():
        raise InputError("an action needs an owner and a description")
    if rag not in RAGS:
        raise InputError(f"RAG must be one of {', '.join(RAGS)}")
    due = as_date(due_date)
    if item is not None:
        source_instance_id = source_instance_id or item.source_instance_id
        source_ref = source_ref or item.source_ref
    plan = session.scalars(select(ActionPlan).where(
        ActionPlan.source_instance_id == source_instance_id, ActionPlan.scope == scope,
        ActionPlan.source == source)).first() if source_instance_id else None
    if plan is None:
        plan = ActionPlan(scope=scope, source=source, source_instance_id=source_instance_id,
                          created_at=now,
                          source_ref=source_ref, title=f"Action plan {source_ref or ''}".strip())
        session.add(plan)
    action = Action(plan=plan, learning_item_id=item.id if item else None, owner=owner,
                    description=description.strip(), due_date=due, rag=rag,
                    instance_id=instance_id, status=A.OPEN.value, created_at=now)
    session.add(action)
    session.flush()
    audit(session, actor_name, "action_opened", instance_id=instance_id, now=now,
          action_id=action.id, owner=owner, due_date=due,
          item_id=item.id if item else None)
    return action


def get_action(session: Session, action_id) -> Action:
    """The action with this id, or NotFound."""
    action = session.get(Action, _int(action_id, "action"))
    if action is None:
        raise NotFound("action", action_id)
    return action


def move_action(session, action: Action, actor_name, to, *, evidence="", rag=None, now=None,
                instance_id=None) -> Action:
    """Move an action along its lifecycle; completion needs evidence of completion, impact
    evaluation evidence of impact; sign-off records who signed it off."""
    now, to = now or clock.now(), A(to)
    if A(action.status) not in ACTION_STEPS.get(to, set()):
        raise InvalidState(f"action {action.id} is {action.status}; it cannot become {to.value}")
    evidence = (evidence or "").strip()
    if to in (A.COMPLETED, A.IMPACT_EVALUATED) and not evidence:
        raise InputError(f"{to.value.replace('_', ' ')} needs evidence")
    if to == A.COMPLETED:
        action.evidence_of_completion, action.completed_at = evidence, now
    elif to == A.IMPACT_EVALUATED:
        action.evidence_of_impact = evidence
    elif to == A.SIGNED_OFF:
        action.signed_off_by, action.signed_off_at = actor_name, now
    if rag is not None:
        set_rag(action, rag)
    before, action.status = action.status, to.value
    audit(session, actor_name, "action_status", instance_id=instance_id, now=now,
          action_id=action.id, before=before, after=to.value, evidence=evidence or None)
    return action


def set_rag(action: Action, rag: str) -> None:
    """Set the owner's RAG rating (overdue actions show red whatever is set)."""
    if rag not in RAGS:
        raise InputError(f"RAG must be one of {', '.join(RAGS)}")
    action.rag = rag


def get_review(session: Session, review_id) -> Review:
    """The review or audit with this id, or NotFound."""
    review = session.get(Review, _int(review_id, "review"))
    if review is None:
        raise NotFound("review", review_id)
    return review


def record_impact(session, review: Review, actor_name, impact: str, now=None,
                  instance_id=None) -> Review:
    """What the review changed in practice, entered once and reused by every report (the
    yearly or annual report's "impact of reviews"); entering it again replaces it, audited."""
    impact = (impact or "").strip()
    if len(impact) < 10:
        raise InputError("describe the review's impact on practice in 10 characters or more")
    before, review.impact = review.impact, impact
    audit(session, actor_name, "review_impact_recorded", instance_id=instance_id or
          review.instance_id, now=now, review_id=review.id, replaced=before is not None)
    return review


def review_items(session, review: Review) -> list[LearningItem]:
    """The learning items the review identified (by its case, or by its reference)."""
    found = []
    if review.instance_id is not None:
        found.append(LearningItem.source_instance_id == review.instance_id)
    if review.case_ref:
        found.append(LearningItem.source_ref == review.case_ref)
    if not found:
        return []
    clause = found[0] if len(found) == 1 else found[0] | found[1]
    return list(session.scalars(select(LearningItem).where(clause).order_by(LearningItem.id)))


def record_publication(session, review: Review, actor_name, *, published_on, online_until,
                       title="", now=None, instance_id=None) -> list[Dissemination]:
    """The review's report is published: its dates go on the review, and the publication is a
    ``publication`` dissemination of each of its learning items. An item LISG has validated
    becomes disseminating; one still proposed, rejected or further along keeps its status (the
    publication is recorded against it all the same)."""
    published, until = as_date(published_on), as_date(online_until)
    if until <= published:
        raise InputError("the report must stay online after the day it is published")
    review.published_on, review.online_until = published, until
    title = title or f"Published report: {review.title or review.kind.upper()}"
    rows = []
    for item in review_items(session, review):
        if item.status in (L.VALIDATED.value, L.DISSEMINATING.value):
            rows.append(record_dissemination(session, item, actor_name, kind="publication",
                                             held_on=published, title=title, now=now,
                                             instance_id=instance_id))
        else:       # outside the steps a dissemination moves: recorded, status kept
            rows.append(Dissemination(learning_item_id=item.id, kind="publication", title=title,
                                      held_on=published, reach=0, recorded_by=actor_name))
            session.add(rows[-1])
    session.flush()
    audit(session, actor_name, "review_published", instance_id=instance_id or review.instance_id,
          now=now, review_id=review.id, published_on=published, online_until=until,
          items=[r.learning_item_id for r in rows])
    return rows


def as_date(value) -> date:
    """A date from a date, datetime or ISO text (first 10 characters); InputError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"not a date: {value!r}") from None


def _set_tags(item: LearningItem, **by_kind) -> None:
    for kind, values in by_kind.items():
        assert kind in TAG_KINDS
        wanted = {str(v).strip() for v in _listed(values) if str(v).strip()}
        item.tags = [t for t in item.tags if t.kind != kind] + \
            [LearningTag(kind=kind, value=v[:80]) for v in sorted(wanted)]


def _listed(values) -> list:
    if values is None:
        return []
    if isinstance(values, str):
        return values.split(",")
    return list(values)


def _count(value) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise InputError(f"reach must be a whole number, not {value!r}") from None
    if number < 0:
        raise InputError("reach cannot be negative")
    return number


def _int(value, kind: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(kind, value) from None


def _local_day(moment: datetime, tz) -> date:
    return moment.astimezone(tz).date()
