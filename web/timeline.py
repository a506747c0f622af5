"""Audit events as sentences a person can read (the case timeline)."""
from __future__ import annotations

from datetime import datetime

from models import AuditEvent

from .wording import CaseForms, as_words, local_time, long_date, names

TITLES = {
    "instance_started": "Case started",
    "instance_cancelled": "Case cancelled",
    "instance_suspended": "Case paused",
    "instance_resumed": "Case resumed",
    "incident": "A step failed and needs attention",
    "incident_retried": "The failed step was run again",
    "message_received": "Message received",
    "timer_fired": "A deadline or timer was reached",
    "task_claimed": "Task claimed",
    "task_unclaimed": "Task returned to its group",
    "task_reassigned": "Task reassigned",
    "comment": "Comment",
    "instance_migrated": "Case moved to a new version of its process",
    "due_date_changed": "Due date changed",
    "instance_data_changed": "Case data corrected",
}
MAX_VALUE = 300


def describe(event: AuditEvent, forms: CaseForms | None = None) -> dict:
    """``{"title", "when", "who", "body", "rows", "state"}`` for timeline.html's macro; a
    completed step's answers are ``rows`` of (question, answer), labelled by its form
    (``forms``: the case's step forms, read once per page)."""
    detail = event.detail or {}
    title = TITLES.get(event.action) or as_words(event.action)
    body, state, rows = "", None, []
    if event.action in ("task_created", "task_offered"):
        verb = "New task" if event.action == "task_created" else "Task now also offered"
        title = f"{verb}: {detail.get('title') or event.bpmn_id}"
        groups = names().groups(detail.get("groups"))
        body = f"For {groups or detail.get('assignee') or 'the lane'}"
        if detail.get("due_at"):
            body += f", due {long_date(detail['due_at'])}"
    elif event.action == "task_completed":
        title = f"Completed: {detail.get('title') or event.bpmn_id}"
        if forms is None:
            body = values_text(detail.get("values") or {})
        else:
            rows = forms.rows(detail.get("values") or {}, event.task_id)
        state = "completed"
    elif event.action == "instance_started":
        pid = detail.get("process_id", "")
        body = f"{names().pathway(pid)} (version {detail.get('version', '?')})"
    elif event.action == "comment":
        body = detail.get("text", "")
    elif event.action in ("instance_cancelled", "instance_suspended", "instance_resumed"):
        body = detail.get("reason", "")
    elif event.action == "instance_migrated":
        body = f"From version {detail.get('from_version', '?')} to {detail.get('to_version', '?')}" \
               + "".join(f"; {note}" for note in detail.get("notes") or [])
    elif event.action == "task_reassigned":
        body = _reassigned(detail)
    elif event.action == "task_unassignable":
        title = f"Nobody can act on a task: {detail.get('title') or event.bpmn_id}"
        body = f"Asked for {names().groups(detail.get('asked_for')) or 'nobody'}; told " \
               f"{', '.join(detail.get('recipients') or []) or 'nobody'}"
        state = "error"
    elif event.action == "message_received":
        body = str(detail.get("message", ""))
    elif event.action == "incident":
        body, state = str((detail.get("error") or {}).get("message", "")), "error"
    elif event.action == "incident_retried" and detail.get("ok") is False:
        title, state = "The failed step was run again and failed again", "error"
        body = str((detail.get("error") or {}).get("message", ""))
    elif event.action == "incident_retried":
        body = detail.get("reason") or ""
    elif event.action == "due_date_changed":
        body = f"From {_moment(detail.get('previous'))} to {_moment(detail.get('due_at'))}: " \
               f"{detail.get('reason', '')}"
    elif event.action == "instance_data_changed":
        body = f"{values_text(detail.get('before') or {})} → " \
               f"{values_text(detail.get('after') or {})}: {detail.get('reason', '')}"
    return {"title": title, "when": event.at, "who": event.actor, "body": body, "rows": rows,
            "state": state}


def _moment(value) -> str:
    """An audited ISO date-time as people read it (``local_time``); "none" when there was none."""
    return local_time(datetime.fromisoformat(str(value))) if value else "none"


def values_text(values: dict) -> str:
    """Submitted form values as "Field: value; ..." (long values shortened)."""
    parts = []
    for key, value in values.items():
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        text = str(value)
        if len(text) > MAX_VALUE:
            text = text[:MAX_VALUE] + "…"
        parts.append(f"{key.replace('_', ' ').capitalize()}: {text}")
    return "; ".join(parts)


def _reassigned(detail: dict) -> str:
    """A reassign as `From <who had it> to <who has it>: <reason>`, groups by their titles."""
    person, was = detail.get("previous"), names().groups(detail.get("previous_groups"))
    if detail.get("groups"):
        before = " and ".join(filter(None, [person, f"the group {was}" if was else ""])) or "-"
        after = f"the group {names().groups(detail['groups'])}" + (
            f" ({detail['assignee']})" if detail.get("assignee") else "")
    else:
        before, after = person or was or "the group", detail.get("assignee") or was or "the group"
    return f"From {before} to {after}: {detail.get('reason', '')}"
