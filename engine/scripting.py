"""The one sandbox for every script, condition, timer, DMN cell, MI expression and message payload.

Diagram code is hostile input. ``make_script_engine`` builds SpiffWorkflow's script engine around
``RestrictedEnvironment``, which compiles with RestrictedPython under ``sandbox.SandboxPolicy``
and runs within ``ScriptLimits``. The script engine is not serialized with a workflow:
``ProcessRun`` sets it on every workflow it wraps, so a deserialized one never runs the
library's unrestricted default.

Names available to authors, besides plain Python expressions, comprehensions, f-strings and
``def``/``lambda``:
- builtins: ``abs all any bool callable chr complex dict divmod enumerate filter float frozenset
  hash hex int isinstance issubclass len list map max min oct ord pow range repr reversed round
  set slice sorted str sum tuple zip`` and the ``Exception`` classes (``range``, ``pow`` and
  ``round`` are size-checked; ``sum`` adds numbers only);
- dates: ``datetime date timedelta timezone``; ``now()`` is the engine clock (aware UTC) and
  ``today()`` the board's local date; ``datetime.now()``/``date.today()`` also read the engine
  clock, in the board's time zone when no ``tz`` is given;
- working days (calendar of the board; results are aware ISO-8601 UTC strings, usable directly
  as a timer ``timeDate`` or a due date): ``working_days(n, start=None)``,
  ``working_days_between(a, b)``, ``is_working_day(day=None)``, ``deadline(text, start=None)``
  (``text`` in the syntax of ``engine.calendar``), ``next_round(months, year_start, after=None)``
  (the next round of a board cycle anchored to the year starting in month ``year_start``: 4 for
  the business year, 9 for the school year). ``start``/``a``/``b``/``after`` accept a datetime,
  a date (17:00 board time) or an ISO string; None means now.
Each evaluation stops with a ``ScriptError`` past its ``ScriptLimits`` (defaults: 1 s, 1,000,000
loop iterations or calls, 1,000,000 items or characters built by one operation, 100,000-bit
integers, 256 MB of memory growth). Code that is not trivial (``engine/trivial.py``: anything
that one C-level call could make slow or huge) runs in a worker process whose CPU time and
address space are limited by the kernel (``engine/script_workers.py``); task data, the board
calendar and the engine clock's ``now`` are passed to it and the value or updated task data
come back. Trivial code (most conditions, literal groups, ``x = y``) runs here, without the
round trip. Values a script leaves in the task data are sized as they would be stored (a list
repeating one big list counts in full). Not available: imports, names or attributes starting with
``_``, ``str.format`` (use f-strings), ``getattr``/``type``/``vars``/``globals``/``open``/``iter``,
class definitions, ``d.x += 1``.
"""
from __future__ import annotations

import builtins
import json
import pickle
import traceback
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from RestrictedPython import PrintCollector
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import clock, script_workers, storable
from .calendar import WorkingCalendar
from .errors import EngineError, ScriptError
from .sandbox import (FILENAME, Budget, LimitExceeded, ScriptLimits, ScriptRefused,
                      compile_code, expanded_size, restricted_builtins)
from .trivial import is_trivial

__all__ = ["RestrictedEnvironment", "SandboxedScriptEngine", "ScriptLimits", "check_expression",
           "check_script", "make_script_engine", "render_template"]

_STATIC_GUARDS = {
    "_getitem_": lambda obj, key: obj[key], "_write_": full_write_guard, "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence, "_print_": PrintCollector,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),
    "__name__": "diagram_script",
}


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment running diagram code under RestrictedPython with limits.

    ``evaluate``/``execute`` keep ``TaskDataEnvironment``'s contract: names resolve from the task
    data, then external context (DMN inputs, data objects), then the helpers; errors propagate
    as Python raised them (``SyntaxError`` with its line, run-time errors with a ``<string>``
    frame) so SpiffWorkflow reports line numbers. Sandbox refusals and stops are ``ScriptError``
    with ``line`` set. Unlike the default, a failing script leaves the task data untouched.
    ``workers=False`` runs all code in this process (the worker processes themselves do).
    """

    def __init__(self, calendar: WorkingCalendar | None = None,
                 services: Mapping | None = None, limits: ScriptLimits | None = None,
                 workers: bool = True):
        self.calendar = calendar or WorkingCalendar()
        self.services = dict(services or {})
        self.limits = limits or ScriptLimits()
        self.workers = workers
        super().__init__({"__builtins__": self._builtins()})
        self._static = {**_STATIC_GUARDS, **self.globals}
        self._clock_methods = self._clock_overrides()

    def evaluate(self, expression, context, external_context=None):
        """The value of the Python expression ``expression`` over ``context``."""
        code = self._compile(expression, "eval")
        if not self.workers or is_trivial(expression, "eval"):
            return self._evaluate_here(code, context, external_context)
        return self._in_worker("eval", expression, context, external_context)

    def execute(self, script, context, external_context=None):
        """Run ``script`` over ``context``; on success copy its plain variables back into it."""
        code = self._compile(script, "exec")
        if not self.workers or is_trivial(script, "exec"):
            return self._execute_here(code, context, external_context or {})
        updated = self._in_worker("exec", script, context, external_context)
        context.clear()
        context.update(updated)
        return True

    def _evaluate_here(self, code, context, external_context):
        budget = Budget(self.limits, self._clock_methods)
        namespace = {**(external_context or {}), **context, **self._static, **budget.guards()}
        return self._run(budget, eval, code, namespace)

    def _execute_here(self, code, context, external_context):
        clashes = set(external_context).intersection(context)
        if clashes:     # as TaskDataEnvironment.check_for_overwrite
            raise ValueError(f"You have task data that overwrites a predefined function(s). "
                             f"Please change the following variable or field name(s) to "
                             f"something else: {clashes}")
        budget = Budget(self.limits, self._clock_methods)
        namespace = {**context, **external_context, **self._static, **budget.guards()}
        self._run(budget, exec, code, namespace)
        _check_storable(namespace, context, external_context, self.limits)
        for key in [k for k in context if k not in namespace]:
            del context[key]                      # the script said `del key`
        for key, value in namespace.items():
            if key.startswith("_") or key in external_context:
                continue
            if callable(value):
                context.pop(key, None)            # as Spiff: functions never become task data
            else:
                context[key] = value
        return True

    def _in_worker(self, mode: str, source: str, context, external_context):
        """Run in a worker process with hard limits (``engine/script_workers.py``)."""
        request = {"mode": mode, "source": source, "context": dict(context),
                   "external": dict(external_context or {}), "limits": self.limits,
                   "calendar": (self.calendar.region, tuple(sorted(self.calendar.closures)),
                                self.calendar.tz.key), "now": clock.now()}
        kind, *answer = script_workers.run(request, self.limits)
        if kind == "ok":
            return answer[0]
        raise rebuild_error(*answer)

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        """Call the registered service ``operation_name``; its result as a JSON string."""
        service = self.services.get(operation_name)
        if service is None:
            known = ", ".join(sorted(self.services)) or "none are registered"
            raise ScriptError(f"unknown service operation '{operation_name}' (known: {known})")
        params = {name: spec.get("value") for name, spec in (operation_params or {}).items()}
        return json.dumps(service(**params), default=str)

    # -- internals ------------------------------------------------------------------------------
    def _compile(self, source: str, mode: str):
        if not isinstance(source, str):
            raise TypeError(f"expected code as text, not {source.__class__.__name__}")
        if len(source) > self.limits.max_source:
            raise ScriptError(f"the code is longer than {self.limits.max_source:,} characters")
        return compile_code(source, mode)

    def _run(self, budget: Budget, runner, code, namespace):
        try:
            result = runner(code, namespace)
        except LimitExceeded as stop:
            raise _stopped(stop) from None
        if budget.stopped is not None:           # a bare `except:` swallowed the stop
            raise _stopped(budget.stopped) from None
        return result

    def _builtins(self) -> dict:
        """The sandbox's builtins plus the date and working-day helpers for authors."""
        cal = self.calendar
        return {**restricted_builtins(self.limits), "__import__": _c_level_import,
                "datetime": datetime, "date": date, "timedelta": timedelta, "timezone": timezone,
                "now": clock.now, "today": self._today,
                "working_days": lambda n, start=None: cal.add_working_days(
                    self._moment(start), int(n)).isoformat(),
                "working_days_between": lambda a, b: cal.working_days_between(
                    self._moment(a), self._moment(b)),
                "is_working_day": lambda day=None: cal.is_working_day(
                    day if type(day) is date else self._moment(day)),
                "deadline": lambda text, start=None: cal.parse_deadline(
                    text, self._moment(start)).isoformat(),
                "next_round": lambda months, year_start, after=None: cal.next_round(
                    self._moment(after), months=int(months), year_start=int(year_start)).isoformat()}

    def _today(self) -> date:
        return clock.now().astimezone(self.calendar.tz).date()

    def _moment(self, value) -> datetime:
        """An aware datetime from None (now), a datetime, a date (17:00 local) or an ISO string."""
        if value is None:
            return clock.now()
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.calendar.tz)
        if isinstance(value, (date, str)):
            text = value.isoformat() if isinstance(value, date) else value
            return self.calendar.parse_deadline(text, clock.now())
        raise TypeError(f"expected a datetime, date or ISO string, not {value.__class__.__name__}")

    def _clock_overrides(self) -> dict:
        tz = self.calendar.tz

        def local_now(tz_=None):
            moment = clock.now()
            return moment.astimezone(tz_) if tz_ else moment.astimezone(tz).replace(tzinfo=None)
        return {(datetime, "now"): local_now, (datetime, "today"): local_now,
                (datetime, "utcnow"): lambda: clock.now().replace(tzinfo=None),
                (date, "today"): self._today}


def _check_storable(namespace: dict, context: dict, external_context: dict,
                    limits: ScriptLimits) -> None:
    """ScriptError naming the first variable the script set to a value that cannot be stored
    (the task keeps its data: the step fails as an incident instead of the save), or at which
    the task data would be stored as more than ``limits.allocation`` items or characters
    (changed in place or not: ``log.append([[big] * 1000] * 1000)`` counts in full)."""
    total, sizes, seen = 0, {}, {}
    for key, value in namespace.items():
        if key.startswith("_") or key in external_context or callable(value):
            continue
        total += expanded_size(value, limits.allocation, sizes)
        if total > limits.allocation:
            raise ScriptError(f"Script stopped: the task data would be stored as more than "
                              f"{limits.allocation:,} items or characters (at variable '{key}')",
                              variable=key)
        if context.get(key, _UNSET) is value:
            continue
        found = storable.problem(value, seen=seen)
        if found is not None:
            raise ScriptError(f"variable '{key}{_path(found[0])}' {found[1]}", variable=key)


_UNSET = object()


def _check_size(value, limits: ScriptLimits) -> None:
    if expanded_size(value, limits.allocation) > limits.allocation:
        raise ScriptError(f"Script stopped: the value would be more than "
                          f"{limits.allocation:,} items or characters written out")


def _path(path: str) -> str:
    return f".{path}" if path and not path.startswith("[") else path


# C code such as ``datetime.strftime`` imports ``time`` through the running frame's builtins.
# Scripts themselves can never name ``__import__`` (names starting with ``_`` are refused at
# compile time), so this importer only serves the library's own internal imports.
_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})


def _c_level_import(name, globals=None, locals=None, fromlist=(), level=0):
    if name not in _INTERNAL_IMPORTS or level:
        raise ImportError(f"import of {name!r} is not allowed in diagram scripts")
    return __import__(name, globals, locals, fromlist, level)


# -- the worker's side of an evaluation (engine/script_workers.py) ---------------------------------
_WORKER_ENVIRONMENTS: dict = {}


def run_request(request: dict) -> tuple:
    """Run one request in a worker: ``("ok", value or updated task data)`` or
    ``("error", kind, message, args, line, context)`` describing what was raised."""
    key = (request["calendar"], request["limits"])
    environment = _WORKER_ENVIRONMENTS.get(key)
    if environment is None:
        if len(_WORKER_ENVIRONMENTS) > 16:
            _WORKER_ENVIRONMENTS.clear()
        region, closures, tz = request["calendar"]
        environment = _WORKER_ENVIRONMENTS[key] = RestrictedEnvironment(
            WorkingCalendar(region, closures, tz), limits=request["limits"], workers=False)
    context, external = request["context"], request["external"]
    try:
        with clock.frozen(request["now"]):
            if request["mode"] == "eval":
                value = environment.evaluate(request["source"], context, external)
                _check_size(value, environment.limits)
                return "ok", _plain(value)
            environment.execute(request["source"], context, external)
            return "ok", context
    except MemoryError:
        raise
    except Exception as error:     # described as plain data; scripting.rebuild_error re-raises
        return ("error", error.__class__.__name__, str(error)[:2000],
                tuple(a if isinstance(a, (str, int, float, type(None))) else str(a)[:2000]
                      for a in error.args),
                _line_of(error), error.context if isinstance(error, EngineError) else None)


def _plain(value):
    """``value`` if it can leave the worker (pickle), else a ScriptError saying what it is."""
    try:
        pickle.dumps(value)
    except Exception:
        raise ScriptError(f"the value (a {value.__class__.__name__}) cannot be used outside "
                          f"the expression") from None
    return value


def rebuild_error(kind: str, message: str, args: tuple, line: int | None,
                  context: dict | None) -> Exception:
    """The exception a worker described: a ``ScriptError`` as it was, a built-in exception of
    the same class and arguments, anything else a ``ScriptError`` with its class name. The
    script line rides on ``script_line`` (there is no traceback across processes)."""
    if context is not None:
        error = ScriptError.__new__(ScriptError)
        EngineError.__init__(error, message, **context)
    else:
        cls = getattr(builtins, kind, None)
        error = None
        if isinstance(cls, type) and issubclass(cls, Exception):
            try:
                error = cls(*args)
            except Exception:
                error = None
        if error is None:
            error = ScriptError(f"{kind}: {message}", line=line)
    error.script_line = line
    return error


def _line_of(error: BaseException) -> int | None:
    """The script line an exception raised in the sandbox points at, if any."""
    if isinstance(error, ScriptError) and error.context.get("line"):
        return error.context["line"]
    if isinstance(error, SyntaxError):
        return error.lineno
    return getattr(error, "script_line", None) or _script_line(error.__traceback__)


def _script_line(tb) -> int | None:
    lines = [frame.lineno for frame in traceback.extract_tb(tb) if frame.filename == FILENAME]
    return lines[-1] if lines else None


def _stopped(stop: LimitExceeded) -> ScriptError:
    """A ``ScriptError`` for a stopped script, keeping the traceback so Spiff finds the line."""
    error = ScriptError(str(stop), line=_script_line(stop.__traceback__))
    return error.with_traceback(stop.__traceback__)


class SandboxedScriptEngine(PythonScriptEngine):
    """``PythonScriptEngine`` that reports sandbox lines and causes, and calls services safely."""

    def evaluate(self, task, expression, external_context=None):
        """As the base class, adding the underlying error's message as a note."""
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as error:
            cause = error.__context__
            note = f"{cause.__class__.__name__}: {cause}"
            if cause is not None and not isinstance(cause, SpiffWorkflowException) \
                    and note not in error.notes:
                error.add_note(note)
                line = _line_of(cause)
                if line and (isinstance(cause, ScriptError) or getattr(cause, "script_line", None)):
                    error.line_number = line
            raise

    def call_service(self, task, **kwargs):
        """Call a registered service (the base class's error path raises NameError)."""
        try:
            return self.environment.call_service(task.data, **kwargs)
        except SpiffWorkflowException:
            raise
        except Exception as err:
            raise WorkflowTaskException(f"Service task failed: {err}", task=task,
                                        exception=err) from err

    def get_error_line_number_and_content(self, script, err):
        """Spiff's lookup, plus the line a sandbox refusal or stop or a worker names."""
        line = (err.context.get("line") if isinstance(err, ScriptError) else None) \
            or getattr(err, "script_line", None)
        if line:
            return line, script.splitlines()[line - 1]
        return super().get_error_line_number_and_content(script, err)


def make_script_engine(calendar: WorkingCalendar | None = None, services: Mapping | None = None,
                       limits: ScriptLimits | None = None) -> SandboxedScriptEngine:
    """The script engine every workflow must run with (``ProcessRun`` sets it on each)."""
    return SandboxedScriptEngine(environment=RestrictedEnvironment(calendar, services, limits))


def render_template(text: str | None, data: Mapping, script_engine) -> str | None:
    """``text`` with each ``${expression}`` replaced by its sandboxed value over ``data``.

    ``"agency-${agency}"`` -> ``"agency-police"``; text without ``${`` is returned as is. A
    list/tuple/set value becomes comma-separated, None becomes empty, a date its ISO form.

    Raises:
        ScriptError: an expression is unterminated, refused or fails; the message names it.
    """
    if text is None or "${" not in text:
        return text
    environment = getattr(script_engine, "environment", script_engine)
    parts, position = [], 0
    for start, end in _placeholders(text):
        expression = text[start + 2:end].strip()
        parts.append(text[position:start])
        try:
            value = environment.evaluate(expression, dict(data))
        except Exception as exc:
            raise ScriptError(f"cannot evaluate ${{{expression}}}: {exc}",
                              expression=expression) from exc
        parts.append(_as_text(value))
        position = end + 1
    return "".join(parts) + text[position:]


def _placeholders(text: str):
    """``(start, end)`` of each ``${...}``: ``start`` at ``$``, ``end`` at its closing brace."""
    position = 0
    while (start := text.find("${", position)) >= 0:
        position = _closing_brace(text, start + 2)
        yield start, position
        position += 1


def _closing_brace(text: str, index: int) -> int:
    depth, quote = 0, None
    for index in range(index, len(text)):
        char = text[index]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
    raise ScriptError(f"unterminated ${{...}} in {text!r}", expression=text)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_as_text(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def check_expression(text: str) -> list[tuple[int, str]]:
    """Deploy-time check of an expression: ``(line, message)`` for each syntax error or refusal."""
    return _problems(text, "eval")


def check_script(text: str) -> list[tuple[int, str]]:
    """Deploy-time check of a script: ``(line, message)`` for each syntax error or refusal."""
    return _problems(text, "exec")


def _problems(text: str, mode: str) -> list[tuple[int, str]]:
    if len(text or "") > ScriptLimits.max_source:
        return [(0, f"the code is longer than {ScriptLimits.max_source:,} characters")]
    try:
        compile_code(text or "", mode)
    except SyntaxError as error:
        return [(error.lineno or 0, f"syntax error: {error.msg}")]
    except ScriptRefused as refused:
        return list(refused.problems)
    return []
