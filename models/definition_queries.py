"""Named read queries behind the definitions pages: versions, drafts and instances per version."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .process import Definition, ProcessInstance
from .status import InstanceStatus

RUNNING = (InstanceStatus.ACTIVE.value, InstanceStatus.SUSPENDED.value, InstanceStatus.INCIDENT.value)


def versions_by_process(session: Session) -> dict[str, list[Definition]]:
    """Every deployed version, grouped by process id, newest version first."""
    stmt = select(Definition).order_by(Definition.process_id, Definition.version.desc())
    grouped: dict[str, list[Definition]] = defaultdict(list)
    for definition in session.scalars(stmt):
        grouped[definition.process_id].append(definition)
    return dict(grouped)


def versions_of(session: Session, process_id: str) -> list[Definition]:
    """The versions of one process, newest first."""
    stmt = (select(Definition).where(Definition.process_id == process_id)
            .order_by(Definition.version.desc()))
    return list(session.scalars(stmt))


def version(session: Session, process_id: str, number: int) -> Definition | None:
    """One version of a process, or None."""
    stmt = select(Definition).where(Definition.process_id == process_id,
                                    Definition.version == number)
    return session.scalars(stmt).first()


def running_counts(session: Session, process_id: str | None = None) -> dict[int, int]:
    """Running (active, suspended, incident) instances per definition id."""
    stmt = (select(ProcessInstance.definition_id, func.count())
            .where(ProcessInstance.status.in_(RUNNING)).group_by(ProcessInstance.definition_id))
    if process_id is not None:
        stmt = stmt.where(ProcessInstance.process_id == process_id)
    return {definition_id: count for definition_id, count in session.execute(stmt)}
