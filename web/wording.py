"""Plain words on every page people read: names instead of ids, values as people write them.

Pathways are named by their deployed definition's name, groups by their title (one query each,
once per request and only when a page asks); a missing name falls back to the id. Values read
through the form field that set them: Yes/No for booleans, option labels for enums, group names
for group fields (and for lists of group slugs a script wrote), the board's regime by its
name, dates as "7 December 2026"; moments in the board's time zone (UK time).
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import g

from engine import REGIMES
from models import dates
from models.queries import group_titles, pathway_names, step_forms

from .db import board_tz, get_session

MAX_ANSWER = 300
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")


class Names:
    """Pathway and group names for one request, each read once when first asked for."""

    def __init__(self, session):
        self._session = session
        self._pathways: dict[str, str] | None = None
        self._groups: dict[str, str] | None = None

    def pathway(self, process_id: str | None) -> str:
        """A pathway's name ("P1 Incident notification and triage (CPIR)"), else its id."""
        if self._pathways is None:
            self._pathways = pathway_names(self._session)
        return self._pathways.get(process_id or "", process_id or "")

    def group(self, slug: str | None) -> str:
        """A group's title ("Children's social care"), else its slug."""
        if self._groups is None:
            self._groups = group_titles(self._session)
        return self._groups.get(slug or "", slug or "")

    def is_group(self, slug) -> bool:
        """``slug`` names one of the groups."""
        self.group(None)
        return isinstance(slug, str) and slug in self._groups

    def groups(self, slugs) -> str:
        """Group titles joined with commas ("" for none)."""
        if isinstance(slugs, str):
            slugs = [slugs]
        return ", ".join(self.group(s) for s in slugs or [])


def names() -> Names:
    """This request's names (built on first use)."""
    if "names" not in g:
        g.names = Names(get_session())
    return g.names


def long_date(value) -> str:
    """A date (or a moment, in UK time, or an ISO text) as "7 December 2026"; "" for none."""
    return dates.long_date(value, board_tz())


def local_time(moment: datetime | None) -> str:
    """A moment as "7 December 2026, 2:05pm" in the board's time zone (UK time)."""
    return dates.local_time(moment, board_tz())


def as_words(key) -> str:
    """An id with no name of its own (a status, a theme, an indicator) as words:
    "in_progress" as "In progress"."""
    return str(key or "").replace("_", " ").capitalize()


def answer(value, field: dict | None = None) -> str:
    """A stored value as people write it, read through the form ``field`` that asked for it."""
    kind = (field or {}).get("type")
    if value is None or value == "" or value == []:
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "enum":
        labels = {o["id"]: o.get("name") or o["id"] for o in field.get("options") or []}
        return labels.get(value, str(value))
    if kind in ("group", "groups"):
        return names().groups(value)
    if isinstance(value, str) and (kind == "date" or ISO_DATE.fullmatch(value)):
        return long_date(value)
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        return local_time(datetime.fromisoformat(value))
    if field is None and isinstance(value, str) and value in REGIMES:   # written by a script
        return REGIMES[value]
    if isinstance(value, list):
        if field is None and value and all(map(names().is_group, value)):   # a script's slugs
            return names().groups(value)
        return ", ".join(answer(v) for v in value)
    text = str(value)
    return text if len(text) <= MAX_ANSWER else text[:MAX_ANSWER] + "…"


def question(key: str, field: dict | None = None) -> str:
    """The question a value answers: its field's label, else its name made readable."""
    return (field or {}).get("label") or as_words(key)


class CaseForms:
    """The form fields every step of one case asked for (one query): by task and by field id
    (the latest step that asked for a field wins)."""

    def __init__(self, session, instance_id: int):
        self.by_task: dict[str, dict] = {}
        self.by_field: dict[str, dict] = {}
        for task_id, _bpmn_id, form in step_forms(session, instance_id):
            fields = {f["id"]: f for f in (form or {}).get("fields", [])}
            self.by_task[task_id] = fields
            self.by_field.update(fields)

    def rows(self, values: dict, task_id: str | None = None) -> list[tuple[str, str]]:
        """``(question, answer)`` of plain ``values`` (nested ones left out), labelled by the
        fields of ``task_id``'s form, else of any step of the case."""
        own = self.by_task.get(task_id or "", {})
        found = []
        for key, value in values.items():
            if isinstance(value, dict) or (isinstance(value, list) and value
                                           and isinstance(value[0], dict)):
                continue
            field = own.get(key) or self.by_field.get(key)
            found.append((question(key, field), answer(value, field)))
        return found
