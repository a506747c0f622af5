"""Tasks no active person can act on: never left silent.

An open task can be acted on when its assignee is an active user or, unclaimed, when one of
its candidate users is active or one of its candidate groups has an active member. ``check``
runs when the one save creates or refreshes task rows, when a task is (re)assigned, and when a
person is deactivated or changes groups (``recheck_person``). A task found with nobody is
marked (``HumanTask.unassignable_since``, written through ``task_rows``) and reported with a
``task_unassignable`` audit event naming the case's business unit managers, which ``notify``
turns into in-app notifications and queued emails; a task someone can act on again is unmarked.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from models import HumanTask, TaskCandidate
from models.status import Role, TaskStatus

from . import settings, task_rows, trail
from .notify import People, group_members, names_with_roles, read_people


def check(session: Session, tasks, actor_name: str | None, now: datetime,
          people: People | None = None) -> list[dict]:
    """Mark the open ``tasks`` nobody active can act on and unmark those someone now can.

    Returns the audit events of the tasks newly found unassignable, for the caller to record
    with its own (``trail.record_and_notify``). ``people``: the command read who the tasks
    name already (``notify.read_people``)."""
    tasks = [t for t in dict.fromkeys(tasks) if t.status == TaskStatus.OPEN]
    if not tasks:
        return []
    if people is None:
        people = read_people(session, tasks, [])
    names = set(people.users) & people.names
    slugs = {slug for slug, members in people.members.items() if members}
    events, recipients = [], None
    for task in tasks:
        stuck = not _someone_can_act(task, names, slugs)
        if stuck and task.unassignable_since is None:
            task_rows.update_task(session, task, unassignable_since=now)
            if recipients is None:
                recipients = managers_to_tell(session)
            events.append(trail.event(
                actor_name, "task_unassignable", instance_id=task.instance_id, task_id=task.id,
                bpmn_id=task.bpmn_id, now=now, title=task.title,
                groups=list(task.candidate_groups or []),
                users=list(task.candidate_users or []), assignee=task.assignee,
                asked_for=asked_for(task), recipients=recipients))
        elif not stuck and task.unassignable_since is not None:
            task_rows.update_task(session, task, unassignable_since=None)
    return events


def asked_for(task) -> list[str]:
    """Who the task asks for: its assignee, else its candidate groups and users."""
    if task.assignee:
        return [task.assignee]
    return [*(task.candidate_groups or []), *(task.candidate_users or [])]


def managers_to_tell(session: Session) -> list[str]:
    """The business unit's managers (members of ``business_unit_group`` holding the manager
    role), else every manager, else the admins: someone who can reassign is always told."""
    managers = names_with_roles(session, {Role.MANAGER.value})
    unit = set(group_members(session, [settings.of(session).business_unit_group]))
    return sorted(unit & set(managers)) or managers or \
        names_with_roles(session, {Role.ADMIN.value})


def recheck_person(session: Session, user_name: str, slugs, actor_name: str | None,
                   now: datetime) -> None:
    """After a person was saved (deactivated, reactivated, moved between groups): re-check the
    open tasks of the groups ``slugs`` and those naming them, and report the ones left with
    nobody."""
    mentions = cast(HumanTask.candidate_users, String).like(
        '%"' + _escaped(user_name) + '"%', escape="\\")
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.status == TaskStatus.OPEN,
        or_(HumanTask.id.in_(select(TaskCandidate.task_id)
                             .where(TaskCandidate.group_slug.in_(sorted(slugs)))),
            HumanTask.assignee == user_name, mentions))
        .order_by(HumanTask.created_at)).all()
    trail.record_and_notify(session, check(session, tasks, actor_name, now))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _someone_can_act(task, names: set[str], slugs: set[str]) -> bool:
    if task.assignee:
        return task.assignee in names
    return bool(names & set(task.candidate_users or [])
                or slugs & set(task.candidate_groups or []))
