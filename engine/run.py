"""ProcessRun: one BpmnWorkflow being advanced, inspected and acted on (no database, no Flask)."""
from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from models.status import RunStatus

from . import clock, storable
from .errors import EngineError, InvalidState, NotFound, ScriptError
from .records import TimerRecord

MAX_ROUNDS = 200


@dataclass(frozen=True)
class ReadyTask:
    """What the store needs to project one READY user task into a HumanTask row."""

    id: str
    bpmn_id: str
    title: str
    documentation: str
    lane: str | None
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: str | None
    due_at: datetime | None
    follow_up_at: datetime | None
    priority: int | None
    form: dict


@dataclass(frozen=True)
class MessageWait:
    """A message catch event waiting, with the correlation values it will require."""

    name: str
    correlation: dict


@contextlib.contextmanager
def spiff_errors():
    """Turn SpiffWorkflow exceptions raised in the block into ScriptError / EngineError."""
    try:
        yield
    except EngineError:
        raise
    except SpiffWorkflowException as exc:
        raise translate(exc) from exc


def translate(exc: SpiffWorkflowException) -> EngineError:
    """The EngineError that says what a SpiffWorkflow exception means, with element and line."""
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    line = getattr(exc, "line_number", None) or None
    cause = exc.__context__          # what the script engine wrapped
    if isinstance(cause, ScriptError) and cause.context.get("variable"):   # unstorable value
        return ScriptError(cause.message, element_id=element, variable=cause.context["variable"],
                           line=line if isinstance(line, int) else None)
    message = str(getattr(exc, "error_type", "") or "") or "Error"
    detail = exc.args[0] if exc.args else str(exc)
    return ScriptError(f"{message}: {detail}" if message != "Error" else str(detail),
                       element_id=element, line=line if isinstance(line, int) else None)


class ProcessRun:
    """Wraps one BpmnWorkflow: advance it, read its ready tasks, timers and messages, act on it.

    Every method that changes the workflow runs inside the engine clock given to the constructor,
    so due times are fixed and timers fire as if the clock read ``now``.
    """

    def __init__(self, workflow: BpmnWorkflow, script_engine, calendar, now: datetime | None = None):
        self.workflow = workflow
        self.workflow.script_engine = script_engine   # never trust a deserialized engine
        self.calendar = calendar
        self.now = now or clock.now()

    @classmethod
    def start(cls, spec, subprocess_specs, script_engine, calendar, data=None, now=None):
        """A new workflow for ``spec``, with ``data`` placed on its start, not yet advanced."""
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        run = cls(workflow, script_engine, calendar, now)
        if data:
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        return run

    # -- acting --------------------------------------------------------------------------------
    def advance(self) -> None:
        """Fire due timers and run engine tasks until only people, timers or messages remain."""
        try:
            with clock.frozen(self.now), spiff_errors():
                for _ in range(MAX_ROUNDS):
                    self.workflow.refresh_timers()
                    self.workflow.do_engine_steps(did_complete_task=_check_output)
                    ready = self._in_state(TaskState.READY)
                    if not any(not t.task_spec.manual for t in ready):
                        break
        except _Unstorable as bad:
            raise self._fail(bad.task, bad.variable, bad.reason) from None
        for task in self._in_state(TaskState.ERROR):
            raise ScriptError("a step failed and is waiting for a retry",
                              element_id=task.task_spec.bpmn_id)

    def complete(self, task_id: str, data: dict) -> None:
        """Complete a READY user task with (already validated) data, then advance."""
        task = self.task(task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise InvalidState(f"task {task_id} is not waiting for a person")
        with clock.frozen(self.now), spiff_errors():
            task.data.update(data)
            task.run()
        self.advance()

    def deliver(self, name: str, payload: dict, correlation: dict | None = None) -> bool:
        """Give a message to this workflow; False when no waiting catch takes it."""
        for task in self._message_catches(name):
            definition = task.task_spec.event_definition
            with clock.frozen(self.now), spiff_errors():
                keys = definition.calculate_correlations(
                    self.workflow.script_engine, definition.correlation_properties, payload)
                for props in keys.values():
                    props.update({k: v for k, v in (correlation or {}).items() if k in props})
                event = BpmnEvent(definition, payload=payload, correlations=keys)
                if not definition.catches(task, event):
                    continue
                self.workflow.send_event(event)
            self.advance()
            return True
        return False

    def outbox(self) -> list[tuple[str, dict, dict]]:
        """Messages thrown that no catch inside this workflow took: (name, payload, correlation)."""
        events = self.workflow.get_events()
        return [(e.event_definition.name, dict(e.payload or {}), _flatten(e.correlations))
                for e in events if isinstance(e.event_definition, MessageEventDefinition)]

    def cancel(self) -> None:
        """Cancel every unfinished task."""
        with spiff_errors():
            self.workflow.cancel()

    def reset(self, task_id: str) -> None:
        """Put an errored task back to ready to run again with its data (corrected by
        ``set_data``, if it was), then advance."""
        task = self.task(task_id)
        with clock.frozen(self.now), spiff_errors():
            self.workflow.reset_from_task_id(task.id, data=copy.deepcopy(task.data))
        self.advance()

    def set_data(self, changes: dict) -> dict:
        """Correct case data: set ``changes`` on every task the case goes on from (ready,
        waiting, failed) and on the last completed one; returns the values they replace."""
        before = self.data
        tasks = self._in_state(TaskState.READY | TaskState.WAITING | TaskState.ERROR)
        if self.workflow.last_task is not None:
            tasks.append(self.workflow.last_task)
        for task in tasks:
            task.data.update(copy.deepcopy(changes))
        return {key: before.get(key) for key in changes}

    def _fail(self, task, variable: str, reason: str) -> ScriptError:
        """Make a step whose output cannot be stored a failed step (an incident): what it led
        to is undone and it waits, with the data it started from, for a correction and retry."""
        with clock.frozen(self.now):
            self.workflow.reset_from_task_id(task.id)
        task._set_state(TaskState.ERROR)
        return ScriptError(f"variable '{variable}' {reason}", element_id=task.task_spec.bpmn_id,
                           variable=variable.split(".")[0].split("[")[0])

    # -- reading -------------------------------------------------------------------------------
    def failed_task_ids(self) -> list[str]:
        """Ids of the tasks whose step failed (an incident), in workflow order."""
        return [str(t.id) for t in self._in_state(TaskState.ERROR)]

    def task(self, task_id: str):
        """The Spiff task with this id (also inside call activities), or NotFound."""
        try:
            found = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, KeyError, TaskNotFoundException):
            found = None
        if found is None:
            raise NotFound("task", task_id)
        return found

    def ready_tasks(self) -> list[ReadyTask]:
        """Every READY user/manual task, with assignment evaluated and due dates fixed."""
        tasks = [t for t in self._in_state(TaskState.READY) if t.task_spec.manual]
        with clock.frozen(self.now):
            return [self._ready(t) for t in tasks]

    def waiting_timers(self) -> list[TimerRecord]:
        """Every waiting timer with its due time (aware UTC)."""
        timers = []
        for task in self._in_state(TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            due = _due_value(task.internal_data.get("event_value"))
            if isinstance(definition, TimerEventDefinition) and due is not None:
                timers.append(TimerRecord(str(task.id), task.task_spec.bpmn_id,
                                          definition.name or "", type(definition).__name__, due))
        return timers

    def fired(self, timers) -> list[TimerRecord]:
        """Those of ``timers`` (waiting when the run was loaded) that have fired since: their
        tasks completed. A timer cancelled with the task it was attached to did not fire."""
        fired = []
        for timer in timers:
            try:
                task = self.workflow.get_task_from_id(UUID(timer.task_id))
            except TaskNotFoundException:        # gone with its subprocess: did not fire here
                continue
            if task.state == TaskState.COMPLETED:
                fired.append(timer)
        return fired

    def message_waits(self) -> list[MessageWait]:
        """Every message catch waiting, with the correlation it requires ({} = any)."""
        waits = []
        for task in self._waiting_catches():
            definition = task.task_spec.event_definition
            keys = {k for p in definition.correlation_properties for k in p.correlation_keys}
            required = {k: v for k, v in self.workflow.correlations.items() if k in keys}
            waits.append(MessageWait(definition.name, _flatten(required)))
        return waits

    @property
    def status(self) -> RunStatus:
        """Completed, stopped on a failed step (error), or active."""
        if self.workflow.is_completed():
            return RunStatus.COMPLETED
        if self._in_state(TaskState.ERROR):
            return RunStatus.ERROR
        return RunStatus.ACTIVE

    @property
    def data(self) -> dict:
        """The case data as it stands: the workflow's data at the end, else the last completed
        task's data overlaid with that of every ready or waiting task (called processes too)."""
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        merged = dict(self.workflow.last_task.data) if self.workflow.last_task else {}
        for task in self._in_state(TaskState.READY | TaskState.WAITING):   # incl. called processes
            merged.update(task.data)
        return merged

    def element_states(self) -> dict[str, list[str]]:
        """bpmn ids by state, for marking a diagram: completed, active, waiting, error, cancelled."""
        states = {"completed": set(), "active": set(), "waiting": set(), "error": set(),
                  "cancelled": set()}
        names = {TaskState.COMPLETED: "completed", TaskState.READY: "active",
                 TaskState.STARTED: "active", TaskState.WAITING: "waiting",
                 TaskState.ERROR: "error", TaskState.CANCELLED: "cancelled"}
        for task in self._all_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id and task.state in names:
                states[names[task.state]].add(bpmn_id)
        return {k: sorted(v) for k, v in states.items()}

    # -- internals -----------------------------------------------------------------------------
    def _all_tasks(self):
        """Every task of the workflow and its subprocesses (plain dict walks: fast)."""
        yield from self.workflow.tasks.values()
        for subprocess in self.workflow.subprocesses.values():
            yield from subprocess.tasks.values()

    def _in_state(self, mask: int) -> list:
        return [t for t in self._all_tasks() if t.state & mask]

    def _waiting_catches(self):
        for task in self._in_state(TaskState.WAITING):
            if isinstance(getattr(task.task_spec, "event_definition", None), MessageEventDefinition):
                yield task

    def _message_catches(self, name: str):
        return [t for t in self._waiting_catches() if t.task_spec.event_definition.name == name]

    def _ready(self, task) -> ReadyTask:
        from .assignment import resolve
        return resolve(task, self.workflow.script_engine, self.calendar, self.now)


class _Unstorable(Exception):
    """A step left a value in its data that cannot be stored (``storable``)."""

    def __init__(self, task, variable: str, reason: str):
        super().__init__(f"{variable} {reason}")
        self.task, self.variable, self.reason = task, variable, reason


def _check_output(task) -> None:
    """After an engine step: its data must be storable (scripts check their own variables;
    this catches decisions, multi-instance outputs, payloads and values changed in place)."""
    found = storable.problem(task.data)
    if found is not None:
        raise _Unstorable(task, *found)


def _due_value(value) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return clock.as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _flatten(correlations: dict) -> dict:
    flat = {}
    for props in (correlations or {}).values():
        flat.update(props)
    return dict(sorted(flat.items()))
