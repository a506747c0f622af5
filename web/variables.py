"""The case page's variables panel (managers): every case variable with its type, its value and
the step that set it, read from the audit trail (the start, each completed step's submitted
values, a manager's correction, a message's payload). A variable none of those set was set by the
process itself: a script, a decision or a service step."""
from __future__ import annotations

import re
from dataclasses import dataclass

from models import AuditEvent

from .wording import long_date

BY_PROCESS = "The process (a script, decision or service step)"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Variable:
    """One case variable as the panel lists it."""

    name: str
    type: str
    value: object
    set_by: str


def case_variables(data: dict, events: list[AuditEvent]) -> list[Variable]:
    """The case's variables by name; ``events`` is the case's audit trail, oldest first (the
    last event that set a variable names its source)."""
    source: dict[str, str] = {}
    for event in events:
        detail, when = event.detail or {}, long_date(event.at)
        if event.action == "instance_started":
            source.update(dict.fromkeys(detail.get("data") or {}, f"Start ({event.actor}, {when})"))
        elif event.action == "task_completed":
            step = f"{detail.get('title') or event.bpmn_id} ({event.actor}, {when})"
            source.update(dict.fromkeys(detail.get("values") or {}, step))
        elif event.action == "instance_data_changed":
            source.update(dict.fromkeys(detail.get("after") or {},
                                        f"Corrected by {event.actor} ({when})"))
        elif event.action == "message_received" and isinstance(detail.get("payload"), dict):
            source.update(dict.fromkeys(detail["payload"], f"Message {detail.get('message')} ({when})"))
    return [Variable(name, type_name(value), value, source.get(name, BY_PROCESS))
            for name, value in sorted(data.items())]


def type_name(value) -> str:
    """The kind of a value in plain words."""
    if value is None:
        return "Empty"
    if isinstance(value, bool):
        return "Yes or no"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "Date" if _DATE.match(value) else "Date and time" if _MOMENT.match(value) else "Text"
    if isinstance(value, (list, tuple)):
        return "List"
    return "Record" if isinstance(value, dict) else type(value).__name__
