"""The engine: the only package that imports SpiffWorkflow. Its public API is below; web/ uses
nothing else of it (tests/test_layering.py). Every command goes through ``ProcessEngine``."""
from . import clock
from .actors import Actor, load_actor
from .assignment import group_slug
from .backup import backup_database, restore_database
from .errors import (Conflict, DefinitionError, EngineError, FormInvalid, InputError,
                     InvalidState, NotAllowed, NotFound, Problem, ScriptError)
from .records import DeployResult, InstanceRecord, TaskRecord, TimerRecord
from .regime import REGIMES
from .schema import upgrade_schema
from .script_workers import warm as warm_script_workers
from .service import ProcessEngine
from .settings import Settings, SettingsError, session_info

clock.install()

__all__ = [
    "Actor", "clock", "Conflict", "DefinitionError", "DeployResult", "EngineError", "FormInvalid",
    "InputError", "InstanceRecord", "InvalidState", "NotAllowed", "NotFound", "Problem",
    "ProcessEngine", "REGIMES", "ScriptError", "Settings", "SettingsError", "TaskRecord",
    "TimerRecord", "backup_database", "group_slug", "load_actor", "restore_database",
    "session_info", "upgrade_schema", "warm_script_workers",
]
