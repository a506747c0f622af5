"""ProcessEngine: the engine's public API. Every method is one command inside the caller's
transaction; the caller commits (web request, CLI command) or rolls back on any error.

Every command that changes an instance (start, claim, unclaim, reassign, complete, comment,
fire its timers, deliver a message, change a due date, migrate, retry, cancel, suspend, record
an incident) ends in ``_save``: the instance row written under its version check, the
projections rewritten (``store.save``), the command's audit events and those of the tasks it
created recorded and notified (``trail.record_and_notify``), the messages it threw routed.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import (Definition, HumanTask, MessageStart, MessageSubscription, PendingTimer,
                    ProcessInstance)
from models.status import InstanceStatus, Role, TaskStatus

from . import (access, clock, closures, deployment, migrate, operations, scheduler, store,
               task_rows, timers, trail)
from .actors import Actor, check_can_claim, check_can_complete
from .admin_commands import AdminCommands
from .definition_commands import DefinitionCommands
from .assignment import DUE_KEY
from .calendar import WorkingCalendar
from .errors import FormInvalid, InputError, InvalidState, NotAllowed, NotFound, ScriptError
from .forms import validate_form
from .records import InstanceRecord, TaskRecord, TimerRecord, task_record
from .run import ProcessRun
from .scripting import make_script_engine
from .settings import DEFAULTS, Settings

MAX_MESSAGE_HOPS = 20


class ProcessEngine(AdminCommands, DefinitionCommands):
    """Deploy definitions, start instances, act on tasks, timers and messages, and manage
    the people who do (``AdminCommands``) and the diagrams (``DefinitionCommands``)."""

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
    def validate(self, session: Session, files: Mapping[str, bytes]) -> list[str]:
        """Check files exactly as deploy would (validation and lint, against the groups and lanes
        in the database); returns their process ids or raises DefinitionError."""
        return sorted(deployment.validate(session, files))

    def deploy(self, session: Session, files: Mapping[str, bytes], user: str | None,
               note: str = "", only: set[str] | None = None):
        """Deploy files through the one deploy path (parse, validate, lint, store); a process
        gets a new version only when its content changed. Raises DefinitionError listing every
        error (nothing stored) when validation or lint refuses."""
        return deployment.deploy(session, files, user, note, only)

    # -- instances -----------------------------------------------------------------------------
    def start(self, session: Session, process_id: str, actor: Actor, data: dict | None = None,
              reference: str | None = None, now: datetime | None = None) -> InstanceRecord:
        """Start the latest version of a process with ``data``; a failing start writes nothing."""
        definition = deployment.latest_definition(session, process_id)
        if definition is None:
            raise NotFound("process", process_id)
        if data is not None and not isinstance(data, dict):
            raise InputError("start data must be a JSON object")
        row, saved = self._start_row(session, definition, actor, dict(data or {}), reference,
                                     now or clock.now())
        return _instance_record(row, saved.open_tasks, saved.timers)

    def _start_row(self, session, definition, actor, data, reference, now, message=None):
        row = ProcessInstance(definition=definition, definition_id=definition.id,
                              process_id=definition.process_id, status=InstanceStatus.ACTIVE,
                              state_json="", serializer_version="", started_by=actor.name,
                              started_at=now, data={})
        session.add(row)
        session.flush()
        self.refresh_calendar(session)         # due dates skip the board's closure days
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
        started = trail.event(actor.name, "instance_started", instance_id=row.id, now=now,
                              process_id=definition.process_id, version=definition.version,
                              reference=row.reference, data=data)
        return row, self._save(session, row, run, actor.name, now, events=[started])

    def show(self, session: Session, instance_id: int) -> InstanceRecord:
        """An instance with its open tasks and waiting timers (no deserialization)."""
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("instance", instance_id)
        timers = session.scalars(_TIMERS, {"instance_id": row.id}).all()
        return _instance_record(row, store.open_tasks(session, row.id), [
            TimerRecord(t.spiff_task_id, t.bpmn_id, t.name, t.kind, t.due_at, t.instance_id)
            for t in timers])

    def element_states(self, session: Session, instance_id: int) -> dict[str, list[str]]:
        """BPMN element ids of an instance by state (completed, active, waiting, error,
        cancelled), for marking its diagram. Reads only: no lock, the live cache untouched."""
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("instance", instance_id)
        return store.load_run(row, self.script_engine, self.calendar, clock.now()).element_states()

    def may_see_case(self, session: Session, actor: Actor, instance_id: int) -> bool:
        """Whether the actor may see a case (``access.may_see_case``)."""
        return access.may_see_case(session, actor, instance_id)

    def check_may_see_case(self, session: Session, actor: Actor, instance_id: int) -> None:
        """NotFound unless the actor may see the case."""
        access.check_may_see_case(session, actor, instance_id)

    def cancel(self, session: Session, instance_id: int, actor: Actor, reason: str,
               now: datetime | None = None) -> InstanceRecord:
        """Cancel an unfinished instance (managers), with a reason."""
        _require_manager(actor)
        now = now or clock.now()
        row, run, loaded = self._load(session, instance_id, now)
        if row.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
            raise InvalidState(f"instance {instance_id} is already {row.status}")
        run.cancel()
        row.status = InstanceStatus.CANCELLED
        row.finished_at = now
        self._save(session, row, run, actor.name, now, loaded=loaded, events=[trail.event(
            actor.name, "instance_cancelled", instance_id=row.id, now=now, reason=reason)])
        return self.show(session, row.id)

    def set_suspended(self, session: Session, instance_id: int, actor: Actor, suspended: bool,
                      reason: str, now: datetime | None = None) -> InstanceRecord:
        """Suspend (no timers fire, no task completes) or resume an instance."""
        _require_manager(actor)
        now = now or clock.now()
        row = store.lock_instance(session, instance_id)
        wanted_from = InstanceStatus.ACTIVE if suspended else InstanceStatus.SUSPENDED
        if row.status != wanted_from:
            raise InvalidState(f"instance {instance_id} is {row.status}")
        row.status = InstanceStatus.SUSPENDED if suspended else InstanceStatus.ACTIVE
        action = "instance_suspended" if suspended else "instance_resumed"
        self._save(session, row, None, actor.name, now, events=[trail.event(
            actor.name, action, instance_id=row.id, now=now, reason=reason)])
        return self.show(session, row.id)

    def retry(self, session: Session, instance_id: int, actor: Actor,
              now: datetime | None = None) -> InstanceRecord:
        """Run an instance's failed step again (after its cause was fixed)."""
        now = now or clock.now()
        row, run, loaded = self._load(session, instance_id, now)
        if row.status != InstanceStatus.INCIDENT:
            raise InvalidState(f"instance {instance_id} has no incident to retry")
        failed = run.failed_task_ids()
        row.error = None
        row.status = InstanceStatus.ACTIVE
        try:
            if failed:
                run.reset(failed[0])
            else:
                run.advance()
        except ScriptError as exc:
            row.error = exc.to_dict()
        self._save(session, row, run, actor.name, now, loaded=loaded, events=[trail.event(
            actor.name, "incident_retried", instance_id=row.id, now=now, ok=row.error is None)])
        return self.show(session, row.id)

    def record_incident(self, session: Session, instance_id: int, error: dict, source: str,
                        now: datetime | None = None) -> None:
        """Mark an instance as an incident after a background step failed outside any command
        (its state is left as it was saved); managers are told."""
        now = now or clock.now()
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            return
        row.status = InstanceStatus.INCIDENT
        row.error = {**error, "at": now.isoformat(), "source": source}
        self._save(session, row, None, source, now, events=[trail.event(
            source, "incident", instance_id=row.id, now=now, error=row.error)])

    # -- timers --------------------------------------------------------------------------------
    def fire_instance(self, session: Session, instance_id: int, now: datetime | None = None,
                      actor_name: str = "scheduler") -> int:
        """Fire one instance's due timers; returns how many fired (0: another sweeper has it,
        or nothing is due any more)."""
        now = now or clock.now()
        row = store.lock_due(session, instance_id, now)
        if row is None:
            return 0
        run, loaded = self._run(session, row, now)
        due = [t for t in run.waiting_timers() if t.due_at < now]   # Spiff fires strictly after
        run.advance()
        self._save(session, row, run, actor_name, now, loaded=loaded, events=[trail.event(
            actor_name, "timer_fired", instance_id=row.id, task_id=timer.task_id,
            bpmn_id=timer.bpmn_id, now=now, name=timer.name, due_at=timer.due_at)
            for timer in due])
        return len(due)

    def fire_due_timers(self, session_factory, now: datetime | None = None) -> int:
        """Fire every timer due at ``now``, one transaction per instance (``timers``)."""
        return timers.fire_due_timers(session_factory, self, now)

    def sweep(self, session_factory, now: datetime | None = None, smtp=None) -> dict:
        """One pass of the background work: closure days, timers, deadline steps, digests,
        the email outbox (``scheduler.sweep``); returns the counts."""
        return scheduler.sweep(session_factory, self, now, smtp)

    def start_scheduler(self, session_factory, interval: float | None = None,
                        blocking: bool = False):
        """Run ``sweep`` every ``interval`` seconds (default: the settings'), in a daemon
        thread or, ``blocking``, in this one until stopped; returns the scheduler."""
        return scheduler.start_scheduler(session_factory, self, interval, blocking)

    # -- migration -----------------------------------------------------------------------------
    def preview_migration(self, session: Session, process_id: str, to_version: int,
                          instance_ids: list[int] | None = None,
                          now: datetime | None = None) -> list[migrate.MigrationPlan]:
        """What migrating each running instance of a process would do; writes nothing."""
        now = now or clock.now()
        return [migrate.attempt(row, self._run_of(row, now), target)[0]
                for row, target in migrate.candidates(session, process_id, to_version,
                                                      instance_ids)]

    def migrate(self, session: Session, instance_id: int, to_version: int, actor: Actor,
                now: datetime | None = None) -> migrate.MigrationPlan:
        """Move one instance to another deployed version of its process, or refuse (a plan
        with ``ok`` False, nothing written). Its open tasks take the new version's titles,
        forms and groups; new tasks are created and notified like any other."""
        _require_process_owner(actor)
        now = now or clock.now()
        row, run, loaded = self._load(session, instance_id, now)
        target = migrate.target(session, row, to_version)
        plan, migrated = migrate.attempt(row, run, target)
        if not plan.ok:
            return plan
        row.definition_id, row.definition = target.id, target
        refresh = {t.id for t in store.open_tasks(session, row.id)}
        self._save(session, row, migrated, actor.name, now, loaded=loaded, refresh=refresh,
                   events=[trail.event(actor.name, "instance_migrated", instance_id=row.id,
                                       now=now, process_id=row.process_id,
                                       from_version=plan.from_version,
                                       to_version=plan.to_version, notes=plan.notes)])
        return plan

    def migrate_many(self, session_factory, instance_ids: list[int], to_version: int,
                     actor: Actor, now: datetime | None = None) -> list[migrate.MigrationPlan]:
        """Migrate each instance in its own transaction; one refusal never stops the others."""
        return migrate.migrate_many(session_factory, self, instance_ids, to_version, actor, now)

    # -- tasks ---------------------------------------------------------------------------------
    def task(self, session: Session, task_id: str, actor: Actor) -> TaskRecord:
        """A task the actor may see."""
        return task_record(self._visible_task(session, task_id, actor))

    def claim(self, session: Session, task_id: str, actor: Actor,
              now: datetime | None = None) -> TaskRecord:
        """Take an open task offered to one of the actor's groups."""
        task, row = self._locked_open_task(session, task_id, actor)
        check_can_claim(actor, task)
        return self._assign(session, row, task, actor, actor.name, "task_claimed", now)

    def unclaim(self, session: Session, task_id: str, actor: Actor,
                now: datetime | None = None) -> TaskRecord:
        """Give a claimed task back to its groups (its assignee or a manager)."""
        task, row = self._locked_open_task(session, task_id, actor)
        if task.assignee is None:
            raise InvalidState("task is not claimed")
        if task.assignee != actor.name and not actor.is_manager:
            raise NotAllowed(f"only {task.assignee} or a manager can release this task")
        return self._assign(session, row, task, actor, None, "task_unclaimed", now)

    def reassign(self, session: Session, task_id: str, actor: Actor, assignee: str | None,
                 reason: str, now: datetime | None = None) -> TaskRecord:
        """Managers give a task to someone else (or back to its groups), with a reason."""
        _require_manager(actor)
        task, row = self._locked_open_task(session, task_id, actor)
        return self._assign(session, row, task, actor, assignee, "task_reassigned", now,
                            previous=task.assignee, assignee=assignee, reason=reason)

    def _assign(self, session, row, task, actor, to, action, now, **detail) -> TaskRecord:
        now = now or clock.now()
        task_rows.update_task(session, task, assignee=to)
        self._save(session, row, None, actor.name, now, events=[trail.event(
            actor.name, action, instance_id=task.instance_id, task_id=task.id,
            bpmn_id=task.bpmn_id, now=now, **detail)])
        return task_record(task)

    def change_due_date(self, session: Session, task_id: str, actor: Actor, due_at: datetime,
                        reason: str, now: datetime | None = None) -> TaskRecord:
        """Move an open task's due time (managers and process owners), with a reason: the
        engine state keeps the new date, and reminders and escalations start again from it."""
        if not actor.is_manager and Role.PROCESS_OWNER.value not in actor.roles:
            raise NotAllowed("only managers can change a due date")
        if not (reason or "").strip():
            raise InputError("a reason is needed to change a due date")
        due_at, now = clock.as_utc(due_at), now or clock.now()
        task, row = self._locked_open_task(session, task_id, actor, check_visible=False)
        run, loaded = self._run(session, row, now)
        previous = task.due_at
        run.task(task.id).internal_data[DUE_KEY] = due_at.isoformat()
        self._save(session, row, run, actor.name, now, loaded=loaded, refresh={task.id},
                   events=[trail.event(actor.name, "due_date_changed",
                                       instance_id=task.instance_id, task_id=task.id,
                                       bpmn_id=task.bpmn_id, now=now, previous=previous,
                                       due_at=due_at, reason=reason.strip())])
        return task_record(task)

    def save_draft(self, session: Session, task_id: str, actor: Actor, data: dict) -> TaskRecord:
        """Keep a partly filled form on the task (checked, required fields not enforced)."""
        task = self._open_task(session, task_id, actor)
        check_can_complete(actor, task)
        task_rows.update_task(session, task, draft=validate_form(task.form.get("fields", []),
                                                                 data, partial=True))
        return task_record(task)

    def comment(self, session: Session, instance_id: int, actor: Actor, text: str,
                task_id: str | None = None, now: datetime | None = None) -> None:
        """Comment on a case the actor may see (optionally about one of its tasks)."""
        text = (text or "").strip()
        if not text:
            raise FormInvalid({"comment": "Enter a comment"})
        if len(text) > MAX_COMMENT:
            raise FormInvalid({"comment": f"Comment must be {MAX_COMMENT} characters or fewer"})
        access.check_may_see_case(session, actor, instance_id)
        task = self._visible_task(session, task_id, actor) if task_id else None
        if task is not None and task.instance_id != instance_id:
            raise NotFound("task", task_id)
        now = now or clock.now()
        row = store.lock_instance(session, instance_id)
        self._save(session, row, None, actor.name, now, events=[trail.event(
            actor.name, "comment", instance_id=instance_id, task_id=task_id,
            bpmn_id=task.bpmn_id if task else None, now=now, text=text)])

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
        access.check_may_see_task(session, actor, task)
        if row.status == InstanceStatus.SUSPENDED:
            raise InvalidState("this case is suspended")
        check_can_complete(actor, task)
        run, loaded = self._run(session, row, now)
        clean = validate_form(task.form.get("fields", []), data or {})
        try:
            run.complete(task.id, clean)
        except ScriptError as exc:
            row.error = exc.to_dict()
        task_rows.close(session, [task], TaskStatus.COMPLETED, now, by=actor.name)
        done = trail.event(actor.name, "task_completed", instance_id=row.id, task_id=task.id,
                           bpmn_id=task.bpmn_id, now=now, title=task.title, values=clean)
        saved = self._save(session, row, run, actor.name, now, loaded=loaded,
                           open_rows=open_rows, events=[done])
        return _instance_record(row, saved.open_tasks, saved.timers)

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
            row, run, loaded = self._load(session, instance_id, now)
            if row.status != InstanceStatus.ACTIVE:
                continue
            try:
                caught = run.deliver(name, payload, correlation)
            except ScriptError as exc:
                caught, row.error = True, exc.to_dict()
            if caught:
                self._save(session, row, run, actor.name, now, hops, loaded=loaded,
                           events=[trail.event(actor.name, "message_received",
                                               instance_id=row.id, now=now, message=name,
                                               payload=payload)])
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
            row, _ = self._start_row(session, definition, actor, {}, payload.get("case_ref"),
                                     now, message=(name, payload, correlation))
            started.append(row.id)
        return started

    # -- the one save --------------------------------------------------------------------------
    def _save(self, session, row, run, actor_name, now, hops=0, *, loaded=None, open_rows=None,
              refresh=frozenset(), events=()) -> store.Saved:
        """End a command: save the run (None: the workflow did not change) and the instance
        row under its version check, rewrite the projections, record and notify ``events``
        with those of the tasks the save created (and the incident, if the command made
        one), then route the messages the run threw."""
        outbox = run.outbox() if run is not None else []   # drained first: never sent twice
        saved = store.save(session, row, run, now, loaded=loaded, open_rows=open_rows,
                           refresh=refresh)
        events = [*events, *(trail.event(
            actor_name, "task_created", instance_id=row.id, task_id=task.id, bpmn_id=task.bpmn_id,
            now=now, title=task.title, groups=task.candidate_groups, assignee=task.assignee,
            due_at=task.due_at) for task in saved.created)]
        for task in saved.open_tasks or []:
            if task.id in saved.offered:
                events.append(trail.event(
                    actor_name, "task_offered", instance_id=row.id, task_id=task.id,
                    bpmn_id=task.bpmn_id, now=now, title=task.title,
                    groups=saved.offered[task.id], assignee=task.assignee, due_at=task.due_at))
        if run is not None and row.error and row.status == InstanceStatus.INCIDENT:
            events.append(trail.event(actor_name, "incident", instance_id=row.id, now=now,
                                      error=row.error))
        trail.record_and_notify(session, events)
        for name, payload, correlation in outbox:
            self._route(session, name, payload, correlation, Actor(actor_name), now, hops + 1)
        return saved

    # -- internals -----------------------------------------------------------------------------
    def _load(self, session, instance_id, now):
        """``(row, run, projection)`` of an instance, locked for this command."""
        row = store.lock_instance(session, instance_id)
        return (row, *self._run(session, row, now))

    def _run(self, session, row, now) -> tuple[ProcessRun, store.Projection]:
        """The run of a locked instance row and the projection it was loaded with, ready for a
        command: the calendar has the board's closure days and service tasks act in this
        transaction."""
        self.refresh_calendar(session)
        operations.bind(session, row.id, now)
        run = store.load_run(row, self.script_engine, self.calendar, now, session)
        return run, store.projection(run)

    def _run_of(self, row, now) -> ProcessRun:
        """A run to read or try things on, not to save (the live cache is left alone)."""
        return store.load_run(row, self.script_engine, self.calendar, now)

    def _locked_open_task(self, session, task_id, actor,
                          check_visible=True) -> tuple[HumanTask, ProcessInstance]:
        """An open task the actor may see and its instance row, locked and read afresh."""
        task = (self._open_task(session, task_id, actor) if check_visible
                else _task_row(session, task_id))
        row = store.lock_instance(session, task.instance_id)
        session.refresh(task)
        if task.status != TaskStatus.OPEN:
            raise InvalidState(f"task {task_id} is {task.status}")
        return task, row

    def _open_task(self, session, task_id, actor) -> HumanTask:
        task = self._visible_task(session, task_id, actor)
        if task.status != TaskStatus.OPEN:
            raise InvalidState(f"task {task_id} is {task.status}")
        return task

    def _visible_task(self, session, task_id, actor) -> HumanTask:
        task = _task_row(session, task_id)
        access.check_may_see_task(session, actor, task)
        return task


MAX_COMMENT = 5000
_TIMERS = (select(PendingTimer).where(PendingTimer.instance_id == bindparam("instance_id"))
           .order_by(PendingTimer.due_at))


def _require_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise NotAllowed("only managers can do this")


def _require_process_owner(actor: Actor) -> None:
    if not (actor.is_manager or Role.PROCESS_OWNER.value in actor.roles):
        raise NotAllowed("only process owners and managers can migrate cases")


def _task_row(session: Session, task_id) -> HumanTask:
    if not _is_task_id(task_id):
        raise NotFound("task", task_id)
    task = session.get(HumanTask, str(task_id))
    if task is None:
        raise NotFound("task", task_id)
    return task


def _is_task_id(value) -> bool:
    """Task ids are the engine's UUIDs; anything else names no task (and is never queried)."""
    try:
        return str(UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def _instance_record(row: ProcessInstance, tasks, timers) -> InstanceRecord:
    return InstanceRecord(
        id=row.id, process_id=row.process_id, definition_version=row.definition.version,
        reference=row.reference, status=row.status, data=row.data or {},
        started_by=row.started_by, started_at=row.started_at, finished_at=row.finished_at,
        error=row.error, tasks=[task_record(t) for t in tasks],
        timers=[TimerRecord(t.task_id, t.bpmn_id, t.name, t.kind, t.due_at, row.id)
                for t in timers])
