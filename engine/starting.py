"""Starting a case as a person: which processes they may start, and the data they start it with.

Who may start a process is decided in ``access.may_start``. The data of a start is checked
against the process's start form (``camunda:formData`` on its none start event) exactly as a
task's submission is (``forms.validate_form``): coerced, constraints and required fields
checked, unknown fields refused. Managers may add values the form does not ask for (setting
up or importing a case); they may change any case's data anyway (``set_data``). A process
without a start form takes the start data its starters give (as a partner system's API start
does); every pathway of the shipped library that people start has one.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Definition

from . import access, people
from .actors import Actor
from .forms import validate_form
from .records import StartableRecord


def start_data(session: Session, actor: Actor, definition: Definition, data: dict) -> dict:
    """The values a start begins with: ``data`` validated against the start form."""
    fields = (definition.start_form or {}).get("fields", [])
    if not fields:        # a diagram without a start form takes its start data as given
        return dict(data)
    field_ids = {f["id"] for f in fields}
    asked = {k: v for k, v in data.items() if k in field_ids} if actor.is_manager else data
    clean = validate_form(fields, asked, groups=people.group_kinds(session, fields))
    extra = {k: v for k, v in data.items() if k not in field_ids} if actor.is_manager else {}
    return {**extra, **clean}


def startable(session: Session, actor: Actor) -> list[StartableRecord]:
    """The latest version of every process the actor may start, by name."""
    newest = (select(Definition.process_id, func.max(Definition.version).label("version"))
              .group_by(Definition.process_id).subquery())
    rows = session.scalars(select(Definition).join(newest, (
        Definition.process_id == newest.c.process_id) & (Definition.version == newest.c.version))
        .order_by(Definition.name, Definition.process_id)).all()
    return [startable_record(d) for d in rows if access.may_start(actor, d)]


def startable_record(definition: Definition) -> StartableRecord:
    """What a person needs to start a process: its name, description and start form."""
    return StartableRecord(
        process_id=definition.process_id, name=definition.name or definition.process_id,
        description=definition.description or "", version=definition.version,
        form={"fields": list((definition.start_form or {}).get("fields", []))},
        starter_groups=list(definition.starter_groups or []))
