"""The Board's Challenge Log (pathways.md section 5, C1): each challenge the Board (or its
Chair, on a sub-group's escalation) raises with an agency, who must answer it by when, the
answer, and its closure by the LSCB Chair.

A challenge is open until it is answered, then answered until the Chair closes it (or asks for
more, which opens it again with a new due date). Overdue is derived, never stored: open,
no answer yet, and past its due date. Transitions are guarded in ``engine/challenges.py``.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, UTCDateTime, utcnow


class ChallengeStatus(str, Enum):
    """open -> answered -> closed; answered -> open when the Chair asks for more."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


CHALLENGE_SOURCES = {"board_meeting": "Board meeting", "lisg_report": "LISG report",
                     "action_tracker": "Action plan tracker", "escalation": "Escalation ladder"}


class Challenge(Base):
    """One entry on the Challenge Log."""

    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(200))        # who raised it, as minuted
    raised_on: Mapped[date] = mapped_column(Date, index=True)
    agency: Mapped[str] = mapped_column(String(80), index=True)    # the agency challenged
    owner: Mapped[str] = mapped_column(String(80))             # the group that must answer
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ChallengeStatus.OPEN.value)
    source: Mapped[str] = mapped_column(String(40), default="board_meeting")
    response: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(80))
    closure_note: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def overdue_on(self, day: date) -> bool:
        """Waiting for its answer past the due date on ``day`` (an answer waiting for the Chair
        is the Chair's to close, not the owner's late answer)."""
        return self.status == ChallengeStatus.OPEN.value and self.due_date < day


def challenge_log(session: Session, day: date, *, include_closed: bool = True) -> list[Challenge]:
    """The Challenge Log on ``day``: overdue entries first (oldest due first), then the other
    open and answered ones, then (``include_closed``) the closed ones, latest first."""
    stmt = select(Challenge)
    if not include_closed:
        stmt = stmt.where(Challenge.status != ChallengeStatus.CLOSED.value)
    rows = session.scalars(stmt.order_by(Challenge.due_date, Challenge.id)).all()
    closed = [c for c in rows if c.status == ChallengeStatus.CLOSED.value]
    live = [c for c in rows if c.status != ChallengeStatus.CLOSED.value]
    return ([c for c in live if c.overdue_on(day)] + [c for c in live if not c.overdue_on(day)]
            + sorted(closed, key=lambda c: c.closed_at, reverse=True))


def challenge_counts(session: Session, day: date) -> dict:
    """How many entries are open, answered (awaiting the Chair), overdue and closed on ``day``:
    the one query every page showing Challenge Log figures uses."""
    counts = {"open": 0, "answered": 0, "overdue": 0, "closed": 0}
    for c in session.scalars(select(Challenge)):
        counts[c.status] += 1
        counts["overdue"] += c.overdue_on(day)
    return counts
