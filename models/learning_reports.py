"""Figures of the board's reports, computed from live records for a period ``[start, end)``:
the six-monthly LISG report, the annual report's learning and review section, and CDOP
summary figures (counts only: no case reference or child detail ever leaves this module).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import AuditEvent
from .cdop_reports import cdop_annual_figures
from .learning import (ACTION_DONE, Action, ActionPlan, Dissemination, Evaluation,
                       LearningItem, LearningOutcome, LearningStatus, Review)
from .dates import add_months
from .learning_queries import loop_closure

def _between(column, start, end):
    return (column >= start) & (column < end)


def _days(column, start: datetime, end: datetime):
    """A date column within the period: from start's day to the day of end's last moment."""
    return (column >= start.date()) & (column <= (end - timedelta(microseconds=1)).date())


def open_reviews(session: Session, at: datetime) -> list[Review]:
    """Reviews and audits open at ``at`` (started before it, not completed by it), oldest first:
    the one answer every report gives to "what is still open"."""
    return list(session.scalars(select(Review).where(
        Review.started_at < at, Review.completed_at.is_(None) | (Review.completed_at >= at))
        .order_by(Review.started_at, Review.id)))


def review_counts(session: Session, start: datetime, end: datetime) -> dict:
    """Reviews and audits started and completed in the period, by kind, and still open at end."""
    out, still_open = {}, Counter(r.category for r in open_reviews(session, end))
    for category in ("review", "audit"):
        base = select(Review.kind, func.count()).where(Review.category == category)
        out[category] = {
            "started": dict(session.execute(base.where(_between(Review.started_at, start, end))
                                            .group_by(Review.kind)).all()),
            "completed": dict(session.execute(base.where(
                _between(Review.completed_at, start, end)).group_by(Review.kind)).all()),
            "open": still_open[category]}
    return out


def learning_counts(session: Session, start: datetime, end: datetime) -> dict:
    """Learning identified in the period: total, by theme, by current status."""
    items = list(session.scalars(select(LearningItem).where(
        _between(LearningItem.identified_at, start, end))))
    themes = Counter(t for item in items for t in item.themes)
    return {"identified": len(items), "by_theme": dict(sorted(themes.items())),
            "by_status": dict(Counter(i.status for i in items))}


def dissemination_reach(session: Session, start: datetime, end: datetime) -> dict:
    """Disseminations held in the period: events and people reached, by kind and in total."""
    rows = session.execute(select(Dissemination.kind, func.count(), func.sum(Dissemination.reach))
                           .where(_days(Dissemination.held_on, start, end))
                           .group_by(Dissemination.kind)).all()
    by_kind = {kind: {"events": n, "reach": int(reach or 0)} for kind, n, reach in rows}
    return {"by_kind": dict(sorted(by_kind.items())),
            "events": sum(v["events"] for v in by_kind.values()),
            "reach": sum(v["reach"] for v in by_kind.values())}


def action_rag(session: Session, at: datetime) -> dict:
    """Every action that existed at ``at``: counts by RAG that day and overdue by owner."""
    day = at.date()
    actions = list(session.scalars(select(Action).where(Action.created_at < at)))
    overdue = Counter(a.owner for a in actions if a.overdue_on(day))
    rag = Counter(a.rag_on(day) for a in actions)
    return {"rag": {k: rag.get(k, 0) for k in ("red", "amber", "green", "complete")},
            "total": len(actions), "overdue_by_agency": dict(sorted(overdue.items())),
            "overdue": sum(overdue.values())}


def forward_plan(session: Session, end: datetime, months: int = 6) -> dict:
    """The next period: actions falling due, items awaiting evaluation, reviews still open."""
    horizon = add_months(end, months)
    due = list(session.scalars(select(Action).where(
        Action.status.not_in(ACTION_DONE), Action.due_date >= end.date(),
        Action.due_date < horizon.date()).order_by(Action.due_date, Action.id)))
    awaiting = session.scalar(select(func.count()).select_from(LearningItem).where(
        LearningItem.status == LearningStatus.EMBEDDED.value))
    return {"actions_due": due, "awaiting_evaluation": awaiting,
            "open_reviews": open_reviews(session, end), "until": horizon.date()}


def lisg_figures(session: Session, start: datetime, end: datetime) -> dict:
    """Everything the six-monthly LISG report to the Board shows, for ``[start, end)``."""
    return {"start": start, "end": end, "reviews": review_counts(session, start, end),
            "learning": learning_counts(session, start, end),
            "dissemination": dissemination_reach(session, start, end),
            "actions": action_rag(session, end), "forward": forward_plan(session, end),
            "closure": loop_closure(session, end)["overall"]}


def lisg_summary(session: Session, start: datetime, end: datetime) -> dict:
    """Headline counts of the LISG report (small enough for a task's data)."""
    f = lisg_figures(session, start, end)
    return {"reviews_started": sum(f["reviews"]["review"]["started"].values()),
            "reviews_completed": sum(f["reviews"]["review"]["completed"].values()),
            "audits_completed": sum(f["reviews"]["audit"]["completed"].values()),
            "learning_identified": f["learning"]["identified"],
            "people_reached": f["dissemination"]["reach"],
            "actions_red": f["actions"]["rag"]["red"], "actions_overdue": f["actions"]["overdue"]}


def annual_figures(session: Session, start: datetime, end: datetime) -> dict:
    """The annual report's learning and review section for ``[start, end)``."""
    evaluations = list(session.scalars(select(Evaluation).where(
        Evaluation.final.is_(True), _days(Evaluation.evaluated_on, start, end))))
    completed = session.scalar(select(func.count()).select_from(Action).where(
        _between(Action.completed_at, start, end)))
    return {**lisg_figures(session, start, end),
            "evaluations": {"final": len(evaluations),
                            "embedded": sum(1 for e in evaluations if e.embedded)},
            "actions_completed": completed,
            "closure_detail": loop_closure(session, end)}


REVIEW_TARGET_MONTHS = 6       # SCR (2015) and LCSPR (2018/2023): six months from the start
VOICE_AUDIENCES = ("children_young_people", "families", "mixed")   # P7 surveys that heard them


def review_timeliness(review: Review) -> bool:
    """The review was completed within six months of its start (the SCR / LCSPR target)."""
    return review.completed_at <= add_months(review.started_at, REVIEW_TARGET_MONTHS)


def recommendation_actions(session: Session, at: datetime) -> dict:
    """Action on review recommendations: the actions of plans arising from reviews (not audits),
    as they stood at ``at``: in all, done, overdue, and still open inside their date."""
    reviewed = select(Review.instance_id).where(Review.category == "review",
                                                Review.instance_id.is_not(None))
    actions = list(session.scalars(select(Action).join(ActionPlan).where(
        Action.created_at < at, ActionPlan.source_instance_id.in_(reviewed))))
    day = at.date()
    done = sum(1 for a in actions if a.done)
    overdue = sum(1 for a in actions if a.overdue_on(day))
    return {"total": len(actions), "done": done, "overdue": overdue,
            "open": len(actions) - done - overdue}


def yearly_figures(session: Session, start: datetime, end: datetime) -> dict:
    """The yearly report (2018/2023) or annual report (2015) for ``[start, end)``: the annual
    figures plus the reviews completed and their timeliness, the impact each review recorded,
    the reports published, action on review recommendations, what children and families said
    (P7 surveys that heard them) and the areas of little progress."""
    completed = list(session.scalars(select(Review).where(
        Review.category == "review", _between(Review.completed_at, start, end))
        .order_by(Review.completed_at, Review.id)))
    published = list(session.scalars(select(Review).where(_days(Review.published_on, start, end))
                                     .order_by(Review.published_on, Review.id)))
    voices = list(session.scalars(select(Review).where(
        Review.kind == "survey", Review.outcome.in_(VOICE_AUDIENCES),
        _between(Review.completed_at, start, end)).order_by(Review.completed_at, Review.id)))
    not_learnt = list(session.scalars(select(LearningItem).where(
        LearningItem.outcome == LearningOutcome.NOT_LEARNT.value,
        _between(LearningItem.evaluated_at, start, end))))
    figures = annual_figures(session, start, end)
    late = [r for r in open_reviews(session, end) if r.category == "review"
            and add_months(r.started_at, REVIEW_TARGET_MONTHS) < end]
    return {**figures,
            "completed_reviews": [(r, review_timeliness(r)) for r in completed],
            "on_time": sum(1 for r in completed if review_timeliness(r)),
            "impact": [r for r in {r.id: r for r in completed + published}.values()],
            "published": published, "voices": voices,
            "recommendations": recommendation_actions(session, end),
            "little_progress": {
                "not_learnt_by_theme": dict(sorted(Counter(
                    t for item in not_learnt for t in item.themes).items())),
                "not_learnt": len(not_learnt),
                "overdue_by_agency": figures["actions"]["overdue_by_agency"],
                "late_reviews": late}}


def yearly_summary(session: Session, start: datetime, end: datetime) -> dict:
    """Headline counts of the yearly or annual report (small enough for a task's data)."""
    f = yearly_figures(session, start, end)
    return {"reviews_completed": len(f["completed_reviews"]), "reviews_on_time": f["on_time"],
            "impact_missing": sum(1 for r in f["impact"] if not r.impact),
            "reports_published": len(f["published"]),
            "recommendation_actions": f["recommendations"]["total"],
            "recommendation_actions_done": f["recommendations"]["done"],
            "recommendation_actions_overdue": f["recommendations"]["overdue"],
            "voice_surveys": len(f["voices"]), "learning_not_embedded": f["little_progress"]["not_learnt"],
            "reviews_late": len(f["little_progress"]["late_reviews"])}


def last_business_year(now: datetime, tz=None) -> int:
    """The business year (from 1 April) that last ended on or before ``now``."""
    local = now.astimezone(tz) if tz else now
    return local.year - 2 if local.month < 4 else local.year - 1


def cdop_figures(session: Session, start: datetime, end: datetime) -> dict:
    """CDOP summary from the CDOP register: deaths notified (in the CDOP's scope, or an
    unattended stillbirth under 2018/2023) and reviewed in the period, categories, modifiable
    factors, across every board the CDOP serves. Only counts are returned."""
    total = cdop_annual_figures(session, start, end)["total"]
    return {key: total[key] for key in ("notified", "reviewed", "categories", "modifiable",
                                        "preventable_share")}


def default_period(now: datetime, months: int = 6) -> tuple[datetime, datetime]:
    """The ``months`` months ending at ``now``."""
    return add_months(now, -months), now


def year_period(year: int, tz=None) -> tuple[datetime, datetime]:
    """The business year starting 1 April of ``year`` (UTC midnight bounds unless ``tz``)."""
    zone = tz or timezone.utc
    return datetime(year, 4, 1, tzinfo=zone), datetime(year + 1, 4, 1, tzinfo=zone)

