"""Who may look at a case, and comments on a task (an audit event, never a state change)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HumanTask, ProcessInstance

from .actors import Actor
from .errors import FormInvalid, NotFound
from .records import TaskRecord
from .store import audit

MAX_COMMENT = 5000


def is_participant(session: Session, actor: Actor, instance_id: int) -> bool:
    """Managers, the person who started it, and anyone offered, assigned or done a task of it."""
    if actor.is_manager:
        return True
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        return False
    if row.started_by == actor.name:
        return True
    stmt = select(HumanTask.candidate_groups, HumanTask.candidate_users, HumanTask.assignee,
                  HumanTask.completed_by).where(HumanTask.instance_id == instance_id)
    for groups, users, assignee, completed_by in session.execute(stmt):
        if actor.name in (assignee, completed_by) or actor.name in (users or []) \
                or actor.groups & set(groups or []):
            return True
    return False


def check_participant(session: Session, actor: Actor, instance_id: int) -> None:
    """NotFound unless the actor may see the case (not 403: do not reveal that it exists)."""
    if not is_participant(session, actor, instance_id):
        raise NotFound("instance", instance_id)


def add_comment(session: Session, actor: Actor, task: TaskRecord | None, instance_id: int,
                text: str, now: datetime | None = None) -> None:
    """Record a comment on a case (optionally about one task) as an audit event ``comment``."""
    text = (text or "").strip()
    if not text:
        raise FormInvalid({"comment": "Enter a comment"})
    if len(text) > MAX_COMMENT:
        raise FormInvalid({"comment": f"Comment must be {MAX_COMMENT} characters or fewer"})
    check_participant(session, actor, instance_id)
    audit(session, actor.name, "comment", instance_id=instance_id,
          task_id=task.id if task else None, bpmn_id=task.bpmn_id if task else None, now=now,
          text=text)
