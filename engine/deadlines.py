"""The task deadline watcher: reminders, then the escalation ladder.

Open tasks carry ``next_deadline_at`` (indexed), the moment the next step of their deadline
plan (``engine/deadline_plan.py``) is due. ``watch_deadlines`` finds due tasks by that index
and handles each in its own transaction, taking the task row with ``FOR UPDATE SKIP LOCKED``
and re-checking it, so any number of schedulers perform each step exactly once. A step is an
audit event naming its recipients; ``notify.on_audit`` turns it into notifications and emails.

Ladder (domain/pathways.md section 4.3): 1 owner (assignee, else candidate users and group
members), 2 the group's lead (``Membership.is_lead``), 3 the LISG chair group
(``LSCB_LISG_CHAIR_GROUP``, default ``lisg-chair``), 4 an entry on the Board challenge log
(a ``challenge_log_entry`` audit event) and the board business unit is told
(``LSCB_BUSINESS_UNIT_GROUP``, default ``business-unit``).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models import HumanTask
from models.status import Role, TaskStatus

from . import clock, deadline_plan, settings, task_rows, trail
from .notify import group_members, names_with_roles
from .sweeps import drain

log = logging.getLogger(__name__)
BATCH = 200


def due_task_ids(session: Session, now: datetime, limit: int = BATCH) -> list[str]:
    """Ids of open tasks whose next deadline step is due (index scan on next_deadline_at)."""
    stmt = (select(HumanTask.id)
            .where(HumanTask.next_deadline_at <= now, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.next_deadline_at).limit(limit))
    return list(session.scalars(stmt))


def watch_deadlines(factory: sessionmaker, calendar, now: datetime | None = None) -> int:
    """Perform every reminder and escalation step due at ``now``; returns how many."""
    now = now or clock.now()
    with factory.begin() as session:          # tasks that left OPEN keep no pending step
        session.execute(update(HumanTask)
                        .where(HumanTask.next_deadline_at <= now,
                               HumanTask.status != TaskStatus.OPEN)
                        .values(next_deadline_at=None).execution_options(synchronize_session=False))

    def step(task_id: str) -> int:
        with factory.begin() as session:
            return step_task(session, task_id, calendar, now)

    return drain(factory, lambda session: due_task_ids(session, now), step)


def step_task(session: Session, task_id: str, calendar, now: datetime) -> int:
    """Perform one task's due steps (locked, re-checked); returns how many were performed."""
    task = session.execute(
        select(HumanTask).where(HumanTask.id == task_id, HumanTask.status == TaskStatus.OPEN,
                                HumanTask.next_deadline_at <= now)
        .with_for_update(skip_locked=True, of=HumanTask)).scalar_one_or_none()
    if task is None or task.due_at is None:
        return 0
    steps = deadline_plan.plan(task.due_at, calendar)
    index, due = task.deadline_step, []
    while index < len(steps) and steps[index].at <= now:
        due.append(steps[index])
        index += 1
    escalations = [s for s in due if s.kind == "escalation"]
    level = task.escalation_level or 0
    for step in escalations or due[-1:]:      # several reminders at once: only the last one
        _perform(session, task, step, now)
        level = max(level, step.level) if step.kind == "escalation" else level
    task_rows.update_task(session, task, deadline_step=index, escalation_level=level,
                          next_deadline_at=steps[index].at if index < len(steps) else None)
    return len(escalations or due[-1:])


def _perform(session: Session, task: HumanTask, step: deadline_plan.Step, now: datetime) -> None:
    common = dict(instance_id=task.instance_id, task_id=task.id, bpmn_id=task.bpmn_id, now=now,
                  due_at=task.due_at, title=task.title)
    if step.kind == "reminder":
        trail.audit_and_notify(session, "scheduler", "deadline_reminder", recipients=owners(session, task),
                    **common)
        return
    rung = deadline_plan.LADDER[step.level - 1]
    if rung == "challenge_log":
        trail.audit_and_notify(session, "scheduler", "challenge_log_entry", level=step.level,
                    reason="task still overdue after the LISG chair was told", **common)
    trail.audit_and_notify(session, "scheduler", "deadline_escalated", level=step.level, rung=rung,
                recipients=ladder_recipients(session, task, rung), **common)


def owners(session: Session, task: HumanTask) -> list[str]:
    """Who owns a task: its assignee, else its candidate users and candidate groups' members."""
    if task.assignee:
        return [task.assignee]
    return sorted(set(task.candidate_users or [])
                  | set(group_members(session, task.candidate_groups or [])))


def ladder_recipients(session: Session, task: HumanTask, rung: str) -> list[str]:
    """The people one rung of the ladder reaches (managers when a rung has nobody)."""
    if rung == "owner":
        found = owners(session, task)
    elif rung == "lead":
        found = group_members(session, task.candidate_groups or [], leads_only=True)
    elif rung == "lisg_chair":
        found = group_members(session, [settings.of(session).lisg_chair_group])
    else:
        found = group_members(session, [settings.of(session).business_unit_group])
    return found or names_with_roles(session, {Role.MANAGER.value})
