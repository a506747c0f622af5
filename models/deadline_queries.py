"""Read queries behind the deadlines page, the incident list and the calendar feed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .process import ProcessInstance
from .status import InstanceStatus, TaskStatus
from .task import HumanTask, TaskCandidate
from .timer import PendingTimer


def incidents(session: Session, limit: int = 200) -> list[ProcessInstance]:
    """Instances in incident, most recently updated first."""
    stmt = (select(ProcessInstance).where(ProcessInstance.status == InstanceStatus.INCIDENT)
            .order_by(ProcessInstance.updated_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def upcoming_timers(session: Session, now: datetime, until: datetime,
                    limit: int = 500) -> list[tuple[PendingTimer, ProcessInstance]]:
    """Waiting timers of active instances due between ``now`` and ``until``, soonest first."""
    stmt = (select(PendingTimer, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == PendingTimer.instance_id)
            .where(PendingTimer.due_at >= now, PendingTimer.due_at <= until,
                   ProcessInstance.status == InstanceStatus.ACTIVE)
            .order_by(PendingTimer.due_at).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


def tasks_due(session: Session, start: datetime | None, end: datetime,
              limit: int = 1000) -> list[tuple[HumanTask, ProcessInstance]]:
    """Open tasks with a due time in ``[start, end)`` (``start`` None: everything before end)."""
    stmt = (select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.status == TaskStatus.OPEN, HumanTask.due_at < end))
    if start is not None:
        stmt = stmt.where(HumanTask.due_at >= start)
    return [tuple(r) for r in session.execute(stmt.order_by(HumanTask.due_at).limit(limit))]


def tasks_due_count(session: Session, start: datetime, end: datetime) -> int:
    """How many open tasks have a due time in ``[start, end)``."""
    return session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.status == TaskStatus.OPEN, HumanTask.due_at >= start, HumanTask.due_at < end))


def unassignable(session: Session, limit: int = 500) -> list[tuple[HumanTask, ProcessInstance]]:
    """Open tasks no active person can act on, longest waiting first."""
    stmt = (select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.unassignable_since.is_not(None),
                   HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.unassignable_since, HumanTask.id).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


def unassignable_count(session: Session) -> int:
    """How many open tasks no active person can act on."""
    return session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.unassignable_since.is_not(None), HumanTask.status == TaskStatus.OPEN))


def tasks_of_user(session: Session, name: str, groups: set[str],
                  limit: int = 500) -> list[tuple[HumanTask, ProcessInstance]]:
    """Open tasks with a due time assigned to ``name`` or offered unclaimed to its groups."""
    offered = HumanTask.id.in_(select(TaskCandidate.task_id)
                               .where(TaskCandidate.group_slug.in_(sorted(groups or {""}))))
    stmt = (select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.status == TaskStatus.OPEN, HumanTask.due_at.is_not(None),
                   or_(HumanTask.assignee == name, HumanTask.assignee.is_(None) & offered))
            .order_by(HumanTask.due_at).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]
