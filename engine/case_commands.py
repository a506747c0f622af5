"""The facade's commands on whole cases (``ProcessEngine`` mixes them in): start one, show
it, cancel, suspend or resume it, retry its failed step, record an incident; and the same over
a selection (``preview_batch``/``apply_batch``, one transaction per case). Each ends in the
engine's one save (``ProcessEngine._save``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Definition, HumanTask, PendingTimer, ProcessInstance
from models.dates import local_time
from models.status import InstanceStatus

from . import (access, batch, clock, closures, deployment, operations, references, regime,
               starting, storable, store, trail)
from .actors import Actor, require_manager
from .errors import InputError, InvalidState, NotFound, ScriptError
from .records import InstanceRecord, StartableRecord, TimerRecord, instance_record
from .run import ProcessRun


class CaseCommands:
    """Start, show, cancel, suspend, resume and retry cases."""

    batch_actions = batch.ACTIONS        # what ``preview_batch``/``apply_batch`` can do
    task_batch_actions = batch.TASK_ACTIONS      # and those with ``on="tasks"``

    def start(self, session: Session, process_id: str, actor: Actor, data: dict | None = None,
              reference: str | None = None, now: datetime | None = None) -> InstanceRecord:
        """Start the latest version of a process as a person (browser, API, CLI): the actor
        must be one of its starters (``access.may_start``) and ``data`` fill its start form
        (``starting.start_data``). A failing start writes nothing. The engine's own starts
        (messages, call activities, timer start events) do not come through here."""
        latest = session.execute(_LATEST_TO_START, {"process_id": process_id}).one_or_none()
        if latest is None:
            raise NotFound("process", process_id)
        definition, days, board = latest
        closures.read_with(session, days)
        access.check_may_start(actor, definition)
        if data is not None and not isinstance(data, dict):
            raise InputError("start data must be a JSON object")
        storable.check_input(data or {}, "start data")
        data = starting.start_data(session, actor, definition, data or {})
        references.check_start(session, reference, data)
        row, saved = self._start_row(session, definition, actor, data, reference,
                                     now or clock.now(), board=board)
        return instance_record(row, saved.open_tasks, saved.timers)

    def startable(self, session: Session, actor: Actor) -> list[StartableRecord]:
        """The processes the actor may start (latest versions), with their start forms."""
        return starting.startable(session, actor)

    def start_form(self, session: Session, process_id: str, actor: Actor) -> StartableRecord:
        """One process the actor may start, with its start form; NotAllowed if they may not."""
        definition = deployment.latest_definition(session, process_id)
        if definition is None:
            raise NotFound("process", process_id)
        access.check_may_start(actor, definition)
        return starting.startable_record(definition)

    def _start_row(self, session, definition, actor, data, reference, now, message=None,
                   board=None):
        # Read before the row exists: a query after the reference is set would flush it in an
        # UPDATE of its own, where the save's UPDATE writes it anyway.
        case_regime = regime.regime_for_new_case(session, data, board)
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
        data.update(case_regime)
        spec, subprocess_specs = store.specs_for(definition)
        run = ProcessRun.start(spec, subprocess_specs, self.script_engine, self.calendar,
                               data, now)
        run.advance()
        if message is not None and not run.deliver(*message):
            raise InvalidState(f"process {definition.process_id} did not accept message "
                               f"{message[0]!r}")
        row.title = references.clean_title(run.data.get("case_title") or definition.name
                                           or definition.process_id)
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
        return instance_record(row, store.open_tasks(session, row.id), [
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
        require_manager(actor)
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
        require_manager(actor)
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
              now: datetime | None = None, reason: str | None = None) -> InstanceRecord:
        """Run an instance's failed step again (after its cause was fixed). A step that fails
        again keeps the instance an incident, with the new error and time."""
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
        except ScriptError as exc:      # failed again: the incident stays, with this error
            row.error = {**exc.to_dict(), "at": now.isoformat(), "source": "retry"}
        self._save(session, row, run, actor.name, now, loaded=loaded, events=[trail.event(
            actor.name, "incident_retried", instance_id=row.id, now=now, ok=row.error is None,
            error=row.error, reason=reason)])
        return self.show(session, row.id)

    def resolve_incidents(self, session: Session, instance_ids, actor: Actor, action: str,
                          reason: str, now: datetime | None = None) -> list[InstanceRecord]:
        """Retry or cancel several incidents at once (managers), with one reason; every one
        must be an incident, else none is touched. Retried ones that fail again stay
        incidents (see each record's status)."""
        require_manager(actor)
        if action not in ("retry", "cancel"):
            raise InputError(f"unknown action {action!r}: retry or cancel")
        if not (reason or "").strip():
            raise InputError("a reason is needed: it is kept in each case's audit trail")
        ids = sorted({int(i) for i in instance_ids})
        if not ids:
            raise InputError("select at least one incident")
        for instance_id in ids:
            row = store.lock_instance(session, instance_id)
            if row.status != InstanceStatus.INCIDENT:
                raise InvalidState(f"instance {instance_id} is {row.status}, not an incident; "
                                   f"nothing was done")
        now, reason = now or clock.now(), reason.strip()
        if action == "cancel":
            return [self.cancel(session, i, actor, reason, now) for i in ids]
        return [self.retry(session, i, actor, now, reason) for i in ids]

    def preview_batch(self, session: Session, actor: Actor, action: str, ids, reason: str, *,
                      on: str = "cases", **params) -> list[batch.BatchItem]:
        """What ``action`` would do to each selected case (``on="tasks"``: each ticked task), or
        why it would skip it (managers); writes nothing. ``params``: ``group`` and/or
        ``assignee`` (reassign), ``due_at`` (due)."""
        require_manager(actor)
        if on == "tasks":
            return batch.preview_tasks(session, action, batch.check_tasks(action, ids, reason, params),
                                       params, clock.now(), self.calendar.tz)
        return batch.preview(session, action, batch.check(action, ids, reason, params), params,
                             clock.now(), self.calendar.tz)

    def apply_batch(self, session_factory, actor: Actor, action: str, ids, reason: str, *,
                    on: str = "cases", **params) -> list[batch.BatchItem]:
        """Apply ``action`` to each selected case (``on="tasks"``: each ticked task) in its own
        transaction, with one reason and an audit entry each; one refusal never stops the
        others (managers)."""
        require_manager(actor)
        if on == "tasks":
            return self._apply_to_tasks(session_factory, actor, action,
                                        batch.check_tasks(action, ids, reason, params),
                                        reason.strip(), params)
        ids, reason = batch.check(action, ids, reason, params), reason.strip()

        def run_one(session: Session, instance_id: int) -> tuple[str, bool]:
            if action in ("suspend", "resume"):
                record = self.set_suspended(session, instance_id, actor, action == "suspend", reason)
                return f"Now {InstanceStatus(record.status).value}", True
            if action == "cancel":
                self.cancel(session, instance_id, actor, reason)
                return "Now cancelled", True
            if action == "retry":
                record = self.retry(session, instance_id, actor, reason=reason)
                failed = record.status == InstanceStatus.INCIDENT
                return (f"Failed again: {(record.error or {}).get('message', '')}" if failed
                        else f"Now {InstanceStatus(record.status).value}"), not failed
            if action == "migrate":
                row = session.get(ProcessInstance, instance_id)
                version = batch.latest_version(session, row.process_id) if row else 0
                plan = self.migrate(session, instance_id, version, actor)
                return (f"Now on version {plan.to_version}" if plan.ok
                        else "Not moved: " + "; ".join(plan.reasons)), plan.ok
            tasks = batch.open_tasks(session, instance_id)
            if not tasks:
                return "No open task", False
            for task in tasks:
                self._change_task(session, task, actor, action, reason, params)
            done = ("due date changed" if action == "due" else f"given to {params['assignee']}"
                    if params.get("assignee") else f"offered to {params['group']}")
            return f"{len(tasks)} open task(s) {done}", True
        return batch.apply(session_factory, ids, run_one)

    def _apply_to_tasks(self, session_factory, actor, action, ids, reason, params):
        with session_factory() as session:
            to = batch.target(session, params) if action == "reassign" else None

        def run_one(session: Session, task: HumanTask) -> str:
            self._change_task(session, task, actor, action, reason, params)
            if action == "due":
                return f"Due {local_time(params['due_at'], self.calendar.tz)}"
            return f"Given to {to}" if params.get("assignee") else f"Offered to {to}"
        return batch.apply_tasks(session_factory, ids, run_one)

    def _change_task(self, session, task, actor, action, reason, params) -> None:
        if action == "reassign":
            group = params.get("group")
            self.reassign(session, task.id, actor, params.get("assignee"), reason,
                          groups=[group] if group else None)
        else:
            self.change_due_date(session, task.id, actor, params["due_at"], reason, confirmed=True)

    def set_data(self, session: Session, instance_id: int, actor: Actor, changes: dict,
                 reason: str, now: datetime | None = None) -> InstanceRecord:
        """Managers correct a case's data (say, the value that made a step fail, before a
        retry), with a reason; the audit trail keeps the values before and after."""
        require_manager(actor)
        if not isinstance(changes, dict) or not changes:
            raise InputError("give the case data to change as a JSON object of values")
        if not (reason or "").strip():
            raise InputError("a reason is needed to change case data")
        storable.check_input(changes, "case data")
        now = now or clock.now()
        row, run, loaded = self._load(session, instance_id, now)
        if row.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
            raise InvalidState(f"instance {instance_id} is {row.status}")
        before = run.set_data(changes)
        self._save(session, row, run, actor.name, now, loaded=loaded, events=[trail.event(
            actor.name, "instance_data_changed", instance_id=row.id, now=now, before=before,
            after=changes, reason=reason.strip())])
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



_TIMERS = (select(PendingTimer).where(PendingTimer.instance_id == bindparam("instance_id"))
           .order_by(PendingTimer.due_at))

# A start's first statement: the process's latest version (``deployment.latest_definition``)
# with the board's closure days (``closures.read_with``) and its regime, in one round trip.
_LATEST_TO_START = (select(Definition, closures.DAYS_TEXT, regime.BOARD_REGIME)
                    .where(Definition.process_id == bindparam("process_id"))
                    .order_by(Definition.version.desc()).limit(1))
