"""Map runs to rows: load an instance under a lock, save it and rewrite its projections.

The only module that reads or writes ``state_json``. ``save`` rewrites, in the caller's
transaction, the instance's human tasks (``task_rows``), pending timers and message
subscriptions, so the worklist, the scheduler and message routing are plain indexed queries.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, attributes, joinedload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from models import (Definition, HumanTask, MessageSubscription, PendingTimer, ProcessInstance)
from models.status import InstanceStatus, RunStatus, TaskStatus

from . import closures, live, notify, task_rows
from .errors import Conflict, NotFound
from .records import TimerRecord
from .run import ProcessRun
from .serialization import VERSION, spec_from_json, state_from_json, state_to_json
from .trail import jsonable
from .writes import Writes

_SPECS: dict[tuple[str, str], tuple] = {}
_SPECS_LOCK = threading.Lock()


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
    """The instance row, locked for this transaction (FOR UPDATE on PostgreSQL) and read afresh
    under the lock (a copy this session read earlier is overwritten, never trusted). The board's
    closure days come with it, for the command's calendar (``closures.read_with``)."""
    found = session.execute(_LOCK_BY_ID, {"instance_id": instance_id}).one_or_none()
    if found is None:
        raise NotFound("instance", instance_id)
    closures.read_with(session, found.closure_days)
    return found[0]


def lock_with_open_tasks(session: Session, task_id: str) -> tuple[ProcessInstance,
                                                                    list[HumanTask]]:
    """The instance a task belongs to, locked as ``lock_instance`` does, and its open task rows
    by creation, fresh from the database: one statement (one round trip less per completion)."""
    rows = session.execute(_LOCK_WITH_TASKS, {"task_id": task_id}).all()
    if not rows:
        raise NotFound("task", task_id)
    closures.read_with(session, rows[0].closure_days)
    return rows[0][0], [task for _, _days, task in rows if task is not None]


def _locking(where):
    return (select(ProcessInstance, closures.DAYS_TEXT).where(where)
            .options(joinedload(ProcessInstance.definition),    # its version: no second query
                     undefer(ProcessInstance.state_json))
            .with_for_update(of=ProcessInstance)
            .execution_options(populate_existing=True))   # read under the lock, not remembered


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
    return ProcessRun(workflow, script_engine, calendar, now)


def lock_due(session: Session, instance_id: int, now: datetime) -> ProcessInstance | None:
    """The instance row locked for firing its timers, if a timer is still due at ``now`` and
    no other sweeper holds it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
    found = session.execute(_LOCK_DUE, {"instance_id": instance_id, "now": now,
                                        "active": InstanceStatus.ACTIVE.value}).one_or_none()
    if found is None:
        return None
    closures.read_with(session, found.closure_days)
    return found[0]


_LOCK_DUE = (select(ProcessInstance, closures.DAYS_TEXT)
             .where(ProcessInstance.id == bindparam("instance_id"),
                    ProcessInstance.next_timer_at < bindparam("now"),
                    ProcessInstance.status == bindparam("active"))
             .options(joinedload(ProcessInstance.definition), undefer(ProcessInstance.state_json))
             .with_for_update(skip_locked=True, of=ProcessInstance))


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """The instance's open task rows by creation."""
    return list(session.scalars(_OPEN_TASKS, {"instance_id": instance_id}))


_OPEN_TASKS = (select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"),
                                       HumanTask.status == TaskStatus.OPEN)
               .order_by(HumanTask.created_at))


@dataclass(frozen=True)
class Projection:
    """What an instance's timer and subscription rows hold: compared before rewriting them."""

    timers: frozenset
    waits: frozenset


NOTHING = Projection(frozenset(), frozenset())     # an instance never saved has no rows


def projection(run: ProcessRun) -> Projection:
    """The timer and subscription rows ``run`` needs (read when it is loaded, so ``save`` only
    rewrites them when they changed)."""
    return Projection(frozenset(run.waiting_timers()),
                      frozenset((w.name, canonical(w.correlation)) for w in run.message_waits()))


@dataclass(frozen=True)
class Saved:
    """What ``save`` wrote: the task rows it created, the groups that refreshed task rows
    gained (by task id), and the instance's open tasks and waiting timers as they now are
    (None when only the instance row was written)."""

    created: list[HumanTask] = field(default_factory=list)
    offered: dict[str, list[str]] = field(default_factory=dict)
    open_tasks: list[HumanTask] | None = None
    timers: list[TimerRecord] | None = None
    people: notify.People = notify.NOBODY      # who ``concerned`` named, read with the UPDATE


def save(session: Session, row: ProcessInstance, run: ProcessRun | None, now: datetime, *,
         loaded: Projection | None = None, open_rows: list[HumanTask] | None = None,
         refresh=frozenset(), writes: Writes | None = None, concerned=None) -> Saved:
    """Write the run's state into ``row`` and rewrite its projections, in one transaction.

    Every engine command ends here. ``run`` None: the command changed the instance row or its
    task rows but not the workflow (a claim, a suspension, a comment); the row is written
    under the version check all the same, so a concurrent change is a Conflict.
    ``loaded``: the run's projection when it was loaded (timer and subscription rows are only
    compared when it changed). ``open_rows``: the instance's open task rows, when the caller
    read them under the instance lock. ``refresh``: ids of open task rows that take the run's
    title, form, groups and due date again (after a migration or a due-date change).
    ``writes``: the command's task row writes so far, sent with the instance's UPDATE.
    ``concerned``: called with what the save will return (before it writes the instance),
    gives the ``(names, group slugs)`` whose active people to read with the UPDATE
    (``Saved.people``).
    """
    writes = writes or Writes(session)
    if run is None:
        workflow = live.take(session, row.id, row.row_version, row.state_json)
        people = _write_instance(session, row, dict(updated_at=now, status=row.status,
                                                    finished_at=row.finished_at), writes,
                                 concerned and concerned(Saved()))
        flush(session)
        if workflow is not None:     # unchanged: still good for the next command
            live.offer(session, row.id, row.row_version, row.state_json, workflow)
        return Saved(people=people)
    first = not row.state_json           # never saved: it has no task, timer or message rows
    before = NOTHING if first else loaded
    ready = run.ready_tasks()            # fixes due dates into task data before serializing
    timers = run.waiting_timers()
    status = row.status
    if status not in (InstanceStatus.SUSPENDED, InstanceStatus.CANCELLED):
        status = _status(run)
    finished_at = row.finished_at
    if status == InstanceStatus.COMPLETED and finished_at is None:
        finished_at = now
    values = dict(state_json=state_to_json(run.workflow), serializer_version=VERSION,
                  data=jsonable(run.data), updated_at=now, status=status, finished_at=finished_at,
                  next_timer_at=min((t.due_at for t in timers), default=None))
    after = projection(run)
    with session.no_autoflush:       # one flush at the end instead of one per query
        if open_rows is None:
            open_rows = [] if first else open_tasks(session, row.id)
        existing = {t.id: t for t in open_rows if t.status == TaskStatus.OPEN}
        created, offered = task_rows.sync(session, row, ready, now, run.calendar, existing,
                                          refresh, writes)
        if before is None or before.timers != after.timers:
            _sync_timers(session, row, timers, stored=not first)
        if before is None or before.waits != after.waits:
            _sync_subscriptions(session, row, run, stored=not first)
    still_open = [t for t in existing.values() if t.status == TaskStatus.OPEN] + created
    saved = Saved(created, offered, sorted(still_open, key=lambda t: t.created_at),
                  sorted(timers, key=lambda t: t.due_at))
    people = _write_instance(session, row, values, writes, concerned and concerned(saved))
    flush(session)                   # what else the ORM holds: timers and subscriptions
    live.offer(session, row.id, row.row_version, row.state_json, run.workflow)
    return replace(saved, people=people)


_INSTANCES = ProcessInstance.__table__
_UPDATE_INSTANCE = update(_INSTANCES).where(_INSTANCES.c.id == bindparam("_id"),
                                            _INSTANCES.c.row_version == bindparam("_version"))


_INDEXED = frozenset(c.name for index in _INSTANCES.indexes for c in index.columns)


def _write_instance(session: Session, row: ProcessInstance, values: dict, writes: Writes,
                    wanted: tuple[set, set] | None = None) -> notify.People:
    """UPDATE the instance row to ``values`` (and what the command set on it: error, title,
    reference) under the optimistic version check, with one statement outside the unit of
    work (the ``writes`` waiting go with it); the row object then holds exactly what the
    database holds. Returns the active people among ``wanted`` (names, group slugs), read in
    the same statement on PostgreSQL.

    An indexed column (status, next timer...) is only SET when its value changes: SQLite
    rewrites the index entries of every column an UPDATE names, even to the same value, which
    cost five extra pages per command. The version check makes the row's values the stored ones.
    """
    values = {**values, "error": row.error, "title": row.title, "reference": row.reference,
              "row_version": row.row_version + 1}
    changed = {name: value for name, value in values.items()
               if name not in _INDEXED or value != _stored(row, name)}
    update_params = {**changed, "_id": row.id, "_version": row.row_version}
    where = {"id": row.id, "row_version": row.row_version}
    people = notify.NOBODY
    if wanted and (wanted[0] or wanted[1]):      # who can act and who hears, read with it
        written, rows = writes.send_and_read(
            _UPDATE_INSTANCE, update_params, table=_INSTANCES, where=where, values=changed,
            read=notify.PEOPLE, read_params=notify.people_params(*wanted))
        people = notify.people_of(*wanted, rows)
    else:
        written = writes.send(_UPDATE_INSTANCE, update_params, table=_INSTANCES, where=where,
                              values=changed).rowcount
    if written != 1:
        raise Conflict(CONFLICT)
    for name, value in values.items():    # unchanged ones too: a value the command set and
        set_committed_value(row, name, value)   # the save undid is never flushed after it
    return people


def error_changed(row: ProcessInstance) -> bool:
    """Whether the command set the instance's error to a new value (before ``save``)."""
    return attributes.get_history(row, "error").has_changes()


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


def _status(run: ProcessRun) -> str:
    return _INSTANCE_STATUS.get(run.status, InstanceStatus.ACTIVE)


_INSTANCE_STATUS = {RunStatus.COMPLETED: InstanceStatus.COMPLETED,
                    RunStatus.ERROR: InstanceStatus.INCIDENT}


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
