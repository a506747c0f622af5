"""Who is acting: a user's name, groups and roles, and the rules about tasks that follow."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HumanTask, User
from models.status import Role

from .errors import NotAllowed, NotFound

SYSTEM = "system"
# The board's oversight groups: they see every learning action and read the board's reports.
OVERSIGHT_GROUPS = frozenset({"lisg", "business-unit", "lscb-chair", "board"})
CDOP_GROUPS = OVERSIGHT_GROUPS | {"cdop"}


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting on the engine."""

    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    # Messages this actor may deliver to any case (a partner system's scoped API token).
    messages: frozenset[str] = field(default_factory=frozenset)

    def may_message_any_case(self, name: str) -> bool:
        """Managers, and a partner trusted with message ``name``, reach cases they cannot see."""
        return self.is_manager or name in self.messages

    @property
    def is_manager(self) -> bool:
        """Managers and admins see every case and may reassign."""
        return bool(self.roles & {Role.MANAGER.value, Role.ADMIN.value})

    @property
    def oversees(self) -> bool:
        """Managers and the board's oversight groups: every learning action, board reports."""
        return self.is_manager or bool(self.groups & OVERSIGHT_GROUPS)

    @property
    def reads_cdop_reports(self) -> bool:
        """Those who oversee, and the child death overview panel."""
        return self.is_manager or bool(self.groups & CDOP_GROUPS)

    def visible_action_owners(self) -> set[str] | None:
        """The owners whose learning actions this actor may see (None: all of them)."""
        return None if self.oversees else set(self.groups)

    def is_candidate(self, task: HumanTask) -> bool:
        """The task is offered to this actor (one of its groups or users)."""
        return bool(self.groups & set(task.candidate_groups or [])) or \
            self.name in (task.candidate_users or [])

    def can_see(self, task: HumanTask) -> bool:
        """May see the task at all."""
        return self.is_manager or task.assignee == self.name or self.is_candidate(task)


def load_actor(session: Session, name: str) -> Actor:
    """The Actor for an active user name, or NotFound."""
    if name == SYSTEM:
        return Actor(SYSTEM, roles=frozenset({Role.ADMIN.value}))
    user = session.scalars(select(User).where(User.name == name, User.active.is_(True))).first()
    if user is None:
        raise NotFound("user", name)
    return actor_of(user)


def actor_of(user: User) -> Actor:
    """The Actor for a User row."""
    return Actor(user.name, frozenset(user.group_slugs), frozenset(user.role_names))


def check_can_claim(actor: Actor, task: HumanTask) -> None:
    """Raise NotAllowed unless the actor may take the task."""
    if task.assignee and task.assignee != actor.name:
        raise NotAllowed(f"task is already assigned to {task.assignee}")
    if not (actor.is_candidate(task) or task.assignee == actor.name
            or Role.ADMIN.value in actor.roles):
        raise NotAllowed("this task is not offered to any of your groups")


def check_can_complete(actor: Actor, task: HumanTask) -> None:
    """Raise NotAllowed unless the actor may complete the task (claiming it if unclaimed)."""
    if task.assignee:
        if task.assignee != actor.name:
            raise NotAllowed(f"only {task.assignee}, who has this task, can complete it")
        return
    check_can_claim(actor, task)


def require_manager(actor: Actor) -> None:
    """Raise NotAllowed unless the actor is a manager (or an admin)."""
    if not actor.is_manager:
        raise NotAllowed("only managers can do this")


def require_manager_to_migrate(actor: Actor) -> None:
    """Raise NotAllowed unless the actor manages: moving running cases to another version can
    change who may act on them, so a process owner alone may not (they could deploy a version
    that offers a case's task to themselves)."""
    if not actor.is_manager:
        raise NotAllowed("only managers can move running cases to another version")
