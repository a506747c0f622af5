"""The learning loop as records (domain/pathways.md section 4.2): reviews, learning items,
action plans and actions, disseminations and evaluations.

Statuses of these records are spelled here (``LearningStatus``, ``ActionStatus``...); their
transitions are guarded in ``engine/learning.py``. Child-identifying details of a learning
item live in their own table (``LearningItemChild``) so that every list and report can be
built without ever loading them; only case participants are shown them.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class LearningStatus(str, Enum):
    """Where a learning item stands: proposed -> validated -> disseminating -> embedded ->
    evaluated (outcome learnt or not_learnt); rejected when LISG does not take it forward."""

    PROPOSED = "proposed"
    VALIDATED = "validated"
    REJECTED = "rejected"
    DISSEMINATING = "disseminating"
    EMBEDDED = "embedded"
    EVALUATED = "evaluated"


class LearningOutcome(str, Enum):
    """The final evaluation's verdict: learnt (embedded in practice) or not."""

    LEARNT = "learnt"
    NOT_LEARNT = "not_learnt"


class ActionStatus(str, Enum):
    """open -> in_progress -> completed (evidence) -> signed_off (LISG) -> impact_evaluated."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SIGNED_OFF = "signed_off"
    IMPACT_EVALUATED = "impact_evaluated"


class FollowUpStatus(str, Enum):
    """A whole action plan's follow-up: due on its date, then done (with a note)."""

    DUE = "due"
    DONE = "done"


PLAN_SCOPES = {"single_agency": "Single-agency", "multi_agency": "Multi-agency"}
PLAN_SOURCES = {
    "scr": "Serious case review or child safeguarding practice review",
    "macr": "Multi-agency case review", "imr": "Individual management review",
    "cdop": "Child death review", "audit": "Audit", "s11": "Section 11 return",
    "s175": "s175/157 school return", "lisg": "LISG report", "board": "Board",
    "review": "Review"}
ACTION_DONE = (ActionStatus.COMPLETED.value, ActionStatus.SIGNED_OFF.value,
               ActionStatus.IMPACT_EVALUATED.value)
RAGS = ("red", "amber", "green")
DISSEMINATION_KINDS = {
    "training_course": "Multi-agency training course", "workshop": "Learning workshop",
    "briefing": "Briefing", "publication": "Publication", "social_media": "Social media",
    "single_agency_training": "Single-agency training"}
# a review's or audit's kind (the ``review.open`` parameter its pathway passes) as reports name it
REVIEW_KINDS = {
    "scr": "Serious case review (SCR)", "macr": "Multi-agency case review",
    "imr": "Individual management review (IMR)", "cdop": "Child death review (CDOP)",
    "referral": "Referral for review consideration", "roundtable": "Roundtable discussion",
    "multi_agency_audit": "Multi-agency case audit", "single_agency_audit": "Single-agency audit",
    "survey": "Survey or consultation", "s11": "Section 11 audit",
    "s175": "s175/157 school safeguarding audit", "research_digest": "Research digest"}
EVALUATION_METHODS = {
    "case_file_reaudit": "Case file re-audit", "training_impact": "Training impact (6-8 weeks)",
    "immediate_feedback": "Immediate feedback (end of the course or workshop)",
    "survey": "Practitioner survey", "action_plan_report": "Report on the action plan"}
TAG_KINDS = ("theme", "audience", "agency")


class Review(Base):
    """A review or audit carried out under the framework (SCR, MACR, IMR, CDOP review, case
    audit, S11...), recorded by its pathway so reports count them; may be triggered by a
    learning item that was not embedded."""

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_instance_kind", "instance_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(10), default="review")   # review | audit
    title: Mapped[str] = mapped_column(String(300), default="")
    agency: Mapped[str | None] = mapped_column(String(80))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"))
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(200))
    triggered_by_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_item.id", ondelete="SET NULL"), index=True)
    # What the review changed in practice, entered once (its closing step or the review's page)
    # and reused by every report that describes the impact of reviews.
    impact: Mapped[str | None] = mapped_column(Text)
    # Publication of the review's report (SCR / LCSPR): the day it went online, and the first day
    # it may come down (it stays online at least that long).
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    online_until: Mapped[date | None] = mapped_column(Date)


class LearningItem(Base):
    """One lesson identified by a review or audit, travelling the learning loop."""

    __tablename__ = "learning_item"
    __table_args__ = (Index("ix_learning_item_status_identified", "status", "identified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    source_pathway: Mapped[str] = mapped_column(String(40), default="", index=True)
    source_ref: Mapped[str | None] = mapped_column(String(100))
    source_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    loop_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=LearningStatus.PROPOSED.value)
    outcome: Mapped[str | None] = mapped_column(String(20))
    identified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    embedded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_note: Mapped[str] = mapped_column(Text, default="")
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))

    tags: Mapped[list[LearningTag]] = relationship(cascade="all, delete-orphan",
                                                   lazy="selectin")

    def values(self, kind: str) -> list[str]:
        """The item's tags of one kind ("theme", "audience" or "agency"), sorted."""
        return sorted(t.value for t in self.tags if t.kind == kind)

    @property
    def themes(self) -> list[str]:
        """Themes of the lesson (e.g. information_sharing)."""
        return self.values("theme")

    @property
    def audiences(self) -> list[str]:
        """Who needs to hear it."""
        return self.values("audience")

    @property
    def agencies(self) -> list[str]:
        """Agency or sub-group slugs the lesson concerns."""
        return self.values("agency")

    @property
    def reference(self) -> str:
        """The item's display reference, e.g. LI-0007."""
        return f"LI-{self.id:04d}"


class LearningTag(Base):
    """One theme, audience or agency of a learning item (indexed, so registers filter by it)."""

    __tablename__ = "learning_tag"
    __table_args__ = (Index("ix_learning_tag_kind_value", "kind", "value"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("learning_item.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)


class LearningItemChild(Base):
    """Child-identifying details behind a learning item; shown only to the case's participants."""

    __tablename__ = "learning_item_child"

    item_id: Mapped[int] = mapped_column(ForeignKey("learning_item.id", ondelete="CASCADE"),
                                         primary_key=True)
    child_reference: Mapped[str] = mapped_column(String(200), default="")
    case_details: Mapped[str] = mapped_column(Text, default="")


class ActionPlan(Base):
    """A single- or multi-agency action plan arising from one review, audit, S11 or s175 return
    or LISG report: ``scope`` single_agency (then ``agency`` is the agency whose plan it is) or
    multi_agency; ``source`` the kind of work it answers (``PLAN_SOURCES``), ``source_ref`` its
    case reference. The whole plan is followed up on its own date ("Child C action plans due
    Aug"): ``follow_up_due`` and ``follow_up_status`` (``FollowUpStatus``)."""

    __tablename__ = "action_plan"
    __table_args__ = (UniqueConstraint("source_instance_id", "scope", "source", "agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(String(20), default="multi_agency")   # single_agency too
    source: Mapped[str] = mapped_column(String(20), default="review")  # scr, macr, s11, audit...
    source_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"))
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agency: Mapped[str] = mapped_column(String(80), default="", server_default="")
    follow_up_due: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_status: Mapped[str | None] = mapped_column(String(20))
    follow_up_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_by: Mapped[str | None] = mapped_column(String(80))

    actions: Mapped[list[Action]] = relationship(back_populates="plan", order_by="Action.id")

    def follow_up_overdue_on(self, day: date) -> bool:
        """The whole plan's follow-up is past its date on ``day`` and not done."""
        return self.follow_up_status == FollowUpStatus.DUE.value and self.follow_up_due is not None \
            and self.follow_up_due < day


class Action(Base):
    """One action to improve practice, owned by an agency or sub-group, with a due date."""

    __tablename__ = "learning_action"
    __table_args__ = (Index("ix_learning_action_owner_status", "owner", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    learning_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_item.id", ondelete="SET NULL"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="SET NULL"), index=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"))
    owner: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    rag: Mapped[str] = mapped_column(String(10), default="green")
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN.value)
    evidence_of_completion: Mapped[str] = mapped_column(Text, default="")
    evidence_of_impact: Mapped[str] = mapped_column(Text, default="")
    signed_off_by: Mapped[str | None] = mapped_column(String(80))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="actions", lazy="joined")

    @property
    def done(self) -> bool:
        """Completed, signed off or impact-evaluated."""
        return self.status in ACTION_DONE

    def overdue_on(self, day: date) -> bool:
        """Past its due date on ``day`` and not done (overdue is derived, never stored)."""
        return not self.done and self.due_date < day

    def rag_on(self, day: date) -> str:
        """The action's RAG on ``day``: "complete" when done, red when overdue, else as set."""
        if self.done:
            return "complete"
        return "red" if self.overdue_on(day) else self.rag


class Dissemination(Base):
    """One way a learning item reached practitioners: a course, workshop, briefing..."""

    __tablename__ = "dissemination"

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_item_id: Mapped[int] = mapped_column(
        ForeignKey("learning_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300), default="")
    agency: Mapped[str | None] = mapped_column(String(80))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    reach: Mapped[int] = mapped_column(Integer, default=0)   # people reached
    recorded_by: Mapped[str | None] = mapped_column(String(80))


class Evaluation(Base):
    """Monitoring and evaluation of a learning item; the final one says whether it is embedded."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_item_id: Mapped[int] = mapped_column(
        ForeignKey("learning_item.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(30))
    findings: Mapped[str] = mapped_column(Text, default="")
    embedded: Mapped[bool] = mapped_column(Boolean, default=False)
    final: Mapped[bool] = mapped_column(Boolean, default=True)
    evaluated_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
