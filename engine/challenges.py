"""The Challenge Log's entries as guarded steps (``models/challenge.py``): raise, answer, close
or ask for more.

Every function takes the caller's ``session`` (never commits), the acting person's name and the
moment, and appends an audit event; bad input raises ``InputError`` naming the problem and a
step that does not apply to the entry's status raises ``InvalidState``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models.challenge import CHALLENGE_SOURCES, Challenge, ChallengeStatus

from . import clock
from .errors import InputError, InvalidState, NotFound
from .learning import as_date
from .trail import audit_and_notify as audit

S = ChallengeStatus


def raise_challenge(session: Session, actor_name: str, *, challenge: str, raised_by: str,
                    agency: str, owner: str, due_date, raised_on=None, source="board_meeting",
                    instance_id: int | None = None, now: datetime | None = None) -> Challenge:
    """A new open entry: what was challenged, by whom, of which agency, who answers by when."""
    now = now or clock.now()
    if not (challenge or "").strip() or not (raised_by or "").strip():
        raise InputError("a challenge needs the challenge itself and who raised it")
    if not agency or not owner:
        raise InputError("a challenge needs the agency challenged and the group that answers it")
    if source not in CHALLENGE_SOURCES:
        raise InputError(f"unknown challenge source {source!r} (known: "
                         f"{', '.join(CHALLENGE_SOURCES)})")
    raised_on = as_date(raised_on or now)
    due = as_date(due_date)
    if due < raised_on:
        raise InputError(f"the answer cannot be due ({due}) before the challenge was raised "
                         f"({raised_on})")
    row = Challenge(challenge=challenge.strip(), raised_by=raised_by.strip(), raised_on=raised_on,
                    agency=str(agency), owner=str(owner), due_date=due, source=source,
                    status=S.OPEN.value, instance_id=instance_id, recorded_by=actor_name,
                    created_at=now)
    session.add(row)
    session.flush()
    audit(session, actor_name, "challenge_raised", instance_id=instance_id, now=now,
          challenge_id=row.id, agency=row.agency, owner=row.owner, due_date=due)
    return row


def get_challenge(session: Session, challenge_id) -> Challenge:
    """The Challenge Log entry with this id, or NotFound."""
    try:
        row = session.get(Challenge, int(challenge_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound("challenge", challenge_id)
    return row


def answer(session: Session, row: Challenge, actor_name: str, response: str, *,
           instance_id=None, now=None) -> Challenge:
    """The owner's answer; the entry waits for the Chair."""
    now = now or clock.now()
    _step(row, S.ANSWERED, {S.OPEN})
    if not (response or "").strip():
        raise InputError("an answer to a challenge cannot be empty")
    row.response, row.answered_at, row.status = response.strip(), now, S.ANSWERED.value
    audit(session, actor_name, "challenge_answered", instance_id=instance_id, now=now,
          challenge_id=row.id)
    return row


def close(session: Session, row: Challenge, actor_name: str, note: str = "", *,
          instance_id=None, now=None) -> Challenge:
    """The Chair accepts the answer: the entry is closed."""
    now = now or clock.now()
    _step(row, S.CLOSED, {S.ANSWERED})
    row.status, row.closed_at, row.closed_by = S.CLOSED.value, now, actor_name
    row.closure_note = (note or "").strip()
    audit(session, actor_name, "challenge_closed", instance_id=instance_id, now=now,
          challenge_id=row.id, note=row.closure_note)
    return row


def ask_again(session: Session, row: Challenge, actor_name: str, note: str, due_date, *,
              instance_id=None, now=None) -> Challenge:
    """The Chair does not accept the answer: open again, due on a new date."""
    now = now or clock.now()
    _step(row, S.OPEN, {S.ANSWERED})
    if not (note or "").strip():
        raise InputError("say why the answer is not accepted")
    if not due_date:
        raise InputError("give the new date the answer is due by")
    before, row.due_date = row.due_date, as_date(due_date)
    row.status, row.closure_note = S.OPEN.value, note.strip()
    audit(session, actor_name, "challenge_reopened", instance_id=instance_id, now=now,
          challenge_id=row.id, note=row.closure_note, due_before=before, due_date=row.due_date)
    return row


def _step(row: Challenge, to: ChallengeStatus, allowed: set) -> None:
    if S(row.status) not in allowed:
        raise InvalidState(f"challenge {row.id} is {row.status}; it cannot become {to.value}")
