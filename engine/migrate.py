"""Move running instances of a process to another deployed version, where that is safe.

SpiffWorkflow aligns the old and new specs by element id (``diff_workflow``) and moves the
workflow across (``migrate_workflow``, notes section 8), resetting ready and waiting steps.
We refuse whenever the case would lose its place or its history:

- a step the case is at, or has passed through, is gone from the new version;
- a step the case is at changed type, or (call activity) now calls another process;
- the case is inside a called or embedded process that the new version no longer has;
- the steps around an active step changed shape (e.g. a boundary event added to it), so the
  engine would silently drop the new structure for this case.

Deadlines already running (task due dates, waiting timers) keep their due times unless the
timer itself was changed. A preview runs the same migration in memory and writes nothing; a
migration (``ProcessEngine.migrate``) is one transaction per instance, under the instance
lock, ending in the engine's one save: audited, open tasks refreshed, new tasks notified.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from models import Definition, ProcessInstance
from models.status import InstanceStatus

from . import store
from .errors import EngineError, InvalidState, NotFound
from .serialization import SERIALIZER

MOVABLE = (InstanceStatus.ACTIVE.value, InstanceStatus.SUSPENDED.value)
AT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PASSED = TaskState.COMPLETED | AT
RESET = TaskState.READY | TaskState.WAITING


@dataclass(frozen=True)
class MigrationPlan:
    """What migrating one instance would do: ok, or refused with the reasons."""

    instance_id: int
    reference: str | None
    from_version: int
    to_version: int
    ok: bool
    reasons: list[str] = field(default_factory=list)     # why it is refused
    notes: list[str] = field(default_factory=list)       # what happens to the case


def candidates(session: Session, process_id: str, to_version: int,
               instance_ids: list[int] | None = None):
    """``(row, target definition)`` for each running instance of the process (or each of
    ``instance_ids``), for a preview."""
    target = _definition(session, process_id, to_version)
    stmt = (select(ProcessInstance).where(ProcessInstance.process_id == process_id,
                                          ProcessInstance.status.in_(MOVABLE))
            .order_by(ProcessInstance.id))
    if instance_ids is not None:
        stmt = stmt.where(ProcessInstance.id.in_(instance_ids))
    return [(row, target) for row in session.scalars(stmt)]


def target(session: Session, row: ProcessInstance, to_version: int) -> Definition:
    """The version an instance is to move to; InvalidState unless the instance is running."""
    found = _definition(session, row.process_id, to_version)
    if row.status not in MOVABLE:
        raise InvalidState(f"instance {row.id} is {row.status}; only running cases move")
    return found


def migrate_many(session_factory, process_engine, instance_ids: list[int], to_version: int,
                 actor, now: datetime | None = None) -> list[MigrationPlan]:
    """Migrate each instance in its own transaction; one refusal never stops the others."""
    plans = []
    for instance_id in instance_ids:
        try:
            with session_factory.begin() as session:
                plans.append(process_engine.migrate(session, instance_id, to_version, actor, now))
        except EngineError as exc:
            plans.append(MigrationPlan(instance_id, None, 0, to_version, False, [exc.message]))
    return plans


def _definition(session: Session, process_id: str, version: int) -> Definition:
    found = session.scalars(select(Definition).where(Definition.process_id == process_id,
                                                     Definition.version == version)).first()
    if found is None:
        raise NotFound("version", f"{process_id} v{version}")
    return found


def attempt(row: ProcessInstance, run, target: Definition):
    """``(plan, migrated run or None)``: the migration done in memory on ``run``."""
    plan = dict(instance_id=row.id, reference=row.reference, from_version=row.definition.version,
                to_version=target.version)
    if target.id == row.definition_id:
        return MigrationPlan(**plan, ok=False, reasons=["the case is already on this version"]), None
    workflow = run.workflow
    new_spec, new_subs = store.specs_for(target)
    top_diff, sub_diffs = diff_workflow(SERIALIZER.registry, workflow, new_spec, new_subs)
    reasons = _refusals(workflow, top_diff, sub_diffs, target.version)
    if reasons:
        return MigrationPlan(**plan, ok=False, reasons=reasons), None
    kept = _deadlines_to_keep(workflow, top_diff, sub_diffs)
    who_before = {task.id: _who(task.task_spec) for task in workflow.get_tasks(state=RESET)}
    migrate_workflow(top_diff, workflow, new_spec)
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(diff, sub, new_subs[sub.spec.name])
    workflow.subprocess_specs = new_subs
    for task in workflow.get_tasks():
        if task.id in kept:
            task.internal_data.update(kept[task.id])
    reasons = _shape_refusals(workflow, new_spec, new_subs)
    if reasons:
        return MigrationPlan(**plan, ok=False, reasons=reasons), None
    notes = _notes(top_diff, sub_diffs) + _access_notes(workflow, who_before)
    return MigrationPlan(**plan, ok=True, notes=notes), run


def _refusals(workflow, top_diff, sub_diffs, version: int) -> list[str]:
    reasons = []
    for diff in [top_diff, *(d for d in sub_diffs.values() if d is not None)]:
        for task in diff.removed:
            if task.has_state(PASSED) and _bpmn_id(task):
                where = "is at" if task.has_state(AT) else "has already passed through"
                reasons.append(f"the case {where} step {_bpmn_id(task)!r}, which version {version} "
                               "no longer has")
        for task in diff.changed:
            new = diff.alignment.get(task)
            if not task.has_state(AT) or new is None:
                continue
            if type(new) is not type(task.task_spec):
                reasons.append(f"active step {_bpmn_id(task)!r} changed type from "
                               f"{type(task.task_spec).__name__} to {type(new).__name__}")
            elif getattr(task.task_spec, "spec", None) != getattr(new, "spec", None):
                reasons.append(f"the case is inside call activity {_bpmn_id(task)!r}, which now "
                               f"calls {getattr(new, 'spec', None)!r} instead of "
                               f"{getattr(task.task_spec, 'spec', None)!r}")
    for sub_id, diff in sub_diffs.items():
        if diff is None:
            host = workflow.get_task_from_id(sub_id)
            reasons.append(f"the case has run inside {_bpmn_id(host)!r} (process "
                           f"{workflow.subprocesses[sub_id].spec.name!r}), which version {version} "
                           "no longer has")
    return list(dict.fromkeys(reasons))


def _deadlines_to_keep(workflow, top_diff, sub_diffs) -> dict:
    """Internal data of steps about to be reset: due dates and unchanged timers keep their times."""
    changed = {t.id: [] for t in top_diff.changed}
    for diff in sub_diffs.values():
        changed.update({t.id: [] for t in (diff.changed if diff else [])})
    kept = {}
    for task in workflow.get_tasks(state=RESET):
        data = dict(task.internal_data)
        if task.id in changed and "event_value" in data:
            data.pop("event_value")          # a changed timer is armed again from now
        kept[task.id] = data
    return kept


def _shape_refusals(workflow, new_spec, new_subs) -> list[str]:
    known = {id(s) for spec in (new_spec, *new_subs.values()) for s in spec.task_specs.values()}
    reasons = []
    for task in workflow.get_tasks():
        if id(task.task_spec) not in known:
            reasons.append(f"step {_bpmn_id(task) or task.task_spec.name!r} could not be matched "
                           "in the new version")
        elif task.has_state(RESET) and task.parent is not None and task.task_spec.inputs \
                and task.parent.task_spec not in task.task_spec.inputs:
            reasons.append(f"the steps around active step {_bpmn_id(task)!r} changed (for example "
                           "a boundary event was added or removed); the case cannot move safely")
    return list(dict.fromkeys(reasons))


def _notes(top_diff, sub_diffs) -> list[str]:
    notes = []
    for diff in [top_diff, *(d for d in sub_diffs.values() if d is not None)]:
        for task in diff.changed:
            if task.has_state(TaskState.READY | TaskState.WAITING) and _bpmn_id(task):
                notes.append(f"open step {_bpmn_id(task)!r} takes the new definition "
                             "(its due date is kept)")
    return list(dict.fromkeys(notes)) or ["the case continues where it is, on the new version"]


def _who(task_spec) -> dict:
    """Who a user step is offered to, as written in its spec (groups, users, assignee, lane)."""
    assignment = (getattr(task_spec, "extensions", None) or {}).get("assignment") or {}
    who = {k: assignment.get(k) for k in ("candidate_groups", "candidate_users", "assignee")}
    return {**who, "lane": getattr(task_spec, "lane", None)}


def _access_notes(workflow, who_before: dict) -> list[str]:
    """A note for each open step that the new version offers to other people."""
    notes = []
    for task in workflow.get_tasks(state=RESET):
        before, after = who_before.get(task.id), _who(task.task_spec)
        if before is not None and before != after and task.task_spec.manual:
            changed = ", ".join(f"{k} {before[k] or '-'} -> {after[k] or '-'}"
                                for k in after if before[k] != after[k])
            notes.append(f"who may act on step {_bpmn_id(task)!r} changes: {changed}")
    return notes


def _bpmn_id(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)
