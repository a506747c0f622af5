"""Named read queries behind lists: worklists, task lists, instance lists, audit trails."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, or_, select, union
from sqlalchemy.orm import Session

from .audit import AuditEvent
from .status import TaskStatus
from .task import HumanTask, TaskCandidate


def open_tasks(session: Session, *, instance_id: int | None = None, group: str | None = None,
               user: str | None = None, limit: int = 500) -> list[HumanTask]:
    """Open tasks, optionally of one instance, offered to one group, or assigned to one user."""
    stmt = select(HumanTask).where(HumanTask.status == TaskStatus.OPEN)
    if instance_id is not None:
        stmt = stmt.where(HumanTask.instance_id == instance_id)
    if group is not None:
        stmt = stmt.where(HumanTask.id.in_(
            select(TaskCandidate.task_id).where(TaskCandidate.group_slug == group)))
    if user is not None:
        stmt = stmt.where(HumanTask.assignee == user)
    stmt = stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    return list(session.scalars(stmt.limit(limit)))


def worklist_query(user: str, groups: set[str], *, process_id: str | None = None,
                   group: str | None = None, due_before: datetime | None = None,
                   overdue_at: datetime | None = None) -> Select:
    """Open tasks assigned to ``user`` or unclaimed and offered to one of ``groups``."""
    offered = exists().where(TaskCandidate.task_id == HumanTask.id,
                             TaskCandidate.group_slug.in_(sorted(groups or {""})))
    mine = HumanTask.assignee == user
    stmt = select(HumanTask).where(HumanTask.status == TaskStatus.OPEN,
                                   or_(mine, (HumanTask.assignee.is_(None)) & offered))
    if process_id:
        stmt = stmt.where(HumanTask.process_id == process_id)
    if group:
        stmt = stmt.where(exists().where(TaskCandidate.task_id == HumanTask.id,
                                         TaskCandidate.group_slug == group))
    if due_before is not None:
        stmt = stmt.where(HumanTask.due_at <= due_before)
    if overdue_at is not None:
        stmt = stmt.where(HumanTask.due_at < overdue_at)
    return stmt


def group_queue(session: Session, group: str, limit: int = 50) -> list[HumanTask]:
    """Unclaimed open tasks offered to one group, soonest due first (the worklist hot path)."""
    stmt = (select(HumanTask)
            .join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
            .where(TaskCandidate.group_slug == group, HumanTask.status == TaskStatus.OPEN,
                   HumanTask.assignee.is_(None))
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at).limit(limit))
    return list(session.scalars(stmt))


def history(session: Session, instance_id: int) -> list[AuditEvent]:
    """The audit trail of one instance, oldest first."""
    stmt = (select(AuditEvent).where(AuditEvent.instance_id == instance_id)
            .order_by(AuditEvent.at, AuditEvent.id))
    return list(session.scalars(stmt))


def inbox_query(user: str, groups: set[str], *columns, process_id: str | None = None,
                group: str | None = None, due_before: datetime | None = None,
                overdue_at: datetime | None = None) -> Select:
    """The worklist as ``worklist_query``, shaped to stay fast with 100,000 open tasks.

    The ids come first from two index-only lookups (my assigned tasks; the candidate index of my
    groups), de-duplicated by UNION, and the task rows are then fetched by primary key: the
    database never walks every open task. Pass ``columns`` for aggregates (default: HumanTask).
    """
    mine = select(HumanTask.id.label("id")).where(HumanTask.assignee == user,
                                                  HumanTask.status == TaskStatus.OPEN)
    wanted = sorted({group} & set(groups) if group else groups or {""})
    offered = select(TaskCandidate.task_id.label("id")).where(TaskCandidate.group_slug.in_(wanted))
    ids = (offered if group else union(mine, offered)).subquery()
    stmt = (select(*(columns or (HumanTask,))).select_from(ids)
            .join(HumanTask, HumanTask.id == ids.c.id)
            .where(HumanTask.status == TaskStatus.OPEN,
                   or_(HumanTask.assignee == user, HumanTask.assignee.is_(None))))
    if process_id:
        stmt = stmt.where(HumanTask.process_id == process_id)
    if due_before is not None:
        stmt = stmt.where(HumanTask.due_at <= due_before)
    if overdue_at is not None:
        stmt = stmt.where(HumanTask.due_at < overdue_at)
    return stmt
