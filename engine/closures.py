"""Board closure days from the database, applied to the working-day calendar."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import ClosureDay

from .errors import NotFound
from .trail import audit_and_notify as audit


def closure_days(session: Session) -> list[date]:
    """Every declared closure day, oldest first."""
    return list(session.scalars(select(ClosureDay.day).order_by(ClosureDay.day)))


def refresh_closures(factory: sessionmaker, calendar) -> None:
    """Make ``calendar`` (shared by the engine and its scripts) use the stored closure days."""
    with factory() as session:
        days = frozenset(closure_days(session))
    if days != calendar.closures:
        calendar.closures = days


def add_closure(session: Session, day: date, reason: str, actor: str | None) -> ClosureDay:
    """Declare (or re-describe) a closure day; audited."""
    row = session.get(ClosureDay, day) or ClosureDay(day=day)
    row.reason = reason
    session.add(row)
    audit(session, actor, "closure_day_saved", day=day, reason=reason)
    return row


def remove_closure(session: Session, day: date, actor: str | None) -> None:
    """Withdraw a declared closure day; audited. NotFound when the day was not declared."""
    row = session.get(ClosureDay, day)
    if row is None:
        raise NotFound("closure day", day.isoformat())
    session.delete(row)
    audit(session, actor, "closure_day_removed", day=day, reason=row.reason)
