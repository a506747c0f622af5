"""Fire due timers: found by index, one transaction per instance, failures become incidents.

Exactly once across scheduler processes: on PostgreSQL each instance row is taken with
``FOR UPDATE SKIP LOCKED`` and re-checked (``next_timer_at <= now``) inside its transaction, so
two sweepers never fire the same instance's timers; on SQLite writers are serialised anyway.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import ProcessInstance
from models.status import InstanceStatus

from . import clock, operations, store
from .errors import EngineError
from .sweeps import drain

log = logging.getLogger(__name__)
BATCH = 200


def due_instance_ids(session: Session, now: datetime, limit: int = BATCH) -> list[int]:
    """Ids of active instances with a timer due at ``now``, oldest due first (index scan)."""
    stmt = (select(ProcessInstance.id)
            .where(ProcessInstance.next_timer_at < now,
                   ProcessInstance.status == InstanceStatus.ACTIVE)
            .order_by(ProcessInstance.next_timer_at).limit(limit))
    return list(session.scalars(stmt))


def fire_due_timers(factory: sessionmaker, engine, now: datetime | None = None) -> int:
    """Fire every timer due at ``now`` (default: the clock); returns how many fired."""
    now = now or clock.now()
    return drain(factory, lambda session: due_instance_ids(session, now),
                 lambda instance_id: fire_instance(factory, engine, instance_id, now))


def fire_instance(factory: sessionmaker, engine, instance_id: int, now: datetime) -> int:
    """Fire one instance's due timers in its own transaction; an error makes an incident."""
    try:
        with factory.begin() as session:
            return _fire(session, engine, instance_id, now)
    except EngineError as exc:
        log.warning("timer of instance %s failed: %s", instance_id, exc.message)
        _mark_incident(factory, instance_id, exc, now)
    except Exception as exc:   # a bug must not stop every later sweep at the same instance
        log.exception("timer of instance %s failed unexpectedly", instance_id)
        _mark_incident(factory, instance_id, EngineError(f"unexpected error: {exc!r}"), now)
    return 0


def _fire(session: Session, engine, instance_id: int, now: datetime) -> int:
    stmt = (select(ProcessInstance).where(ProcessInstance.id == instance_id,
                                          ProcessInstance.next_timer_at < now,
                                          ProcessInstance.status == InstanceStatus.ACTIVE)
            .with_for_update(skip_locked=True, of=ProcessInstance))
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        return 0                       # another sweeper has it, or it changed meanwhile
    operations.bind(session, row.id, now)      # service tasks act in this transaction
    run = store.load_run(row, engine.script_engine, engine.calendar, now, session)
    due = [t for t in run.waiting_timers() if t.due_at < now]   # Spiff fires strictly after
    run.advance()
    engine._save(session, row, run, "scheduler", now)
    for timer in due:
        store.audit(session, "scheduler", "timer_fired", instance_id=row.id,
                    task_id=timer.task_id, bpmn_id=timer.bpmn_id, now=now, name=timer.name,
                    due_at=timer.due_at)
    return len(due)


def _mark_incident(factory: sessionmaker, instance_id: int, exc: EngineError, now) -> None:
    with factory.begin() as session:
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            return
        row.status = InstanceStatus.INCIDENT
        row.error = {**exc.to_dict(), "at": now.isoformat(), "source": "timer"}
        store.audit(session, "scheduler", "incident", instance_id=instance_id, now=now,
                    error=row.error)
