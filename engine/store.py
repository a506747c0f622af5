"""Map runs to rows: load an instance under a lock, save it and rewrite its projections.

The only module that reads or writes ``state_json``. ``save`` rewrites, in the caller's
transaction, the instance's human tasks, pending timers and message subscriptions, so the
worklist, the scheduler and message routing are plain indexed queries.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, attributes, joinedload, make_transient_to_detached, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from models import (AuditEvent, Definition, HumanTask, LaneMapping, MessageSubscription,
                    PendingTimer, ProcessInstance, TaskCandidate, utcnow)
from models.status import InstanceStatus, TaskStatus

from . import deadline_plan, live, notify
from .errors import Conflict, NotFound
from .run import ProcessRun
from .serialization import VERSION, spec_from_json, state_from_json, state_to_json

_SPECS: dict[tuple[str, str], tuple] = {}
_SPECS_LOCK = threading.Lock()
_PROJECTION = "lscb_projection"


def specs_for(definition: Definition):
    """``(spec, subprocess_specs)`` of a definition version, parsed once per process."""
    key = (definition.process_id, definition.content_hash)   # content-addressed: any database
    cached = _SPECS.get(key)
    if cached is None:
        with _SPECS_LOCK:
            cached = _SPECS.get(key)
            if cached is None:
                cached = spec_from_json(definition.spec_json)
                _SPECS[key] = cached
    return cached


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    row = session.execute(_LOCK_BY_ID, {"instance_id": instance_id}).scalar_one_or_none()
    if row is None:
        raise NotFound("instance", instance_id)
    return row


def lock_with_open_tasks(session: Session, task_id: str) -> tuple[ProcessInstance,
                                                                    list[HumanTask]]:
    """The instance a task belongs to, locked as ``lock_instance`` does, and its open task rows
    by creation, fresh from the database: one statement (one round trip less per completion)."""
    rows = session.execute(_LOCK_WITH_TASKS, {"task_id": task_id}).all()
    if not rows:
        raise NotFound("task", task_id)
    return rows[0][0], [task for _, task in rows if task is not None]


def _locking(where):
    return (select(ProcessInstance).where(where)
            .options(joinedload(ProcessInstance.definition),    # its version: no second query
                     undefer(ProcessInstance.state_json))
            .with_for_update(of=ProcessInstance))


# Built once (every command runs one of them): only the bound values change.
_LOCK_BY_ID = _locking(ProcessInstance.id == bindparam("instance_id"))
_LOCK_WITH_TASKS = (
    _locking(ProcessInstance.id == select(HumanTask.instance_id).where(
        HumanTask.id == bindparam("task_id")).scalar_subquery())
    .add_columns(HumanTask)
    .outerjoin(HumanTask, (HumanTask.instance_id == ProcessInstance.id)
               & (HumanTask.status == TaskStatus.OPEN))
    .order_by(HumanTask.created_at)
    .execution_options(populate_existing=True))      # rows the session holds are re-read


def load_run(row: ProcessInstance, script_engine, calendar, now: datetime,
             session: Session | None = None) -> ProcessRun:
    """The instance's workflow (live, or restored around its version's specs), sandbox attached."""
    workflow = (live.take(session, row.id, row.row_version, row.state_json)
                if session is not None else None)
    if workflow is None:
        spec, subprocess_specs = specs_for(row.definition)
        workflow = state_from_json(row.state_json, row.serializer_version, spec, subprocess_specs)
    run = ProcessRun(workflow, script_engine, calendar, now)
    run.projected = _projected(run)      # what the timer/subscription rows hold (see save)
    return run


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """The instance's open task rows by creation."""
    return list(session.scalars(_OPEN_TASKS, {"instance_id": instance_id}))


_OPEN_TASKS = (select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"),
                                       HumanTask.status == TaskStatus.OPEN)
               .order_by(HumanTask.created_at))


def take_projection(session: Session, instance_id: int):
    """``(open task rows, waiting timers)`` as the last ``save`` of this instance in this
    session left them, or None; taken once."""
    return session.info.get(_PROJECTION, {}).pop(instance_id, None)


def _projected(run: ProcessRun):
    return (frozenset(run.waiting_timers()),
            frozenset((w.name, canonical(w.correlation)) for w in run.message_waits()))


def save(session: Session, row: ProcessInstance, run: ProcessRun, now: datetime,
         open_rows: list[HumanTask] | None = None) -> list[HumanTask]:
    """Write the run's state into ``row`` and rewrite its projections; returns new task rows.

    ``open_rows``: the instance's open task rows, when the caller already read them under the
    instance lock. Timer and subscription rows are only compared with the run's when its
    timers or message waits changed since it was loaded (the rows match the loaded state);
    an instance saved for the first time has no rows of either kind, nor task rows.
    """
    first = not row.state_json           # never saved: it has no task, timer or message rows
    before = (frozenset(), frozenset()) if first else getattr(run, "projected", None)
    ready = run.ready_tasks()            # fixes due dates into task data before serializing
    timers = run.waiting_timers()
    status = row.status
    if status not in (InstanceStatus.SUSPENDED, InstanceStatus.CANCELLED):
        status = _status(run, row)
    finished_at = row.finished_at
    if status == InstanceStatus.COMPLETED and finished_at is None:
        finished_at = now
    values = dict(state_json=state_to_json(run.workflow), serializer_version=VERSION,
                  data=jsonable(run.data), updated_at=now, status=status, finished_at=finished_at,
                  next_timer_at=min((t.due_at for t in timers), default=None))
    projected = _projected(run)
    with session.no_autoflush:       # one flush at the end instead of one per query
        if open_rows is None:
            open_rows = [] if first else open_tasks(session, row.id)
        existing = {t.id: t for t in open_rows if t.status == TaskStatus.OPEN}
        created = _sync_tasks(session, row, ready, now, run.calendar, existing)
        if before is None or before[0] != projected[0]:
            _sync_timers(session, row, timers, stored=not first)
        if before is None or before[1] != projected[1]:
            _sync_subscriptions(session, row, run, stored=not first)
    run.projected = projected
    _write_instance(session, row, values)
    flush(session)                   # what else the ORM holds: closed tasks, timers, messages
    still_open = [t for t in existing.values() if t.status == TaskStatus.OPEN] + created
    session.info.setdefault(_PROJECTION, {})[row.id] = (
        sorted(still_open, key=lambda t: t.created_at), sorted(timers, key=lambda t: t.due_at))
    live.offer(session, row.id, row.row_version, row.state_json, run.workflow)
    return created


_INSTANCES = ProcessInstance.__table__
_UPDATE_INSTANCE = update(_INSTANCES).where(_INSTANCES.c.id == bindparam("_id"),
                                            _INSTANCES.c.row_version == bindparam("_version"))


_INDEXED = frozenset(c.name for index in _INSTANCES.indexes for c in index.columns)


def _write_instance(session: Session, row: ProcessInstance, values: dict) -> None:
    """UPDATE the instance row to ``values`` (and what the command set on it: error, title,
    reference) under the optimistic version check, with one statement outside the unit of
    work; the row object then holds exactly what the database holds.

    An indexed column (status, next timer...) is only SET when its value changes: SQLite
    rewrites the index entries of every column an UPDATE names, even to the same value, which
    cost five extra pages per command. The version check makes the row's values the stored ones.
    """
    values = {**values, "error": row.error, "title": row.title, "reference": row.reference,
              "row_version": row.row_version + 1}
    values = {name: value for name, value in values.items()
              if name not in _INDEXED or value != _stored(row, name)}
    result = session.connection().execute(
        _UPDATE_INSTANCE, {**values, "_id": row.id, "_version": row.row_version})
    if result.rowcount != 1:
        raise Conflict(CONFLICT)
    for name, value in values.items():
        set_committed_value(row, name, value)


def _stored(row: ProcessInstance, name: str):
    """The value of column ``name`` as loaded from the database (before this command set it)."""
    history = attributes.get_history(row, name, passive=attributes.PASSIVE_NO_INITIALIZE)
    loaded = history.deleted or history.unchanged
    return loaded[0] if loaded else _UNKNOWN


_UNKNOWN = object()        # never equal to a value: the column is written


def flush(session: Session) -> None:
    """Flush, turning a lost optimistic-lock race into Conflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(CONFLICT) from exc


CONFLICT = ("someone else changed this case at the same moment; nothing was saved, "
            "please reload and try again")


def audit(session: Session, actor: str | None, action: str, *, instance_id=None, task_id=None,
          bpmn_id=None, now: datetime | None = None, **detail) -> None:
    """Append one audit event (and the notifications it leads to) in the caller's transaction."""
    record(session, [event(actor, action, instance_id=instance_id, task_id=task_id,
                           bpmn_id=bpmn_id, now=now, **detail)])


def event(actor: str | None, action: str, *, instance_id=None, task_id=None, bpmn_id=None,
          now: datetime | None = None, **detail) -> dict:
    """An audit event's row values, for ``record``."""
    return dict(at=now or utcnow(), actor=actor, action=action, instance_id=instance_id,
                task_id=task_id, bpmn_id=bpmn_id, detail=jsonable(detail))


def record(session: Session, events: list[dict]) -> None:
    """Append audit events, in order, and the notifications they lead to.

    Written with one plain INSERT on the session's connection: the trail is append-only, so the
    ORM's unit of work (and the autoflush it would trigger) buys nothing here, and a command's
    events (a task completed, the tasks it created) cost one round trip.
    """
    if events:
        session.connection().execute(_AUDIT_INSERT, events)
        notify.on_audit(session, events)


_AUDIT_INSERT = insert(AuditEvent.__table__)


def jsonable(value):
    """``value`` as plain JSON types (dates become ISO strings)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _status(run: ProcessRun, row: ProcessInstance) -> str:
    status = run.status
    if status == "completed":
        return InstanceStatus.COMPLETED
    if status == "error":
        return InstanceStatus.INCIDENT
    return InstanceStatus.ACTIVE


def _sync_tasks(session: Session, row: ProcessInstance, ready, now, calendar,
                existing: dict | None = None) -> list[HumanTask]:
    """Open rows for ready tasks; rows whose task is no longer ready become cancelled."""
    if existing is None:
        existing = {t.id: t for t in open_tasks(session, row.id)}
    ready_ids = {t.id for t in ready}
    close_tasks(session, [t for t in existing.values() if t.id not in ready_ids],
                TaskStatus.CANCELLED, now)
    rows, created = [], []
    for task in ready:
        if task.id in existing:
            continue
        groups = task.candidate_groups or _lane_groups(session, task.lane)
        step, next_deadline = deadline_plan.arm(task.due_at, calendar, now)
        rows.append(dict(
            id=task.id, instance_id=row.id, process_id=row.process_id, bpmn_id=task.bpmn_id,
            title=task.title, documentation=task.documentation, lane=task.lane,
            candidate_groups=groups, candidate_users=task.candidate_users,
            assignee=task.assignee, status=TaskStatus.OPEN, priority=task.priority,
            due_at=task.due_at, follow_up_at=task.follow_up_at, form=task.form, draft=None,
            created_at=now, completed_at=None, completed_by=None, next_deadline_at=next_deadline,
            deadline_step=step, escalation_level=0))
    if rows:
        _insert_tasks(session, rows)
    for values in rows:          # the same rows as persistent objects, without an ORM flush
        task_row = HumanTask(**values)
        make_transient_to_detached(task_row)
        session.add(task_row)
        created.append(task_row)
    return created


def _insert_tasks(session: Session, rows: list[dict]) -> None:
    """INSERT task rows and their worklist entries (one per candidate group)."""
    connection = session.connection()
    connection.execute(_TASK_INSERT, rows)
    candidates = [dict(task_id=r["id"], group_slug=g, assignee=r["assignee"], due_at=r["due_at"],
                       process_id=r["process_id"])
                  for r in rows for g in dict.fromkeys(r["candidate_groups"])]
    if candidates:
        connection.execute(_CANDIDATE_INSERT, candidates)


_TASK_INSERT = insert(HumanTask.__table__)
_CANDIDATE_INSERT = insert(TaskCandidate.__table__)


def _lane_groups(session: Session, lane: str | None) -> list[str]:
    """The group for a lane: the admin's mapping, else the lane name as a slug."""
    if not lane:
        return []
    mapped = session.get(LaneMapping, lane)
    if mapped is not None:
        return [mapped.group_slug]
    return ["-".join("".join(c if c.isalnum() else " " for c in lane.lower()).split())]


def close_tasks(session: Session, tasks: list[HumanTask], status: str, now: datetime,
                by: str | None = None) -> None:
    """Mark open task rows completed (``by`` a person) or cancelled, and take them off the
    worklist: plain UPDATEs, the row objects marked as holding what the database holds."""
    if not tasks:
        return
    values = {"status": status, "completed_at": now}
    if by is not None:
        values.update(assignee=by, completed_by=by, draft=None)
    session.connection().execute(_CLOSE_TASK, [{**values, "_id": t.id} for t in tasks])
    for task in tasks:
        for name, value in values.items():
            set_committed_value(task, name, value)
    release_candidates(session, [t.id for t in tasks])


_CLOSE_TASK = update(HumanTask.__table__).where(HumanTask.__table__.c.id == bindparam("_id"))


def release_candidates(session: Session, task_ids: list[str]) -> None:
    """Drop the worklist entries of tasks that are no longer open."""
    if task_ids:       # on the connection: no autoflush, the caller's flush writes the rest
        session.connection().execute(_RELEASE, {"ids": list(task_ids)})


_RELEASE = delete(TaskCandidate.__table__).where(
    TaskCandidate.__table__.c.task_id.in_(bindparam("ids", expanding=True)))


def _sync_timers(session: Session, row: ProcessInstance, timers, stored: bool) -> None:
    """Make the instance's PendingTimer rows match its waiting timers (changing only the diff;
    ``stored=False``: it has none yet)."""
    wanted = {(t.task_id, t.due_at): t for t in timers}
    have = {(r.spiff_task_id, r.due_at): r for r in session.scalars(
        select(PendingTimer).where(PendingTimer.instance_id == row.id))} if stored else {}
    for key in have.keys() - wanted.keys():
        session.delete(have[key])
    for key in wanted.keys() - have.keys():
        timer = wanted[key]
        session.add(PendingTimer(instance_id=row.id, spiff_task_id=timer.task_id,
                                 bpmn_id=timer.bpmn_id, name=timer.name, kind=timer.kind,
                                 due_at=timer.due_at))


def _sync_subscriptions(session: Session, row: ProcessInstance, run: ProcessRun,
                        stored: bool) -> None:
    """Make the instance's message subscriptions match its waiting catches (diff only;
    ``stored=False``: it has none yet)."""
    wanted = {(w.name, canonical(w.correlation)) for w in run.message_waits()}
    have = {(r.message_name, r.correlation): r for r in session.scalars(
        select(MessageSubscription).where(MessageSubscription.instance_id == row.id))
    } if stored else {}
    for key in have.keys() - wanted:
        session.delete(have[key])
    for name, correlation in wanted - have.keys():
        session.add(MessageSubscription(instance_id=row.id, message_name=name,
                                        correlation=correlation))


def canonical(correlation: dict) -> str:
    """Correlation values as canonical JSON (sorted keys), the form stored and compared."""
    return json.dumps(jsonable(correlation or {}), sort_keys=True, separators=(",", ":"))
