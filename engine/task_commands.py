"""The facade's commands on human tasks (``ProcessEngine`` mixes them in): look, claim,
release, reassign, move a due date, keep a draft, comment, complete. A task the actor may not
see answers "not found"; one they may see but not act on, "not allowed"."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session

from models import HumanTask, ProcessInstance, queries
from models.dates import long_date
from models.status import InstanceStatus, Role, TaskStatus

from . import access, clock, people, store, task_rows, trail
from .actors import Actor, check_can_claim, check_can_complete, require_manager
from .assignment import DUE_KEY, GROUPS_KEY
from .errors import FormInvalid, InputError, InvalidState, NotAllowed, NotFound, ScriptError
from .forms import draft_values, validate_form
from .records import InstanceRecord, TaskRecord, instance_record, task_record
from .writes import Writes

MAX_COMMENT = 5000


class TaskCommands:
    """Claim, release, reassign, re-date, draft, comment on and complete tasks."""

    def task(self, session: Session, task_id: str, actor: Actor) -> TaskRecord:
        """A task the actor may see."""
        return task_record(self._visible_task(session, task_id, actor), actor.name)

    def unassignable_tasks(self, session: Session, actor: Actor) -> list[TaskRecord]:
        """Open tasks no active person can act on, soonest due first (managers)."""
        require_manager(actor)
        return [task_record(t) for t in queries.open_tasks(session, unassignable=True)]

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
                 reason: str, now: datetime | None = None,
                 groups: list[str] | None = None) -> TaskRecord:
        """Managers give a task to someone else (or back to its groups), with a reason.

        ``groups``: offer it to these groups instead of those it had (e.g. a task nobody can
        act on); the case keeps them, so refreshing the task later does not undo it, and
        their members are told."""
        require_manager(actor)
        if assignee:
            people.require_active(session, assignee)
        if groups is not None:
            return self._regroup(session, task_id, actor, assignee, groups, reason, now)
        task, row = self._locked_open_task(session, task_id, actor)
        return self._assign(session, row, task, actor, assignee, "task_reassigned", now,
                            previous=task.assignee, assignee=assignee, reason=reason,
                            previous_groups=list(task.candidate_groups or []),
                            title=task.title, due_at=task.due_at)

    def _regroup(self, session, task_id, actor, assignee, groups, reason, now) -> TaskRecord:
        groups = list(dict.fromkeys(_group_slug(session, g) for g in groups))
        if not groups:
            raise InputError("choose a group to give the task to")
        now = now or clock.now()
        task, row = self._locked_open_task(session, task_id, actor)
        run, loaded = self._run(session, row, now)
        run.task(task.id).internal_data[GROUPS_KEY] = groups
        reassigned = trail.event(actor.name, "task_reassigned", instance_id=task.instance_id,
                                 task_id=task.id, bpmn_id=task.bpmn_id, now=now,
                                 previous=task.assignee, assignee=assignee, groups=groups,
                                 previous_groups=list(task.candidate_groups or []),
                                 reason=reason, title=task.title, due_at=task.due_at)
        task_rows.update_task(session, task, assignee=assignee)
        self._save(session, row, run, actor.name, now, loaded=loaded, refresh={task.id},
                   check=[task], events=[reassigned])
        return task_record(task)

    def _assign(self, session, row, task, actor, to, action, now, **detail) -> TaskRecord:
        now = now or clock.now()
        task_rows.update_task(session, task, assignee=to)
        self._save(session, row, None, actor.name, now, check=[task], events=[trail.event(
            actor.name, action, instance_id=task.instance_id, task_id=task.id,
            bpmn_id=task.bpmn_id, now=now, **detail)])
        return task_record(task, actor.name)

    def change_due_date(self, session: Session, task_id: str, actor: Actor, due_at: datetime,
                        reason: str, now: datetime | None = None,
                        confirmed: bool = False) -> TaskRecord:
        """Move an open task's due time (managers and process owners), with a reason: the
        engine state keeps the new date, and reminders and escalations start again from it.
        A date in the past, or after the one the process set for the task (a statutory
        timescale, often), is refused with ``InputError(field="confirm")`` unless
        ``confirmed``."""
        if not actor.is_manager and Role.PROCESS_OWNER.value not in actor.roles:
            raise NotAllowed("only managers can change a due date")
        if not (reason or "").strip():
            raise InputError("Enter a reason: it is kept in the case's audit trail", field="reason")
        due_at, now = clock.as_utc(due_at), now or clock.now()
        task, row = self._locked_open_task(session, task_id, actor, check_visible=False)
        if not confirmed:
            _check_new_due_date(due_at, now, queries.process_due_date(session, task), self.calendar.tz)
        run, loaded = self._run(session, row, now)
        previous = task.due_at
        run.task(task.id).internal_data[DUE_KEY] = due_at.isoformat()
        self._save(session, row, run, actor.name, now, loaded=loaded, refresh={task.id},
                   events=[trail.event(actor.name, "due_date_changed",
                                       instance_id=task.instance_id, task_id=task.id,
                                       bpmn_id=task.bpmn_id, now=now, previous=previous,
                                       due_at=due_at, reason=reason.strip())])
        return task_record(task, actor.name)

    def may_complete(self, actor: Actor, task: TaskRecord) -> bool:
        """The actor may act on this open task (complete it, keep a draft), not only see it."""
        try:
            check_can_complete(actor, task)
        except NotAllowed:
            return False
        return task.status == TaskStatus.OPEN

    def save_draft(self, session: Session, task_id: str, actor: Actor, data: dict,
                   now: datetime | None = None) -> TaskRecord:
        """Keep a partly filled form on the task exactly as typed, invalid values too (they are
        checked when the task is completed); the draft is its author's alone."""
        task = self._open_task(session, task_id, actor)
        check_can_complete(actor, task)
        values = draft_values(task.form.get("fields", []), data)
        saved_at = (now or clock.now()).isoformat()
        task_rows.update_task(session, task, draft={"by": actor.name, "values": values,
                                                    "saved_at": saved_at})
        return task_record(task, actor.name)

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
        fields = task.form.get("fields", [])
        clean = validate_form(fields, data or {}, groups=people.group_kinds(session, fields),
                              context=row.data or {}, today=self.board_today(now))
        try:
            run.complete(task.id, clean)
        except ScriptError as exc:
            row.error = exc.to_dict()
        writes = Writes(session)        # sent with the instance's UPDATE
        task_rows.close(session, [task], TaskStatus.COMPLETED, now, by=actor.name, writes=writes)
        done = trail.event(actor.name, "task_completed", instance_id=row.id, task_id=task.id,
                           bpmn_id=task.bpmn_id, now=now, title=task.title, values=clean)
        saved = self._save(session, row, run, actor.name, now, loaded=loaded,
                           open_rows=open_rows, events=[done], writes=writes)
        return instance_record(row, saved.open_tasks, saved.timers)


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


def _task_row(session: Session, task_id) -> HumanTask:
    if not _is_task_id(task_id):
        raise NotFound("task", task_id)
    task = session.get(HumanTask, str(task_id))
    if task is None:
        raise NotFound("task", task_id)
    return task


def _group_slug(session: Session, slug: str) -> str:
    """The slug of an existing group, else InputError (a person chose it)."""
    try:
        return people.group_by_slug(session, (slug or "").strip()).slug
    except NotFound:
        raise InputError(f"there is no group {slug!r}") from None


def _is_task_id(value) -> bool:
    """Task ids are the engine's UUIDs; anything else names no task (and is never queried)."""
    try:
        return str(UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def _check_new_due_date(due_at: datetime, now: datetime, set_by_process: datetime | None,
                        tz) -> None:
    """Refuse, pending confirmation, a due date in the past or after the process's own date."""
    if due_at < now:
        raise InputError("The new due date is in the past: the task becomes overdue at once. "
                         "Tick the box to confirm it", field="confirm")
    if set_by_process is not None and due_at > set_by_process:
        raise InputError("The new due date is after the date the process set for this task "
                         f"({long_date(set_by_process, tz)}), which may be a statutory timescale. "
                         "Tick the box to confirm it", field="confirm")
