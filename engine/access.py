"""Who may see what: cases, their tasks, and the board's learning actions; who may start a
process. Decided here only.

A person may start a process when they manage (the business unit), or are one of its starter
users, or belong to one of its starter groups (``camunda:candidateStarterGroups`` /
``candidateStarterUsers`` on the process); a process that names none is started by managers
only. This is the rule for a person's (or a token's) start from the browser, the API and the
CLI. The engine's own starts are not subject to it: a message start (its sender was checked by
``send_message``, or the engine threw it), a call activity (runs inside its caller) and a timer
start event (it fires inside an instance that was started).

A case is visible to managers, to the person who started it, and to anyone a task of it was
offered to, assigned to or completed by. A task is visible to those it is offered or assigned
to, and to anyone who may see its case. What may not be seen answers "not found" (never
"forbidden"), so references cannot be probed.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Definition, HumanTask, ProcessInstance

from .actors import Actor
from .errors import NotAllowed, NotFound


def may_start(actor: Actor, definition: Definition) -> bool:
    """Managers; the process's starter users; members of its starter groups."""
    return actor.is_manager or actor.name in (definition.starter_users or []) \
        or bool(actor.groups & set(definition.starter_groups or []))


def check_may_start(actor: Actor, definition: Definition) -> None:
    """NotAllowed, saying who may, unless the actor may start the process."""
    if may_start(actor, definition):
        return
    who = ", ".join(definition.starter_groups or []) or "managers only"
    raise NotAllowed(f"you may not start {definition.name or definition.process_id}: it is "
                     f"started by {who}" + (" (and managers)" if definition.starter_groups else ""))


def may_see_case(session: Session, actor: Actor, instance_id: int) -> bool:
    """Managers, the person who started it, and anyone offered, assigned or done a task of it."""
    if actor.is_manager:
        return True
    case = session.execute(_STARTER, {"instance_id": instance_id}).first()
    if case is None:
        return False
    if case.started_by == actor.name:
        return True
    for groups, users, assignee, completed_by in session.execute(
            _TASK_PEOPLE, {"instance_id": instance_id}):
        if actor.name in (assignee, completed_by) or actor.name in (users or []) \
                or actor.groups & set(groups or []):
            return True
    return False


def check_may_see_case(session: Session, actor: Actor, instance_id: int) -> None:
    """NotFound unless the actor may see the case (not 403: do not reveal that it exists)."""
    if not may_see_case(session, actor, instance_id):
        raise NotFound("instance", instance_id)


def check_may_see_task(session: Session, actor: Actor, task: HumanTask) -> None:
    """NotFound unless the task is offered or assigned to the actor, or its case is visible."""
    if not (actor.can_see(task) or may_see_case(session, actor, task.instance_id)):
        raise NotFound("task", task.id)


_STARTER = select(ProcessInstance.id, ProcessInstance.started_by).where(
    ProcessInstance.id == bindparam("instance_id"))
_TASK_PEOPLE = select(HumanTask.candidate_groups, HumanTask.candidate_users, HumanTask.assignee,
                      HumanTask.completed_by).where(
    HumanTask.instance_id == bindparam("instance_id"))
