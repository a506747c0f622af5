"""The engine: the only package that imports SpiffWorkflow. Public API below."""
from . import clock
from .actors import Actor, load_actor
from .errors import (Conflict, DefinitionError, EngineError, FormInvalid, InputError,
                     InvalidState, NotAllowed, NotFound, Problem, ScriptError)
from .records import DeployResult, InstanceRecord, TaskRecord, TimerRecord
from .schema import upgrade_schema
from .service import ProcessEngine

clock.install()

__all__ = [
    "Actor", "clock", "Conflict", "DefinitionError", "DeployResult", "EngineError", "FormInvalid",
    "InputError", "InstanceRecord", "InvalidState", "NotAllowed", "NotFound", "Problem",
    "ProcessEngine", "ScriptError", "TaskRecord", "TimerRecord", "load_actor", "upgrade_schema",
]
