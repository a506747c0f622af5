"""Frozen records the engine returns to callers: no SpiffWorkflow object ever leaks out."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Record:
    """Base with a JSON-friendly ``to_dict``."""

    def to_dict(self) -> dict:
        return {k: _iso(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class TaskRecord(Record):
    """A human task as a caller sees it."""

    id: str
    instance_id: int
    process_id: str
    bpmn_id: str
    title: str
    lane: str | None
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: str | None
    status: str
    due_at: datetime | None = None
    follow_up_at: datetime | None = None
    priority: int | None = None
    documentation: str = ""
    form: dict = field(default_factory=dict)
    draft: dict | None = None
    completed_by: str | None = None
    completed_at: datetime | None = None
    unassignable_since: datetime | None = None      # no active person can act on it


@dataclass(frozen=True)
class TimerRecord(Record):
    """A waiting timer (of an instance, once it has one)."""

    task_id: str
    bpmn_id: str
    name: str
    kind: str
    due_at: datetime
    instance_id: int | None = None


@dataclass(frozen=True)
class InstanceRecord(Record):
    """An instance with its current tasks and waiting timers."""

    id: int
    process_id: str
    definition_version: int
    reference: str | None
    status: str
    data: dict
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None
    error: dict | None
    tasks: list[TaskRecord] = field(default_factory=list)
    timers: list[TimerRecord] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["tasks"] = [t.to_dict() for t in self.tasks]
        out["timers"] = [t.to_dict() for t in self.timers]
        return out


@dataclass(frozen=True)
class DeployResult(Record):
    """What deploying did to one process: a new version, or nothing because it was unchanged."""

    process_id: str
    version: int
    definition_id: int
    created: bool


def task_record(task, viewer: str | None = None) -> TaskRecord:
    """A human task row (``models.HumanTask``) as a TaskRecord, as ``viewer`` (a user name) may
    see it: a saved draft is its author's alone (unsubmitted work of one agency is never shown
    to another agency taking part in the case)."""
    return TaskRecord(
        id=task.id, instance_id=task.instance_id, process_id=task.process_id,
        bpmn_id=task.bpmn_id, title=task.title, lane=task.lane,
        candidate_groups=list(task.candidate_groups or []),
        candidate_users=list(task.candidate_users or []), assignee=task.assignee,
        status=task.status, due_at=task.due_at, follow_up_at=task.follow_up_at,
        priority=task.priority, documentation=task.documentation or "", form=task.form or {},
        draft=draft_of(task.draft, viewer), completed_by=task.completed_by,
        completed_at=task.completed_at, unassignable_since=task.unassignable_since)


def draft_of(stored: dict | None, viewer: str | None) -> dict | None:
    """The values of a stored draft (``{"by": author, "values": {...}}``) when ``viewer`` wrote
    it, else None."""
    if not stored or viewer is None or stored.get("by") != viewer:
        return None
    return stored.get("values")


def instance_record(row, tasks, timers) -> InstanceRecord:
    """An instance row (``models.ProcessInstance``) with its open task rows and waiting timers
    as an InstanceRecord."""
    return InstanceRecord(
        id=row.id, process_id=row.process_id, definition_version=row.definition.version,
        reference=row.reference, status=row.status, data=row.data or {},
        started_by=row.started_by, started_at=row.started_at, finished_at=row.finished_at,
        error=row.error, tasks=[task_record(t) for t in tasks],
        timers=[TimerRecord(t.task_id, t.bpmn_id, t.name, t.kind, t.due_at, row.id)
                for t in timers])


@dataclass(frozen=True)
class StartableRecord(Record):
    """A process a person may start: its name, one-line description and start form."""

    process_id: str
    name: str
    description: str
    version: int
    form: dict = field(default_factory=dict)
    starter_groups: list[str] = field(default_factory=list)
