"""One error hierarchy for everything the engine refuses.

Callers (web, CLI) see only these classes, never SpiffWorkflow or lxml exceptions. Each class
builds its message in ``__init__`` and carries the context a person needs to act on it; only
``web/errors.py`` and the CLI turn them into HTTP responses or exit codes.
"""
from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", line {self.line}"
        if self.element_id:
            where += f", element '{self.element_id}'"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def describe(problems: list[Problem]) -> str:
    """One problem as one line; several as a count followed by every problem, one per line."""
    if len(problems) == 1:
        return str(problems[0])
    if not problems:
        return "invalid definition"
    return f"{len(problems)} problems:\n" + "\n".join(f"- {p}" for p in problems)


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"

    def __init__(self, message: str, **context):
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.context}


class DefinitionError(EngineError):
    """A BPMN/DMN file (or a set of them) cannot be deployed; ``problems`` lists every reason."""

    code = "invalid_definition"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(describe(self.problems))

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message,
                "problems": [p.to_dict() for p in self.problems]}


class ScriptError(EngineError):
    """A script, condition, timer or expression in a diagram failed or was refused by the sandbox."""

    code = "script_error"

    def __init__(self, message: str, *, element_id: str | None = None, line: int | None = None,
                 expression: str | None = None, variable: str | None = None):
        where = f" in element '{element_id}'" if element_id else ""
        at = f" (line {line})" if line else ""
        super().__init__(f"{message}{where}{at}", element_id=element_id, line=line,
                         expression=expression, variable=variable)


class NotFound(EngineError):
    """The named process, instance, task or user does not exist (or is not visible)."""

    code = "not_found"

    def __init__(self, kind: str, ident):
        super().__init__(f"{kind} {ident!s} not found", kind=kind, id=str(ident))


class NotAllowed(EngineError):
    """The user may not do this to this object."""

    code = "not_allowed"


class InvalidState(EngineError):
    """The object is not in a state where this command applies (e.g. the task is completed)."""

    code = "invalid_state"


class Conflict(EngineError):
    """Someone else changed the same instance first; nothing was written. Reload and retry."""

    code = "conflict"


class FormInvalid(EngineError):
    """Submitted form data breaks the task's form; ``errors`` maps field id to message."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        summary = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"The form has {len(self.errors)} problem(s): {summary}")

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.errors}


class InputError(EngineError):
    """A command's input (JSON, name, option) is malformed."""

    code = "bad_input"


class BackupError(EngineError):
    """A backup or restore could not be made: a client tool missing or of the wrong version,
    a damaged file, a tool that failed (its last line of output is the message)."""

    code = "backup_failed"


def log_text(exc: BaseException) -> str:
    """What failed and where, for the logs: the error's class, code and element, and the code
    locations it came through, never its message or values (a message can quote case data
    about a child, such as a value a script could not convert)."""
    if isinstance(exc, EngineError):
        context = {k: v for k, v in exc.context.items() if k in ("element_id", "line", "kind")}
        return f"{type(exc).__name__}({exc.code}) {context}".rstrip()
    frames = traceback.extract_tb(exc.__traceback__)
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-6:]))
    return f"{type(exc).__module__}.{type(exc).__name__} at {where or 'unknown'}"
