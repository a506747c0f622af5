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

from sqlalchemy import bindparam, cast, literal, or_, select, union_all, String
from sqlalchemy.orm import Session

from models import Group, HumanTask, Membership, TaskCandidate, User
from models.status import Role, TaskStatus

from . import settings, task_rows, trail
from .notify import group_members, names_with_roles


def check(session: Session, tasks, actor_name: str | None, now: datetime) -> list[dict]:
    """Mark the open ``tasks`` nobody active can act on and unmark those someone now can.

    Returns the audit events of the tasks newly found unassignable, for the caller to record
    with its own (``trail.record_and_notify``)."""
    tasks = [t for t in dict.fromkeys(tasks) if t.status == TaskStatus.OPEN]
    if not tasks:
        return []
    names, slugs = _active(session, tasks)
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


def _active(session: Session, tasks) -> tuple[set[str], set[str]]:
    """Of the names and groups the tasks ask for: the active users, and the groups with an
    active member (one statement)."""
    names = sorted({n for t in tasks for n in [t.assignee, *(t.candidate_users or [])] if n})
    slugs = sorted({g for t in tasks for g in t.candidate_groups or []})
    found = session.connection().execute(_ACTIVE, {"names": names, "slugs": slugs}).all()
    return ({value for kind, value in found if kind == "user"},
            {value for kind, value in found if kind == "group"})


# Built once: only the lists change.
_ACTIVE = union_all(
    select(literal("user").label("kind"), User.name.label("value"))
    .where(User.active.is_(True), User.name.in_(bindparam("names", expanding=True))),
    select(literal("group"), Group.slug)
    .join(Membership, Membership.group_id == Group.id)
    .join(User, User.id == Membership.user_id)
    .where(User.active.is_(True), Group.slug.in_(bindparam("slugs", expanding=True))))
