"""Who gets a ready user task and by when: candidate groups, users, assignee and deadlines.

``candidateGroups``, ``candidateUsers``, ``assignee``, ``dueDate`` and ``followUpDate`` are read
from the task's Camunda attributes. A ``${...}`` part is a sandboxed expression over the task's
data (e.g. ``${agency}`` inside a multi-instance); everything else is literal. Due dates are
fixed the first time a task is seen ready (kept in the task's internal data, so they survive
saves and never drift), using the working-day calendar's deadline syntax.
"""
from __future__ import annotations

from datetime import datetime

from . import clock
from .errors import ScriptError
from .scripting import render_template

DUE_KEY = "lscb_due"
FOLLOW_UP_KEY = "lscb_follow_up"
GROUPS_KEY = "lscb_groups"        # groups a manager gave the task to, instead of the diagram's


def resolve(task, script_engine, calendar, now: datetime):
    """The ReadyTask projection of a READY Spiff user task."""
    from .run import ReadyTask

    spec = task.task_spec
    extensions = getattr(spec, "extensions", None) or {}
    assignment = extensions.get("assignment") or {}

    def render(key):
        return render_template(assignment.get(key), task.data, script_engine)

    return ReadyTask(
        id=str(task.id),
        bpmn_id=spec.bpmn_id,
        title=_title(spec, task),
        documentation=spec.documentation or "",
        lane=spec.lane,
        candidate_groups=list(task.internal_data.get(GROUPS_KEY) or ())
        or list(dict.fromkeys(map(group_slug, _split(render("candidate_groups"))))),
        candidate_users=_split(render("candidate_users")),
        assignee=(render("assignee") or "").strip() or None,
        due_at=_fixed(task, DUE_KEY, lambda: render("due_date"), calendar, now),
        follow_up_at=_fixed(task, FOLLOW_UP_KEY, lambda: render("follow_up_date"), calendar, now),
        priority=_priority(render("priority")),
        form=extensions.get("form") or {"fields": []},
    )


def _title(spec, task) -> str:
    title = spec.bpmn_name or spec.bpmn_id
    item = task.internal_data.get("key_or_index")
    variable = getattr(getattr(task.parent, "task_spec", None), "input_item", None)
    name = getattr(variable, "bpmn_id", None) or getattr(variable, "name", None)
    if item is not None and name and isinstance(task.data.get(name), (str, int)):
        return f"{title} ({task.data[name]})"
    return title


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _priority(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _fixed(task, key, text_of, calendar, now) -> datetime | None:
    """The deadline stored on the task, or computed once from its expression and stored."""
    stored = task.internal_data.get(key)
    if stored:
        return clock.as_utc(datetime.fromisoformat(stored))
    text = text_of()
    if not text:
        return None
    try:
        due = calendar.parse_deadline(text.strip(), now)
    except ValueError as exc:
        raise ScriptError(f"due date {text!r} is not a deadline: {exc}",
                          element_id=task.task_spec.bpmn_id) from exc
    task.internal_data[key] = due.isoformat()
    return due


def group_slug(name: str) -> str:
    """A group's identifier as stored: group slugs are case-insensitive (``Police`` is
    ``police``), wherever they are written (diagrams, case data, lane mappings, CLI, API)."""
    return (name or "").strip().lower()


def lane_group(lane: str, mapped: str | None = None) -> str:
    """The group a lane stands for: ``mapped`` (the admin's lane mapping) when there is one,
    else the lane name as a slug (``LSCB Chair`` -> ``lscb-chair``). The one lane rule: the
    store, migration, dry runs and lint all ask here."""
    return group_slug(mapped) if mapped else "-".join("".join(c if c.isalnum() else " " for c in lane.lower()).split())
