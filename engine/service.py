"""ProcessEngine: the engine's public API. Every method is one command inside the caller's
transaction; the caller commits (web request, CLI command) or rolls back on any error.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import (Definition, HumanTask, MessageStart, MessageSubscription, PendingTimer,
                    ProcessInstance)
from models.status import InstanceStatus, TaskStatus

from . import closures, clock, deployment, operations, store
from .actors import Actor, check_can_claim, check_can_complete
from .calendar import WorkingCalendar
from .definitions import parse_definitions
from .errors import InputError, InvalidState, NotAllowed, NotFound, ScriptError
from .forms import validate_form
from .records import InstanceRecord, TaskRecord, TimerRecord
from .run import ProcessRun
from .scripting import make_script_engine
from .settings import DEFAULTS, Settings

MAX_MESSAGE_HOPS = 20


class ProcessEngine:
    """Deploy definitions, start instances, and act on tasks, timers and messages."""

    def __init__(self, calendar: WorkingCalendar | None = None, services: Mapping | None = None,
                 limits=None, settings: Settings | None = None):
        self.settings = settings or DEFAULTS
        self.calendar = calendar or self.settings.calendar()
        services = {**operations.OPERATIONS, **(services or {})}   # learning loop operations
        self.script_engine = make_script_engine(calendar=self.calendar, services=services,
                                                limits=limits)

    def refresh_calendar(self, session: Session) -> bool:
        """Bring the calendar's closure days up to date with the database before a command
        computes dates; one read per transaction at most. True when they changed."""
        return closures.sync_calendar(session, self.calendar)

    # -- definitions ---------------------------------------------------------------------------
    def validate(self, files: Mapping[str, bytes]) -> list[str]:
        """Check files as deploy would; returns their process ids or raises DefinitionError."""
        return sorted(parse_definitions(files))

    def deploy(self, session: Session, files: Mapping[str, bytes], user: str | None,
               note: str = ""):
        """Deploy files; a process gets a new version only when its content changed."""
        return deployment.deploy(session, files, user, note)

    # -- instances -----------------------------------------------------------------------------
    def start(self, session: Session, process_id: str, actor: Actor, data: dict | None = None,
              reference: str | None = None, now: datetime | None = None) -> InstanceRecord:
        """Start the latest version of a process with ``data``; a failing start writes nothing."""
        definition = deployment.latest_definition(session, process_id)
        if definition is None:
            raise NotFound("process", process_id)
        if data is not None and not isinstance(data, dict):
            raise InputError("start data must be a JSON object")
        row = self._start_row(session, definition, actor, dict(data or {}), reference, now)
        return self._saved_record(session, row)

    def _start_row(self, session, definition, actor, data, reference, now, parent_id=None,
                   message=None) -> ProcessInstance:
        now = now or clock.now()
        row = ProcessInstance(definition=definition, definition_id=definition.id,
                              process_id=definition.process_id, status=InstanceStatus.ACTIVE,
                              state_json="", serializer_version="", started_by=actor.name,
                              started_at=now, parent_id=parent_id, data={})
        session.add(row)
        session.flush()
        operations.bind(session, row.id, now)  # service tasks act in this transaction
        row.reference = reference or data.get("case_ref") or f"LSCB-{now:%Y}-{row.id:05d}"
        data.setdefault("case_ref", row.reference)
        spec, subprocess_specs = store.specs_for(definition)
        run = ProcessRun.start(spec, subprocess_specs, self.script_engine, self.calendar,
                               data, now)
        run.advance()
        if message is not None and not run.deliver(*message):
            raise InvalidState(f"process {definition.process_id} did not accept message "
                               f"{message[0]!r}")
        row.title = str(run.data.get("case_title") or definition.name or definition.process_id)
        started = store.event(actor.name, "instance_started", instance_id=row.id, now=now,
                              process_id=definition.process_id, version=definition.version,
                              reference=row.reference, data=data)
        self._save(session, row, run, actor.name, now, events=[started])
        return row

    def show(self, session: Session, instance_id: int) -> InstanceRecord:
        """An instance with its open tasks and waiting timers (no deserialization)."""
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("instance", instance_id)
        tasks = store.open_tasks(session, row.id)
        timers = session.scalars(_TIMERS, {"instance_id": row.id}).all()
        return _instance_record(row, tasks, [
            TimerRecord(t.instance_id, t.spiff_task_id, t.bpmn_id, t.name, t.kind, t.due_at)
            for t in timers])

    def _saved_record(self, session: Session, row: ProcessInstance) -> InstanceRecord:
        """``show`` after a command that saved ``row``, built from the rows that save left in
        the session (the same open tasks and timers) instead of reading them back."""
        projection = store.take_projection(session, row.id)
        if projection is None:
            return self.show(session, row.id)
        tasks, timers = projection
        return _instance_record(row, tasks, [
            TimerRecord(row.id, t.task_id, t.bpmn_id, t.name, t.kind, t.due_at) for t in timers])

    def element_states(self, session: Session, instance_id: int) -> dict[str, list[str]]:
        """BPMN element ids of an instance by state (completed, active, waiting, error,
        cancelled), for marking its diagram. Reads only: no lock, the live cache untouched."""
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("instance", instance_id)
        return store.load_run(row, self.script_engine, self.calendar, clock.now()).element_states()

    def cancel(self, session: Session, instance_id: int, actor: Actor, reason: str,
               now: datetime | None = None) -> InstanceRecord:
        """Cancel an unfinished instance (managers), with a reason."""
        self._require_manager(actor)
        now = now or clock.now()
        row, run = self._load(session, instance_id, now)
        if row.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
            raise InvalidState(f"instance {instance_id} is already {row.status}")
        run.cancel()
        row.status = InstanceStatus.CANCELLED
        row.finished_at = now
        self._save(session, row, run, actor.name, now)
        store.audit(session, actor.name, "instance_cancelled", instance_id=row.id, now=now,
                    reason=reason)
        return self.show(session, row.id)

    def set_suspended(self, session: Session, instance_id: int, actor: Actor, suspended: bool,
                      reason: str, now: datetime | None = None) -> InstanceRecord:
        """Suspend (no timers fire, no task completes) or resume an instance."""
        self._require_manager(actor)
        now = now or clock.now()
        row = store.lock_instance(session, instance_id)
        wanted_from = InstanceStatus.ACTIVE if suspended else InstanceStatus.SUSPENDED
        if row.status != wanted_from:
            raise InvalidState(f"instance {instance_id} is {row.status}")
        row.status = InstanceStatus.SUSPENDED if suspended else InstanceStatus.ACTIVE
        store.flush(session)
        store.audit(session, actor.name, "instance_suspended" if suspended else "instance_resumed",
                    instance_id=row.id, now=now, reason=reason)
        return self.show(session, row.id)

    def retry(self, session: Session, instance_id: int, actor: Actor,
              now: datetime | None = None) -> InstanceRecord:
        """Run an instance's failed step again (after its cause was fixed)."""
        now = now or clock.now()
        row, run = self._load(session, instance_id, now)
        if row.status != InstanceStatus.INCIDENT:
            raise InvalidState(f"instance {instance_id} has no incident to retry")
        failed = [t for t in run.workflow.get_tasks() if t.state == 128]   # TaskState.ERROR
        row.error = None
        row.status = InstanceStatus.ACTIVE
        try:
            if failed:
                run.reset(str(failed[0].id))
            else:
                run.advance()
        except ScriptError as exc:
            row.error = exc.to_dict()
        self._save(session, row, run, actor.name, now)
        store.audit(session, actor.name, "incident_retried", instance_id=row.id, now=now,
                    ok=row.error is None)
        return self.show(session, row.id)

    # -- tasks ---------------------------------------------------------------------------------
    def task(self, session: Session, task_id: str, actor: Actor) -> TaskRecord:
        """A task the actor may see."""
        return task_record(self._visible_task(session, task_id, actor))

    def claim(self, session: Session, task_id: str, actor: Actor,
              now: datetime | None = None) -> TaskRecord:
        """Take an open task offered to one of the actor's groups."""
        task = self._open_task(session, task_id, actor)
        store.lock_instance(session, task.instance_id)
        session.refresh(task)
        check_can_claim(actor, task)
        task.assignee = actor.name
        store.audit(session, actor.name, "task_claimed", instance_id=task.instance_id,
                    task_id=task.id, bpmn_id=task.bpmn_id, now=now)
        self._touch(session, task.instance_id)
        return task_record(task)

    def unclaim(self, session: Session, task_id: str, actor: Actor,
                now: datetime | None = None) -> TaskRecord:
        """Give a claimed task back to its groups (its assignee or a manager)."""
        task = self._open_task(session, task_id, actor)
        store.lock_instance(session, task.instance_id)
        session.refresh(task)
        if task.assignee is None:
            raise InvalidState("task is not claimed")
        if task.assignee != actor.name and not actor.is_manager:
            raise NotAllowed(f"only {task.assignee} or a manager can release this task")
        task.assignee = None
        store.audit(session, actor.name, "task_unclaimed", instance_id=task.instance_id,
                    task_id=task.id, bpmn_id=task.bpmn_id, now=now)
        self._touch(session, task.instance_id)
        return task_record(task)

    def reassign(self, session: Session, task_id: str, actor: Actor, assignee: str | None,
                 reason: str, now: datetime | None = None) -> TaskRecord:
        """Managers give a task to someone else (or back to its groups), with a reason."""
        self._require_manager(actor)
        task = self._open_task(session, task_id, actor)
        store.lock_instance(session, task.instance_id)
        previous, task.assignee = task.assignee, assignee
        store.audit(session, actor.name, "task_reassigned", instance_id=task.instance_id,
                    task_id=task.id, bpmn_id=task.bpmn_id, now=now, previous=previous,
                    assignee=assignee, reason=reason)
        self._touch(session, task.instance_id)
        return task_record(task)

    def save_draft(self, session: Session, task_id: str, actor: Actor, data: dict) -> TaskRecord:
        """Keep a partly filled form on the task (checked, required fields not enforced)."""
        task = self._open_task(session, task_id, actor)
        check_can_complete(actor, task)
        task.draft = validate_form(task.form.get("fields", []), data, partial=True)
        return task_record(task)

    def complete(self, session: Session, task_id: str, actor: Actor, data: dict,
                 now: datetime | None = None) -> InstanceRecord:
        """Complete a task with form data (validated against its form); claims it if unclaimed.

        A step after the task that fails turns the instance into an incident; the person's
        submitted work is kept.
        """
        now = now or clock.now()
        if not _is_task_id(task_id):
            raise NotFound("task", task_id)
        row, open_rows = store.lock_with_open_tasks(session, str(task_id))
        task = next((t for t in open_rows if t.id == str(task_id)), None)
        if task is None:       # closed by now: say so to those who may see it
            task = self._visible_task(session, task_id, actor)
            raise InvalidState(f"task {task_id} is {task.status}")
        self._check_visible(session, task, actor)
        if row.status == InstanceStatus.SUSPENDED:
            raise InvalidState("this case is suspended")
        check_can_complete(actor, task)
        operations.bind(session, row.id, now)  # service tasks act in this transaction
        run = store.load_run(row, self.script_engine, self.calendar, now, session)
        clean = validate_form(task.form.get("fields", []), data or {})
        try:
            run.complete(task.id, clean)
        except ScriptError as exc:
            row.error = exc.to_dict()
        store.close_tasks(session, [task], TaskStatus.COMPLETED, now, by=actor.name)
        done = store.event(actor.name, "task_completed", instance_id=row.id, task_id=task.id,
                           bpmn_id=task.bpmn_id, now=now, title=task.title, values=clean)
        self._save(session, row, run, actor.name, now, open_rows=open_rows, events=[done])
        return self._saved_record(session, row)

    # -- messages ------------------------------------------------------------------------------
    def send_message(self, session: Session, name: str, payload: dict, actor: Actor,
                     correlation: dict | None = None, now: datetime | None = None) -> list[int]:
        """Deliver a message to every waiting instance it correlates with, else start one."""
        if not isinstance(payload, dict) or not isinstance(correlation or {}, dict):
            raise InputError("message data and correlation must be JSON objects")
        now = now or clock.now()
        touched = self._route(session, name, payload, correlation or {}, actor, now, hops=0)
        if not touched:
            raise NotFound("waiting receiver or start event for message", name)
        return touched

    def _route(self, session, name, payload, correlation, actor, now, hops) -> list[int]:
        if hops > MAX_MESSAGE_HOPS:
            raise InvalidState(f"message {name!r} bounced more than {MAX_MESSAGE_HOPS} times")
        touched = []
        subs = session.scalars(select(MessageSubscription)
                               .where(MessageSubscription.message_name == name)
                               .order_by(MessageSubscription.instance_id)).all()
        for instance_id in dict.fromkeys(s.instance_id for s in subs):
            row, run = self._load(session, instance_id, now)
            if row.status != InstanceStatus.ACTIVE:
                continue
            try:
                caught = run.deliver(name, payload, correlation)
            except ScriptError as exc:
                caught, row.error = True, exc.to_dict()
            if caught:
                self._save(session, row, run, actor.name, now, hops)
                store.audit(session, actor.name, "message_received", instance_id=row.id,
                            now=now, message=name, payload=payload)
                touched.append(row.id)
        if not touched:
            touched = self._start_by_message(session, name, payload, correlation, actor, now)
        return touched

    def _start_by_message(self, session, name, payload, correlation, actor, now) -> list[int]:
        stmt = (select(Definition).join(MessageStart)
                .where(MessageStart.message_name == name)
                .order_by(Definition.process_id, Definition.version.desc()))
        latest = {}
        for definition in session.scalars(stmt):
            if definition.process_id not in latest:
                current = deployment.latest_definition(session, definition.process_id)
                latest[definition.process_id] = current
        started = []
        for definition in latest.values():
            if name not in {m.message_name for m in definition.message_starts}:
                continue
            row = self._start_row(session, definition, actor, {}, payload.get("case_ref"), now,
                                  message=(name, payload, correlation))
            started.append(row.id)
        return started

    # -- internals -----------------------------------------------------------------------------
    def _load(self, session, instance_id, now):
        row = store.lock_instance(session, instance_id)
        operations.bind(session, row.id, now)  # service tasks act in this transaction
        return row, store.load_run(row, self.script_engine, self.calendar, now, session)

    def _save(self, session, row, run, actor_name, now, hops=0, open_rows=None,
              events=()) -> None:
        """Save the run, then record ``events`` (the command's own audit events, written with
        those of the tasks it created), then route the messages it threw."""
        outbox = run.outbox()          # drained before saving, so no message is ever sent twice
        created = store.save(session, row, run, now, open_rows)
        events = [*events, *(store.event(
            actor_name, "task_created", instance_id=row.id, task_id=task.id, bpmn_id=task.bpmn_id,
            now=now, title=task.title, groups=task.candidate_groups, assignee=task.assignee,
            due_at=task.due_at) for task in created)]
        if row.error and row.status == InstanceStatus.INCIDENT:
            events.append(store.event(actor_name, "incident", instance_id=row.id, now=now,
                                      error=row.error))
        store.record(session, events)
        for name, payload, correlation in outbox:
            self._route(session, name, payload, correlation, _system(actor_name), now, hops + 1)

    def _touch(self, session, instance_id) -> None:
        row = session.get(ProcessInstance, instance_id)
        row.updated_at = clock.now()
        store.flush(session)

    def _open_task(self, session, task_id, actor) -> HumanTask:
        task = self._visible_task(session, task_id, actor)
        if task.status != TaskStatus.OPEN:
            raise InvalidState(f"task {task_id} is {task.status}")
        return task

    def _visible_task(self, session, task_id, actor) -> HumanTask:
        if not _is_task_id(task_id):
            raise NotFound("task", task_id)
        task = session.get(HumanTask, str(task_id))
        if task is None:
            raise NotFound("task", task_id)
        self._check_visible(session, task, actor)
        return task

    @staticmethod
    def _check_visible(session, task, actor) -> None:
        if not (actor.can_see(task) or _participant(session, actor, task)):
            raise NotFound("task", task.id)

    @staticmethod
    def _require_manager(actor: Actor) -> None:
        if not actor.is_manager:
            raise NotAllowed("only managers can do this")


_TIMERS = (select(PendingTimer).where(PendingTimer.instance_id == bindparam("instance_id"))
           .order_by(PendingTimer.due_at))


def _is_task_id(value) -> bool:
    """Task ids are the engine's UUIDs; anything else names no task (and is never queried)."""
    try:
        return str(UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def _participant(session, actor, task) -> bool:
    """The actor completed a task of this instance (may look at its other tasks)."""
    stmt = select(HumanTask.id).where(HumanTask.instance_id == task.instance_id,
                                      HumanTask.completed_by == actor.name).limit(1)
    return session.scalar(stmt) is not None


def _system(name: str) -> Actor:
    return Actor(name)


def _instance_record(row: ProcessInstance, tasks, timers) -> InstanceRecord:
    return InstanceRecord(
        id=row.id, process_id=row.process_id, definition_version=row.definition.version,
        reference=row.reference, status=row.status, data=row.data or {},
        started_by=row.started_by, started_at=row.started_at, finished_at=row.finished_at,
        error=row.error, tasks=[task_record(t) for t in tasks], timers=timers)


def task_record(task: HumanTask) -> TaskRecord:
    """A HumanTask row as a TaskRecord."""
    return TaskRecord(
        id=task.id, instance_id=task.instance_id, process_id=task.process_id,
        bpmn_id=task.bpmn_id, title=task.title, lane=task.lane,
        candidate_groups=list(task.candidate_groups or []),
        candidate_users=list(task.candidate_users or []), assignee=task.assignee,
        status=task.status, due_at=task.due_at, follow_up_at=task.follow_up_at,
        priority=task.priority, documentation=task.documentation or "", form=task.form or {},
        draft=task.draft, completed_by=task.completed_by, completed_at=task.completed_at)


def dumps(value) -> str:
    """JSON for CLI output."""
    return json.dumps(value, default=str, indent=2, sort_keys=True)
