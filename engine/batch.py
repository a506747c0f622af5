"""Batch operations on a selection of cases or of tasks, as Camunda Operate has them: one
action and one reason over many items, previewed first (what each would become, or why it is
skipped), then applied item by item, each in its own transaction with its own audit entry, so
one refusal never stops the others.

Actions on cases (``params`` they need): ``suspend``, ``resume``, ``cancel``, ``retry``,
``reassign`` (``group``: the open tasks are offered to it instead, and/or ``assignee``: given to
that person), ``due`` (``due_at``: every open task's new due time; a date in the past or after
the process's own date is shown in the preview, and applying it is the confirmation) and
``migrate`` (to the latest version of each case's pathway). On ticked tasks: ``reassign`` and
``due``, the same way, one task at a time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from models import Definition, HumanTask, ProcessInstance, queries
from models.dates import local_time
from models.status import InstanceStatus, TaskStatus

from . import people
from .errors import EngineError, InputError

ACTIONS = {"suspend": "Pause the cases", "resume": "Resume the cases", "cancel": "Cancel the cases",
           "retry": "Run each failed step again", "reassign": "Give the open tasks to a group",
           "due": "Change the due date of the open tasks",
           "migrate": "Move each case to the latest version of its pathway"}
TASK_ACTIONS = {"reassign": "Give the ticked tasks to a group or a person",
                "due": "Change the due date of the ticked tasks"}
MAX_ITEMS = 500
_FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)
_NEEDS = {"suspend": (InstanceStatus.ACTIVE,), "resume": (InstanceStatus.SUSPENDED,),
          "retry": (InstanceStatus.INCIDENT,)}


@dataclass(frozen=True)
class BatchItem:
    """One case of a batch: what will change (preview) or what changed (applied), or why not."""

    instance_id: int | None
    reference: str | None
    change: str
    ok: bool
    task_id: str | None = None


def check(action: str, instance_ids, reason: str, params: dict) -> list[int]:
    """The selection of cases as ids, or InputError naming what is missing."""
    ids = _check(action, ACTIONS, [int(i) for i in instance_ids], "case", "instance_id")
    _check_params(action, reason, params)
    return ids


def check_tasks(action: str, task_ids, reason: str, params: dict) -> list[str]:
    """The selection of tasks as ids, or InputError naming what is missing."""
    ids = _check(action, TASK_ACTIONS, [str(i) for i in task_ids], "task", "task_id")
    _check_params(action, reason, params)
    return ids


def _check(action, actions, ids, noun, field) -> list:
    if action not in actions:
        raise InputError(f"Choose an action: {', '.join(actions)}", field="action")
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InputError(f"Select at least one {noun}", field=field)
    if len(ids) > MAX_ITEMS:
        raise InputError(f"Select at most {MAX_ITEMS} {noun}s at a time", field=field)
    return ids


def _check_params(action: str, reason: str, params: dict) -> None:
    if not (reason or "").strip():
        raise InputError("Enter a reason: it is kept in each case's audit trail", field="reason")
    if action == "reassign" and not (params.get("group") or params.get("assignee")):
        raise InputError("Choose the group or the person to give the open tasks to", field="group")
    if action == "due" and not isinstance(params.get("due_at"), datetime):
        raise InputError("Enter the new due date", field="due_date")


def target(session: Session, params: dict) -> str:
    """Who a reassign gives tasks to, as the preview says it (the person, else the group);
    InputError or NotFound if they do not exist."""
    assignee = params.get("assignee")
    if assignee:
        people.require_active(session, assignee)
    group = people.group_by_slug(session, params["group"]).slug if params.get("group") else None
    return assignee or group


def preview(session: Session, action: str, ids: list[int], params: dict,
            now: datetime, tz) -> list[BatchItem]:
    """What applying ``action`` would do to each case; writes nothing."""
    rows = {r.id: r for r in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))}
    tasks = _open_tasks(session, ids)
    latest = _latest_versions(session, {r.process_id for r in rows.values()})
    group = target(session, params) if action == "reassign" else None
    items = []
    for instance_id in ids:
        row = rows.get(instance_id)
        if row is None:
            items.append(BatchItem(instance_id, None, "No such case", False))
            continue
        change, ok = _change(action, row, tasks.get(instance_id, []), params, group, latest,
                              now, tz)
        items.append(BatchItem(instance_id, row.reference, change, ok))
    return items


def preview_tasks(session: Session, action: str, ids: list[str], params: dict,
                  now: datetime, tz) -> list[BatchItem]:
    """What applying ``action`` would do to each ticked task; writes nothing."""
    to = target(session, params) if action == "reassign" else None
    found = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}
    items = []
    for task_id in ids:
        task = found.get(task_id)
        if task is None:
            items.append(BatchItem(None, None, "No such task", False, task_id))
        elif task.status != TaskStatus.OPEN:
            items.append(BatchItem(task.instance_id, _reference(session, task),
                                   f"Skipped: {task.title} is {task.status}", False, task_id))
        else:
            change = _task_change(action, task, to, params, now, tz)
            items.append(BatchItem(task.instance_id, _reference(session, task), change, True, task_id))
    return items


def apply(session_factory, ids: list[int],
          run_one: Callable[[Session, int], tuple[str, bool]]) -> list[BatchItem]:
    """Run ``run_one(session, instance_id)`` (which returns what it changed, and whether it
    did) for each case in its own transaction; a refusal is that case's result."""
    items = []
    for instance_id in ids:
        reference = None
        try:
            with session_factory.begin() as session:
                reference = session.scalar(select(ProcessInstance.reference)
                                           .where(ProcessInstance.id == instance_id))
                items.append(BatchItem(instance_id, reference, *run_one(session, instance_id)))
        except EngineError as exc:
            items.append(BatchItem(instance_id, reference, exc.message, False))
    return items


def apply_tasks(session_factory, ids: list[str],
                run_one: Callable[[Session, HumanTask], str]) -> list[BatchItem]:
    """Run ``run_one(session, task)`` (which returns what it changed) for each ticked task in
    its own transaction; a refusal is that task's result."""
    items = []
    for task_id in ids:
        instance_id = reference = None
        try:
            with session_factory.begin() as session:
                task = session.get(HumanTask, task_id)
                if task is None:
                    items.append(BatchItem(None, None, "No such task", False, task_id))
                    continue
                instance_id, reference = task.instance_id, _reference(session, task)
                items.append(BatchItem(instance_id, reference, run_one(session, task), True, task_id))
        except EngineError as exc:
            items.append(BatchItem(instance_id, reference, exc.message, False, task_id))
    return items


def _reference(session: Session, task: HumanTask) -> str | None:
    return session.scalar(select(ProcessInstance.reference)
                          .where(ProcessInstance.id == task.instance_id))


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """A case's open tasks, oldest first."""
    return _open_tasks(session, [instance_id]).get(instance_id, [])


def _change(action, row, tasks, params, group, latest, now, tz) -> tuple[str, bool]:
    if row.status in _FINISHED:
        return f"Skipped: the case is {row.status}", False
    if action in _NEEDS and row.status not in _NEEDS[action]:
        return f"Skipped: the case is {row.status}", False
    if action in ("suspend", "resume", "cancel"):
        after = {"suspend": InstanceStatus.SUSPENDED, "resume": InstanceStatus.ACTIVE,
                 "cancel": InstanceStatus.CANCELLED}[action]
        return f"{row.status} → {after.value}", True
    if action == "retry":
        return f"Run the failed step again ({(row.error or {}).get('message', 'no message')})", True
    if action == "migrate":
        version = latest.get(row.process_id)
        if version is None or version == row.definition.version:
            return f"Skipped: already on the latest version ({row.definition.version})", False
        return f"version {row.definition.version} → {version} (checked again when applied)", True
    if not tasks:
        return "Skipped: no open task", False
    return "; ".join(_task_change(action, t, group, params, now, tz) for t in tasks), True


def _task_change(action: str, task: HumanTask, to: str | None, params: dict, now: datetime,
                 tz) -> str:
    if action == "reassign":
        return f"{task.title}: {task.assignee or ', '.join(task.candidate_groups or []) or '-'} → {to}"
    due_at = params["due_at"]
    before = local_time(task.due_at, tz) or "no due date"
    return (f"{task.title}: {before} → {local_time(due_at, tz)}"
            f"{_warning(task, due_at, now, tz)}")


def _warning(task: HumanTask, due_at: datetime, now: datetime, tz) -> str:
    if due_at < now:
        return " (in the past: overdue at once)"
    set_by_process = queries.process_due_date(object_session(task), task)
    if set_by_process is not None and due_at > set_by_process:
        return f" (after the date the process set, {local_time(set_by_process, tz)})"
    return ""


def _open_tasks(session: Session, ids: list[int]) -> dict[int, list[HumanTask]]:
    found: dict[int, list[HumanTask]] = {}
    for task in session.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(ids), HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.created_at, HumanTask.id)):
        found.setdefault(task.instance_id, []).append(task)
    return found


def latest_version(session: Session, process_id: str) -> int:
    """The newest deployed version of a process (0: none)."""
    return _latest_versions(session, {process_id}).get(process_id, 0)


def _latest_versions(session: Session, process_ids: set[str]) -> dict[str, int]:
    return dict(session.execute(select(Definition.process_id, func.max(Definition.version))
                                .where(Definition.process_id.in_(process_ids))
                                .group_by(Definition.process_id)).all())
