"""Dry run a process (a draft or a deployed version) in memory, with no database writes.

The run starts with sample data at a chosen moment (the engine clock is frozen there), then
completes each user task with the answers given for it (or harmless defaults) until the process
ends, waits for a timer or message, fails, or ``max_steps`` tasks have been completed. The
result lists the path taken, every task it created (groups, due dates, form fields), the timers
and deadlines it set, the messages it would send and the service operations it called.

Asking (``ask=True``) stops instead at the first task given no answers, with that task's form
(prefilled with the defaults) for the person to answer, and with the errors of answers the form
refused: a person steps through the process one generated form at a time.

Service operations are simulated (``Simulated``): each call is checked against the real
operation's parameters and answered in the real result's shape, writing nothing; the LISG
summary reads the registers when the run is given a session to read them from.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from models.status import RunStatus

from models.learning_reports import lisg_summary

from . import clock
from .assignment import lane_group
from .calendar import WorkingCalendar
from .definitions import parse_definitions
from .errors import FormInvalid, NotFound, ScriptError
from .forms import GROUP_TYPES, group_choices, validate_form
from .operations import OPERATIONS
from .run import ProcessRun
from .scripting import make_script_engine
from .trail import jsonable

MAX_STEPS = 200


@dataclass(frozen=True)
class DryTask:
    """A user task the run created, and the answers it was completed with (if it was)."""

    step: int
    bpmn_id: str
    title: str
    groups: list[str]
    due_at: datetime | None
    follow_up_at: datetime | None
    fields: list[dict]
    answers: dict | None


@dataclass(frozen=True)
class DryTimer:
    """A timer the run armed, with its due time."""

    bpmn_id: str
    name: str
    due_at: datetime


@dataclass(frozen=True)
class DryCall:
    """A service operation the run called: its parameters and the simulated result."""

    operation: str
    params: dict
    result: dict


@dataclass
class DryRun:
    """The outcome of a dry run; ``asking`` is the task waiting for answers (asking runs), with
    ``errors`` (field id -> message) for the answers its form refused."""

    path: list[str] = field(default_factory=list)
    tasks: list[DryTask] = field(default_factory=list)
    timers: list[DryTimer] = field(default_factory=list)
    messages: list[tuple[str, dict]] = field(default_factory=list)
    calls: list[DryCall] = field(default_factory=list)
    states: dict[str, list[str]] = field(default_factory=dict)
    outcome: str = ""
    data: dict = field(default_factory=dict)
    asking: DryTask | None = None
    errors: dict[str, str] = field(default_factory=dict)


# The CDOP register's answers in a dry run: the case is referred for the first time, no other
# death shares a pattern, the year's figures are all zero.
SIMULATED_CDOP = {
    "cdop.notify": {"board": "simulated"}, "cdop.refer": {"first": True},
    "cdop.pattern_deaths": {"theme": "", "theme_name": "simulated", "count": 0, "deaths": [],
                            "modifiable": {}},
    "report.cdop_annual": {"year": "simulated", "url": "/reports/cdop", "notified": 0,
                           "reviewed": 0, "preventable_percent": None, "pattern_alerts": 0,
                           "themed_reports": 0, "over_six_months": 0}}


class Simulated:
    """Stand-ins for the engine's service operations that write nothing. A call whose
    parameters the real operation would refuse fails as it would; the others answer in the
    real result's shape (``id`` numbered from 1, ``simulated`` true); ``report.lisg_summary``
    reads the registers through ``session`` when there is one."""

    def __init__(self, calls: list[DryCall], session=None):
        self.calls, self.session = calls, session

    def services(self) -> dict:
        """Operation name -> its stand-in, for the run's script engine."""
        return {name: (lambda name=name, **params: self.call(name, params)) for name in OPERATIONS}

    def call(self, name: str, params: dict) -> dict:
        """The simulated result of ``name(**params)``, recorded in ``calls``."""
        try:
            inspect.signature(OPERATIONS[name].__wrapped__).bind(None, None, **params)
        except TypeError as exc:
            raise ScriptError(f"service operation {name!r} refuses its parameters: {exc}") from None
        result = {"id": len(self.calls) + 1, "simulated": True, **self._shape(name, params)}
        self.calls.append(DryCall(name, dict(params), result))
        return result

    def _shape(self, name: str, params: dict) -> dict:
        if name == "learning.open_action":
            return {"plan_id": 1, "due_date": params.get("due_date")}
        if name == "report.lisg_summary":
            end = clock.now()
            start = end - timedelta(days=round(30.44 * int(params.get("months", 6))))
            figures = lisg_summary(self.session, start, end) if self.session is not None else {}
            return {**figures, "period_start": start.date(), "period_end": end.date(),
                    "url": f"/reports/lisg?start={start.date()}&end={end.date()}"}
        if name in SIMULATED_CDOP:
            return dict(SIMULATED_CDOP[name])
        return {"status": "simulated"} if name.startswith("learning.") else {}


def dry_run(files: Mapping[str, bytes], process_id: str, *, start_data: dict | None = None,
            answers: Mapping[str, dict] | None = None, start_at: datetime | None = None,
            max_steps: int = 25, calendar: WorkingCalendar | None = None,
            lane_groups: Mapping[str, str] | None = None,
            groups: Mapping[str, str] | None = None, ask: bool = False,
            session=None) -> DryRun:
    """Run ``process_id`` from ``files`` in memory; ``answers`` maps task bpmn id -> form values;
    ``groups`` (slug -> kind) are the groups that group fields accept; ``ask`` stops at the
    first task given no answers; ``session`` is read (never written) by simulated operations.

    Raises DefinitionError when the files do not parse, NotFound for an unknown process id.
    """
    parsed = parse_definitions(files)
    if process_id not in parsed:
        raise NotFound("process", process_id)
    calendar = calendar or WorkingCalendar()
    now = clock.as_utc(start_at) if start_at else clock.now()
    result = DryRun()
    with clock.frozen(now):
        services = Simulated(result.calls, session).services()
        run = ProcessRun.start(parsed[process_id].spec, parsed[process_id].subprocess_specs,
                               make_script_engine(calendar=calendar, services=services), calendar,
                               dict(start_data or {}), now)
        try:
            run.advance()
            result.outcome = _steps(run, result, answers or {}, min(max_steps, MAX_STEPS),
                                    lane_groups or {}, groups or {}, ask)
        except (ScriptError, FormInvalid) as exc:
            result.outcome = f"stopped: {exc.message}"
        except WorkflowException as exc:          # a service task's failure, as Spiff wraps it
            cause = exc.__cause__ if isinstance(exc.__cause__, ScriptError) else exc
            result.outcome = f"stopped: {getattr(cause, 'message', None) or cause}"
        _collect(run, result)
    return result


def _steps(run: ProcessRun, result: DryRun, answers: Mapping, max_steps: int, lanes,
           groups: Mapping[str, str], ask: bool) -> str:
    for step in range(1, max_steps + 1):
        _note_timers(run, result)
        ready = run.ready_tasks()
        if not ready:
            return _where(run)
        task = ready[0]
        fields = task.form.get("fields", [])
        given = answers.get(task.bpmn_id)
        values = {**default_answers(fields, run.now, groups), **dict(given or {})}
        offered = task.candidate_groups or ([lane_group(task.lane, lanes.get(task.lane))]
                                            if task.lane else [])
        dry_task = DryTask(step, task.bpmn_id, task.title, offered, task.due_at,
                           task.follow_up_at, fields, values)
        if ask and given is None:
            result.asking = dry_task
            return f"waiting: for your answers to {task.title!r}"
        result.tasks.append(dry_task)
        try:
            clean = validate_form(fields, values, groups=groups)
        except FormInvalid as exc:
            if ask:
                result.asking, result.errors = dry_task, dict(exc.errors)
                return f"waiting: your answers to {task.title!r} need correcting"
            raise FormInvalid({f"{task.bpmn_id}.{k}": v for k, v in exc.errors.items()}) from None
        run.complete(task.id, clean)
    _note_timers(run, result)
    return f"stopped after {max_steps} task(s); more steps remain"


def default_answers(fields: list[dict], now: datetime,
                    groups: Mapping[str, str] | None = None) -> dict:
    """Harmless values that pass each field's checks (defaults, first option, minimums, the
    first group offered)."""
    values = {}
    for f in fields:
        rules = f.get("validation") or {}
        offered = group_choices(f, groups or {})[:1] if f["type"] in GROUP_TYPES else []
        if f.get("default") not in (None, ""):
            values[f["id"]] = f["default"]
        elif f["type"] in GROUP_TYPES:
            values[f["id"]] = offered if f["type"] == "groups" else "".join(offered)
        elif f["type"] == "enum" and f.get("options"):
            values[f["id"]] = f["options"][0]["id"]
        elif f["type"] == "boolean":
            values[f["id"]] = "false"
        elif f["type"] in ("long", "number"):
            values[f["id"]] = str(rules.get("min") or 1)
        elif f["type"] == "date":
            values[f["id"]] = now.date().isoformat()
        else:
            values[f["id"]] = "dry run".ljust(int(rules.get("minlength") or 0), ".")
    return values


def _where(run: ProcessRun) -> str:
    if run.status == RunStatus.COMPLETED:
        return "finished: the process reached its end"
    timers = run.waiting_timers()
    waits = run.message_waits()
    if timers:
        first = min(timers, key=lambda t: t.due_at)
        return f"waiting: timer {first.bpmn_id!r} is due at {first.due_at.isoformat()}"
    if waits:
        return f"waiting: for message {waits[0].name!r}"
    return "waiting: no task is ready"


def _note_timers(run: ProcessRun, result: DryRun) -> None:
    known = {(t.bpmn_id, t.due_at) for t in result.timers}
    for timer in run.waiting_timers():
        if (timer.bpmn_id, timer.due_at) not in known:
            result.timers.append(DryTimer(timer.bpmn_id, timer.name, timer.due_at))


def _collect(run: ProcessRun, result: DryRun) -> None:
    done = [t for t in run.workflow.get_tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None)]
    done.sort(key=lambda t: t.last_state_change)
    result.path = [t.task_spec.bpmn_id for t in done]
    result.messages = [(name, payload) for name, payload, _ in run.outbox()]
    result.states = run.element_states()
    result.data = jsonable(run.data)
