"""Human task rows and their worklist copies: the one place they are written.

A ``HumanTask`` row projects one READY user task; while it is open, each of its candidate
groups has a ``TaskCandidate`` row that copies the task's assignee, due date and process
(``COPIED``), so a group's queue is read from one index. Every write of a task row goes through
this module, which keeps the copies in step in the same statements: plain Core statements, the
row objects then marked as holding what the database holds (no ORM flush, no event listeners).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from models import HumanTask, LaneMapping, TaskCandidate
from models.status import TaskStatus

from . import deadline_plan
from .assignment import lane_group
from .writes import Writes

COPIED = ("assignee", "due_at", "process_id")      # human_task columns copied to task_candidate
REFRESHED = ("title", "documentation", "lane", "form", "priority", "candidate_users",
             "candidate_groups", "due_at", "follow_up_at")   # what a refresh takes from the run


def sync(session: Session, instance, ready, now: datetime, calendar, existing: dict,
         refresh=frozenset(), writes: Writes | None = None
         ) -> tuple[list[HumanTask], dict[str, list[str]]]:
    """Open rows for ready tasks; rows whose task is no longer ready become cancelled; open
    rows whose id is in ``refresh`` take the run's values again.

    Returns the rows created, and for each refreshed row now offered to more groups, the
    groups it gained (they are told like the groups of a new task). The closing and new rows
    are written through ``writes`` (default: at once)."""
    writes = writes or Writes(session, wait=False)
    ready_ids = {t.id for t in ready}
    close(session, [t for t in existing.values() if t.id not in ready_ids],
          TaskStatus.CANCELLED, now, writes=writes)
    rows, offered = [], {}
    for task in ready:
        if task.id in existing:
            if task.id in refresh:
                row = existing[task.id]
                before = set(row.candidate_groups or [])
                groups = task.candidate_groups or lane_groups(session, task.lane)
                _refresh(session, row, task, groups, calendar, now)
                if set(groups) - before:
                    offered[row.id] = [g for g in groups if g not in before]
            continue
        groups = task.candidate_groups or lane_groups(session, task.lane)
        step, next_deadline = deadline_plan.arm(task.due_at, calendar, now)
        rows.append(dict(
            id=task.id, instance_id=instance.id, process_id=instance.process_id,
            bpmn_id=task.bpmn_id, title=task.title, documentation=task.documentation,
            lane=task.lane, candidate_groups=groups, candidate_users=task.candidate_users,
            assignee=task.assignee, status=TaskStatus.OPEN, priority=task.priority,
            due_at=task.due_at, follow_up_at=task.follow_up_at, form=task.form, draft=None,
            created_at=now, completed_at=None, completed_by=None, next_deadline_at=next_deadline,
            deadline_step=step, escalation_level=0, unassignable_since=None))
    if rows:
        writes.insert(_TASK_INSERT, rows)
        _add_candidates(session, rows, writes)
    created = []
    for values in rows:          # the same rows as persistent objects, without an ORM flush
        task_row = HumanTask(**values)
        make_transient_to_detached(task_row)
        session.add(task_row)
        created.append(task_row)
    return created, offered


def lane_groups(session: Session, lane: str | None) -> list[str]:
    """The group of a lane (``assignment.lane_group`` with the admin's mapping), as a list."""
    if not lane:
        return []
    mapped = session.get(LaneMapping, lane)
    return [lane_group(lane, mapped.group_slug if mapped is not None else None)]


def _refresh(session: Session, row: HumanTask, task, groups, calendar, now) -> None:
    """An open row takes its ready task's values; a new due date re-arms its deadline plan."""
    wanted = {name: getattr(task, name) for name in REFRESHED}
    wanted["candidate_groups"] = groups
    changed = {name: value for name, value in wanted.items() if getattr(row, name) != value}
    if "due_at" in changed:
        step, next_deadline = deadline_plan.arm(changed["due_at"], calendar, now)
        changed.update(deadline_step=step, next_deadline_at=next_deadline, escalation_level=0)
    if changed:
        update_task(session, row, **changed)


def update_task(session: Session, task: HumanTask, **values) -> None:
    """UPDATE one task row, and its worklist copies of the columns that changed with it."""
    groups = values.get("candidate_groups")
    session.connection().execute(_UPDATE_TASK, {**values, "_id": task.id})
    for name, value in values.items():
        set_committed_value(task, name, value)
    if task.status != TaskStatus.OPEN:
        return
    if groups is not None:                 # new groups: the copies are written afresh
        release_candidates(session, [task.id])
        _add_candidates(session, [dict(id=task.id, candidate_groups=groups,
                                       **{name: getattr(task, name) for name in COPIED})])
        return
    copies = {name: value for name, value in values.items() if name in COPIED}
    if copies:
        session.connection().execute(
            update(TaskCandidate.__table__)
            .where(TaskCandidate.__table__.c.task_id == task.id).values(**copies))


def close(session: Session, tasks: list[HumanTask], status: str, now: datetime,
          by: str | None = None, writes: Writes | None = None) -> None:
    """Mark open task rows completed (``by`` a person) or cancelled, and take them off the
    worklist; written through ``writes`` (default: at once)."""
    if not tasks:
        return
    writes = writes or Writes(session, wait=False)
    values = {"status": status, "completed_at": now, "unassignable_since": None}
    if by is not None:
        values.update(assignee=by, completed_by=by, draft=None)
    ids = [t.id for t in tasks]
    writes.update(_UPDATE_TASK, [{**values, "_id": i} for i in ids], _TASKS.c.id, ids, values)
    for task in tasks:
        for name, value in values.items():
            set_committed_value(task, name, value)
    release_candidates(session, ids, writes)


def release_candidates(session: Session, task_ids: list[str],
                       writes: Writes | None = None) -> None:
    """Drop the worklist entries of tasks that are no longer open."""
    if task_ids:       # on the connection: no autoflush, the caller's flush writes the rest
        (writes or Writes(session, wait=False)).delete(
            _RELEASE, {"ids": list(task_ids)}, _CANDIDATES.c.task_id, task_ids)


def _add_candidates(session: Session, rows: list[dict], writes: Writes | None = None) -> None:
    """INSERT the worklist entries of task rows (one per candidate group)."""
    candidates = [dict(task_id=r["id"], group_slug=g, **{name: r[name] for name in COPIED})
                  for r in rows for g in dict.fromkeys(r["candidate_groups"] or [])]
    if candidates:
        (writes or Writes(session, wait=False)).insert(_CANDIDATE_INSERT, candidates)


_TASKS, _CANDIDATES = HumanTask.__table__, TaskCandidate.__table__
_TASK_INSERT = insert(_TASKS)
_CANDIDATE_INSERT = insert(_CANDIDATES)
_UPDATE_TASK = update(_TASKS).where(_TASKS.c.id == bindparam("_id"))
_RELEASE = delete(_CANDIDATES).where(_CANDIDATES.c.task_id.in_(bindparam("ids", expanding=True)))
