"""The facade's commands on people, groups, lanes and API tokens (``ProcessEngine`` mixes them
in). Admins manage everyone; a person manages their own account and tokens. Each command
is audited by the module that does the work (``people``, ``tokens``)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, Group, User
from models.status import GroupKind, Role

from . import closures, people, regime, tokens, trail
from .actors import Actor, load_actor
from .errors import NotAllowed


class AdminCommands:
    """Users, groups, memberships, lane mappings and API tokens."""

    MIN_PASSWORD = people.MIN_PASSWORD

    def authenticate(self, session: Session, name: str, password: str) -> User | None:
        """The active user with this name and password, else None (the same work either way,
        so the answer's timing does not tell whether the name exists). Both are audited."""
        user = session.scalars(select(User).where(User.name == name)).first()
        good = people.password_matches(user.password_hash if user else None, password)
        if user is None or not user.active or not good:
            trail.audit_and_notify(session, None, "sign_in_failed", name=name[:80])
            return None
        trail.audit_and_notify(session, user.name, "signed_in")
        return user

    def sign_out(self, session: Session, actor: Actor) -> None:
        """End the actor's sessions (every device: a session copied elsewhere ends too)."""
        people.end_sessions(people.user_by_name(session, actor.name))
        trail.audit_and_notify(session, actor.name, "signed_out")

    def sign_out_everywhere(self, session: Session, actor: Actor, user_name: str) -> None:
        """End every session of a user (admins), e.g. for a lost laptop."""
        _require_admin(actor)
        people.end_sessions(people.user_by_name(session, user_name))
        trail.audit_and_notify(session, actor.name, "sessions_ended", user=user_name)

    def load_actor(self, session: Session, name: str) -> Actor:
        """The Actor of an active user (NotFound otherwise)."""
        return load_actor(session, name)

    def add_group(self, session: Session, actor: Actor, slug: str, title: str = "",
                  kind: str = GroupKind.BOARD.value) -> Group:
        """Create a group, or change its title and kind (admins)."""
        _require_admin(actor)
        return people.add_group(session, slug, title, kind, actor_name=actor.name)

    def list_groups(self, session: Session, actor: Actor, kind: str | None = None) -> list[Group]:
        """Every group, or those of one kind, by slug (admins)."""
        _require_admin(actor)
        return people.list_groups(session, kind)

    def rename_group(self, session: Session, actor: Actor, slug: str, title: str) -> Group:
        """Change a group's title; its slug stays (admins)."""
        _require_admin(actor)
        return people.rename_group(session, slug, title, actor_name=actor.name)

    def add_user(self, session: Session, actor: Actor, name: str, password: str | None,
                 **details) -> User:
        """Create or update a user with exactly the given groups and roles (admins)."""
        _require_admin(actor)
        return people.add_user(session, name, password, actor_name=actor.name, **details)

    def update_account(self, session: Session, actor: Actor, **changes) -> None:
        """The actor's own notification mode and/or password (current password required)."""
        people.update_account(session, people.user_by_name(session, actor.name), **changes)

    def lane_mappings(self, session: Session) -> dict[str, str]:
        """Every mapped lane with the group its tasks go to."""
        return people.lane_mappings(session)

    def lanes(self, session: Session) -> list[people.LaneRow]:
        """Every lane of the diagrams and every mapping, with the group each lane's tasks go to."""
        return people.lanes(session)

    def map_lane(self, session: Session, actor: Actor, lane: str, group_slug: str) -> None:
        """Send a lane's tasks that name no candidates to a group (admins); the lane must be
        one a deployed, drafted or shipped diagram has."""
        _require_admin(actor)
        people.map_lane(session, lane, group_slug, actor_name=actor.name)

    def unmap_lane(self, session: Session, actor: Actor, lane: str) -> None:
        """Remove a lane's mapping (admins)."""
        _require_admin(actor)
        people.unmap_lane(session, lane, actor_name=actor.name)

    def create_token(self, session: Session, actor: Actor, user_name: str, name: str = "",
                     messages=()) -> tuple[str, ApiToken]:
        """A new API token for ``user_name`` (themselves, or anyone for an admin), trusted by an
        admin with ``messages`` for a partner system: the token text, shown once and never
        stored, and its row."""
        return tokens.create_token(session, actor, user_name, name, messages)

    def revoke_token(self, session: Session, actor: Actor, token_id: int) -> None:
        """Revoke a token (its owner or an admin)."""
        tokens.revoke_token(session, actor, token_id)

    def user_tokens(self, session: Session, user_name: str) -> list[ApiToken]:
        """A user's tokens, newest first (hashes only)."""
        return tokens.user_tokens(session, user_name)

    def create_calendar_feed(self, session: Session, actor: Actor) -> str:
        """A new secret for the actor's deadline calendar feed (shown once, stored hashed)."""
        return tokens.create_calendar_feed(session, actor)

    def revoke_calendar_feed(self, session: Session, actor: Actor) -> None:
        """Revoke the actor's calendar feed address."""
        tokens.revoke_calendar_feed(session, actor)

    def calendar_feed_user(self, session: Session, secret: str) -> User | None:
        """The active user a calendar feed secret belongs to, else None."""
        return tokens.calendar_feed_user(session, secret)

    def calendar_feed_since(self, session: Session, actor: Actor):
        """When the actor's calendar feed address was made, or None."""
        return tokens.has_calendar_feed(session, actor)

    def verify_token(self, session: Session, token: str | None) -> Actor | None:
        """The Actor a valid, unrevoked token of an active user acts as, else None."""
        return tokens.verify_token(session, token)

    def board_regime(self, session: Session) -> str:
        """The regime new cases take (``engine.regime.REGIMES``)."""
        return regime.board_regime(session)

    def set_board_regime(self, session: Session, actor: Actor, value: str) -> None:
        """Set the regime new cases take (admins); cases already open keep theirs."""
        _require_admin(actor)
        regime.set_board_regime(session, value, actor.name)

    def add_closure_day(self, session: Session, actor: Actor, day: date, reason: str) -> None:
        """Declare (or re-describe) a day the board is closed (admins): every process's next
        command skips it in working-day deadlines (``refresh_calendar``)."""
        _require_admin(actor)
        closures.add_closure(session, day, reason, actor.name)

    def remove_closure_day(self, session: Session, actor: Actor, day: date) -> None:
        """Withdraw a closure day (admins); NotFound when it was not declared."""
        _require_admin(actor)
        closures.remove_closure(session, day, actor.name)


def _require_admin(actor: Actor) -> None:
    if Role.ADMIN.value not in actor.roles:
        raise NotAllowed("only admins can manage people, groups and lanes")
