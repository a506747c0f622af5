"""Batch operations on a selection of cases, as Camunda Operate has them: one action and one
reason over many cases, previewed first (what each case would become, or why it is skipped),
then applied case by case, each in its own transaction with its own audit entry, so one
refusal never stops the others.

Actions (``params`` they need): ``suspend``, ``resume``, ``cancel``, ``retry``, ``reassign``
(``group``: the open tasks are offered to it instead), ``due`` (``due_at``: every open task's new
due time; a date in the past or after the process's own date is shown in the preview, and
applying it is the confirmation) and ``migrate`` (to the latest version of each case's pathway).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from models import Definition, HumanTask, ProcessInstance, queries
from models.status import InstanceStatus, TaskStatus

from . import people
from .errors import EngineError, InputError

ACTIONS = {"suspend": "Pause the cases", "resume": "Resume the cases", "cancel": "Cancel the cases",
           "retry": "Run each failed step again", "reassign": "Give the open tasks to a group",
           "due": "Change the due date of the open tasks",
           "migrate": "Move each case to the latest version of its pathway"}
MAX_ITEMS = 500
_FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)
_NEEDS = {"suspend": (InstanceStatus.ACTIVE,), "resume": (InstanceStatus.SUSPENDED,),
          "retry": (InstanceStatus.INCIDENT,)}


@dataclass(frozen=True)
class BatchItem:
    """One case of a batch: what will change (preview) or what changed (applied), or why not."""

    instance_id: int
    reference: str | None
    change: str
    ok: bool


def check(action: str, instance_ids, reason: str, params: dict) -> list[int]:
    """The selection as ids, or InputError naming what is missing."""
    if action not in ACTIONS:
        raise InputError(f"Choose an action: {', '.join(ACTIONS)}", field="action")
    ids = list(dict.fromkeys(int(i) for i in instance_ids))
    if not ids:
        raise InputError("Select at least one case", field="instance_id")
    if len(ids) > MAX_ITEMS:
        raise InputError(f"Select at most {MAX_ITEMS} cases at a time", field="instance_id")
    if not (reason or "").strip():
        raise InputError("Enter a reason: it is kept in each case's audit trail", field="reason")
    if action == "reassign" and not params.get("group"):
        raise InputError("Choose the group to give the open tasks to", field="group")
    if action == "due" and not isinstance(params.get("due_at"), datetime):
        raise InputError("Enter the new due date", field="due_date")
    return ids


def preview(session: Session, action: str, ids: list[int], params: dict,
            now: datetime) -> list[BatchItem]:
    """What applying ``action`` would do to each case; writes nothing."""
    rows = {r.id: r for r in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))}
    tasks = _open_tasks(session, ids)
    latest = _latest_versions(session, {r.process_id for r in rows.values()})
    group = people.group_by_slug(session, params["group"]).slug if action == "reassign" else None
    items = []
    for instance_id in ids:
        row = rows.get(instance_id)
        if row is None:
            items.append(BatchItem(instance_id, None, "No such case", False))
            continue
        change, ok = _change(action, row, tasks.get(instance_id, []), params, group, latest, now)
        items.append(BatchItem(instance_id, row.reference, change, ok))
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


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """A case's open tasks, oldest first."""
    return _open_tasks(session, [instance_id]).get(instance_id, [])


def _change(action, row, tasks, params, group, latest, now) -> tuple[str, bool]:
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
    if action == "reassign":
        return "; ".join(f"{t.title}: {', '.join(t.candidate_groups or []) or t.assignee or '-'} → "
                         f"{group}" for t in tasks), True
    due_at = params["due_at"]
    return "; ".join(f"{t.title}: {_day(t.due_at)} → {_day(due_at)}{_warning(t, due_at, now)}"
                     for t in tasks), True


def _warning(task: HumanTask, due_at: datetime, now: datetime) -> str:
    if due_at < now:
        return " (in the past: overdue at once)"
    set_by_process = queries.process_due_date(object_session(task), task)
    if set_by_process is not None and due_at > set_by_process:
        return f" (after the date the process set, {_day(set_by_process)})"
    return ""


def _day(moment: datetime | None) -> str:
    return moment.strftime("%-d %b %Y %H:%M") + " UTC" if moment else "no due date"


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
