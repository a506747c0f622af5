"""Fire due timers: found by index, one transaction per instance, failures become incidents.

Exactly once across scheduler processes: on PostgreSQL each instance row is taken with
``FOR UPDATE SKIP LOCKED`` and re-checked (``next_timer_at <= now``) inside its transaction
(``ProcessEngine.fire_instance``), so two sweepers never fire the same instance's timers; on
SQLite writers are serialised anyway.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import ProcessInstance
from models.status import InstanceStatus

from . import clock
from .errors import EngineError, log_text
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


def fire_due_timers(factory: sessionmaker, process_engine, now: datetime | None = None) -> int:
    """Fire every timer due at ``now`` (default: the clock); returns how many fired."""
    now = now or clock.now()
    return drain(factory, lambda session: due_instance_ids(session, now),
                 lambda instance_id: fire_instance(factory, process_engine, instance_id, now))


def fire_instance(factory: sessionmaker, process_engine, instance_id: int,
                  now: datetime) -> int:
    """Fire one instance's due timers in its own transaction; an error makes an incident."""
    try:
        with factory.begin() as session:
            return process_engine.fire_instance(session, instance_id, now)
    except EngineError as exc:
        log.warning("timer of instance %s failed: %s", instance_id, log_text(exc))
        error = exc
    except Exception as exc:   # a bug must not stop every later sweep at the same instance
        log.error("timer of instance %s failed unexpectedly: %s", instance_id, log_text(exc))
        error = EngineError(f"unexpected error: {exc!r}")
    with factory.begin() as session:
        process_engine.record_incident(session, instance_id, error.to_dict(), "timer", now)
    return 0
