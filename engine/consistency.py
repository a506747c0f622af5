"""The scheduler's consistency check: no case may be stuck.

A stuck case is active but waits for nothing: no open task, no waiting timer, no message
subscription (and no incident, or a manager would already be looking at it). The engine never
leaves one (tests/test_workflows.py checks every save of every shipped pathway); should one
appear all the same (a lost projection, a bug), the sweep reports it as an incident, so managers
see it on /deadlines and can retry it, instead of the statutory step silently never happening.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from models import HumanTask, MessageSubscription, PendingTimer, ProcessInstance
from models.status import InstanceStatus, TaskStatus

from . import clock, store

log = logging.getLogger(__name__)
CHECK_EVERY = timedelta(minutes=1)      # an anti-join over the active cases: not every second
SOURCE = "consistency check"
STUCK = {"code": "stuck", "message": "the case is active but waits for nothing: no open task, "
                                     "no waiting timer and no message; retry it to run its "
                                     "next step again"}


def stuck_instance_ids(session: Session, instance_ids=None) -> list[int]:
    """Ids of active instances with no open task, pending timer or message subscription
    (only among ``instance_ids`` when given)."""
    stmt = (select(ProcessInstance.id)
            .where(ProcessInstance.status == InstanceStatus.ACTIVE,
                   ~exists().where(HumanTask.instance_id == ProcessInstance.id,
                                   HumanTask.status == TaskStatus.OPEN),
                   ~exists().where(PendingTimer.instance_id == ProcessInstance.id),
                   ~exists().where(MessageSubscription.instance_id == ProcessInstance.id))
            .order_by(ProcessInstance.id))
    if instance_ids is not None:
        stmt = stmt.where(ProcessInstance.id.in_(list(instance_ids)))
    return list(session.scalars(stmt))


def report_stuck(factory: sessionmaker, process_engine, now: datetime | None = None) -> int:
    """Make every stuck case an incident (each in its own transaction); returns how many. Runs
    at most once per ``CHECK_EVERY`` of the clock (the sweep calls it every time)."""
    now = now or clock.now()
    last = process_engine.stuck_checked_at
    if last is not None and last <= now < last + CHECK_EVERY:
        return 0
    process_engine.stuck_checked_at = now
    with factory() as session:
        ids = stuck_instance_ids(session)
    reported = 0
    for instance_id in ids:
        with factory.begin() as session:
            store.lock_instance(session, instance_id)          # one sweeper reports it
            if stuck_instance_ids(session, [instance_id]):     # still, now that we look again
                log.warning("instance %s is stuck: reported as an incident", instance_id)
                process_engine.record_incident(session, instance_id, dict(STUCK), SOURCE, now)
                reported += 1
    return reported
