"""Board closure days from the database, applied to the working-day calendar."""
from __future__ import annotations

from datetime import date

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, sessionmaker

from models import ClosureDay

from .errors import NotFound
from .trail import audit_and_notify as audit

_CHECKED = "lscb.closures_checked"    # Session.info: the transaction that last read them
_READ = "lscb.closures_read"          # Session.info: (transaction, days) read with a lock


def closure_days(session: Session) -> list[date]:
    """Every declared closure day, oldest first."""
    return list(session.connection().execute(_DAYS).scalars())


# Built once and run on the connection: every command reads it (``sync_calendar``).
_DAYS = select(ClosureDay.day).order_by(ClosureDay.day)

# The same days as one text ("2026-12-24,2026-12-31"), for a statement that has another
# purpose to carry as a column: the instance lock reads them this way (``read_with``).
DAYS_TEXT = (select(func.aggregate_strings(cast(ClosureDay.day, String), ","))
             .scalar_subquery().label("closure_days"))


def read_with(session: Session, days_text: str | None) -> None:
    """Keep the closure days a statement of this transaction read as ``DAYS_TEXT`` (the
    instance lock), so ``sync_calendar`` need not read them again."""
    try:
        days = frozenset(date.fromisoformat(d) for d in (days_text or "").split(",") if d)
    except ValueError:       # a server that writes dates otherwise: read them the usual way
        return
    session.info[_READ] = (session.get_transaction(), days)


def sync_calendar(session: Session, calendar) -> bool:
    """Make ``calendar`` use the closure days stored, read in ``session``'s transaction, at
    most once per transaction; True when they changed.

    Every process (web workers with or without the scheduler, the CLI, standalone schedulers)
    calls this before computing dates, so a day declared by any of them is honoured by all.
    It reads the day column of the small ``closure_day`` table (primary-key order): no counter
    row that every writer would have to remember to bump. A command that locked an instance
    has them already: the lock read them in the same statement (``read_with``).
    """
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_CHECKED) is transaction:
        return False
    read_in, days = session.info.pop(_READ, (None, None))
    if read_in is None or read_in is not transaction:
        days = frozenset(closure_days(session))
    session.info[_CHECKED] = session.get_transaction()
    if days == calendar.closures:
        return False
    calendar.closures = days          # one attribute swap: threads sharing it see old or new
    return True


def refresh_closures(factory: sessionmaker, calendar) -> bool:
    """``sync_calendar`` in a short session of its own (the scheduler's sweep, start-up)."""
    with factory() as session:
        return sync_calendar(session, calendar)


def add_closure(session: Session, day: date, reason: str, actor_name: str | None) -> ClosureDay:
    """Declare (or re-describe) a closure day; audited."""
    row = session.get(ClosureDay, day) or ClosureDay(day=day)
    row.reason = reason
    session.add(row)
    audit(session, actor_name, "closure_day_saved", day=day, reason=reason)
    return row


def remove_closure(session: Session, day: date, actor_name: str | None) -> None:
    """Withdraw a declared closure day; audited. NotFound when the day was not declared."""
    row = session.get(ClosureDay, day)
    if row is None:
        raise NotFound("closure day", day.isoformat())
    session.delete(row)
    audit(session, actor_name, "closure_day_removed", day=day, reason=row.reason)
