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

from sqlalchemy.orm import Session

from models.status import InstanceStatus

from . import clock, closures, notify, operations, store, trail, unassignable
from .action_plans import PlanCommands
from .actors import Actor
from .admin_commands import AdminCommands
from .calendar import WorkingCalendar
from .case_commands import CaseCommands
from .definition_commands import DefinitionCommands
from .event_commands import EventCommands
from .report_commands import ReportCommands
from .run import ProcessRun
from .scripting import make_script_engine
from .settings import DEFAULTS, Settings
from .task_commands import TaskCommands


class ProcessEngine(CaseCommands, TaskCommands, EventCommands, DefinitionCommands,
                    AdminCommands, ReportCommands, PlanCommands):
    """The one way in: every command on cases (``CaseCommands``), tasks (``TaskCommands``),
    timers and messages (``EventCommands``), diagrams and migrations
    (``DefinitionCommands``), people and tokens (``AdminCommands``), what reports draw from
    (``ReportCommands``), whole action plans' follow-up (``PlanCommands``); the commands that
    change a case end in ``_save``."""

    def __init__(self, calendar: WorkingCalendar | None = None, services: Mapping | None = None,
                 limits=None, settings: Settings | None = None):
        self.settings = settings or DEFAULTS
        self.calendar = calendar or self.settings.calendar()
        services = {**operations.OPERATIONS, **(services or {})}   # learning loop operations
        self.script_engine = make_script_engine(calendar=self.calendar, services=services,
                                                limits=limits)
        self.stuck_checked_at = None     # the sweep's last consistency check (consistency.py)

    def refresh_calendar(self, session: Session) -> bool:
        """Bring the calendar's closure days up to date with the database before a command
        computes dates; one read per transaction at most. True when they changed."""
        return closures.sync_calendar(session, self.calendar)

    def board_today(self, now: datetime | None = None):
        """The board's date at ``now`` (default: the clock), in its own time zone: what a
        form's ``not_after=today`` rule compares with."""
        return (now or clock.now()).astimezone(self.calendar.tz).date()

    # -- the one save --------------------------------------------------------------------------
    def _save(self, session, row, run, actor_name, now, hops=0, *, loaded=None, open_rows=None,
              refresh=frozenset(), events=(), check=(), writes=None) -> store.Saved:
        """End a command: save the run (None: the workflow did not change) and the instance
        row under its version check, rewrite the projections, record and notify ``events``
        with those of the tasks the save created (and the incident, if the command made
        one), then route the messages the run threw. ``writes``: the command's own task row
        writes, still waiting to go with the instance's UPDATE (``engine/writes.py``).

        The task rows the save created or refreshed, and those in ``check`` (the command
        changed who has them), are checked for someone active to act on them: one with
        nobody is reported at once (``unassignable``)."""
        outbox = run.outbox() if run is not None else []   # drained first: never sent twice
        failed_now = run is not None and store.error_changed(row)    # not an older incident
        told = {}

        def concerned(saved):    # the save's tasks and events, before it writes the instance
            told["events"] = [
                *events, *_fired_on_the_way(actor_name, row, run, loaded, events, now),
                *(_offered(actor_name, "task_created", task, task.candidate_groups, now)
                  for task in saved.created),
                *(_offered(actor_name, "task_offered", task, saved.offered[task.id], now)
                  for task in saved.open_tasks or [] if task.id in saved.offered)]
            told["tasks"] = [*saved.created,
                             *(task for task in saved.open_tasks or [] if task.id in refresh),
                             *check]
            return notify.concerned(told["tasks"], told["events"])

        saved = store.save(session, row, run, now, loaded=loaded, open_rows=open_rows,
                           refresh=refresh, writes=writes, concerned=concerned)
        events, tasks, people = told["events"], told["tasks"], saved.people  # who can act
        if failed_now and row.error and row.status == InstanceStatus.INCIDENT:
            events.append(trail.event(actor_name, "incident", instance_id=row.id, now=now,
                                      error=row.error))
        events += unassignable.check(session, tasks, actor_name, now, people)   # and who hears
        trail.record_and_notify(session, events, people)
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


def _fired_on_the_way(actor_name, row, run, loaded, events, now) -> list[dict]:
    """``timer_fired`` events for the timers a command fired while advancing the case (a
    person's completion reaching a timer already due, before the sweep came to it); the
    sweep's own firing (``fire_instance``) names its timers itself."""
    if run is None or loaded is None:
        return []
    named = {e["task_id"] for e in events if e["action"] == "timer_fired"}
    return [trail.event(actor_name, "timer_fired", instance_id=row.id, task_id=t.task_id,
                        bpmn_id=t.bpmn_id, now=now, name=t.name, due_at=t.due_at)
            for t in run.fired(loaded.timers) if t.task_id not in named]


def _offered(actor_name, action, task, groups, now) -> dict:
    """The audit event of a task offered to ``groups`` (a new task, or more groups for one),
    which tells their members (``notify``)."""
    return trail.event(actor_name, action, instance_id=task.instance_id, task_id=task.id,
                       bpmn_id=task.bpmn_id, now=now, title=task.title, groups=groups,
                       assignee=task.assignee, due_at=task.due_at)
