"""Users, groups, memberships and lane mappings: the only way anything writes them."""
from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import Group, LaneMapping, Membership, User, UserRole
from models.status import GroupKind, Role

from . import clock, library, unassignable
from .assignment import group_slug, lane_group
from .errors import InputError, NotFound
from .forms import GROUP_TYPES
from .trail import audit_and_notify as audit

MIN_PASSWORD = 10
# The key derivation every stored password gets: werkzeug's strong default. The test suite
# lowers it (tests/conftest.py), since hashing test users would otherwise dominate its time.
PASSWORD_HASH_METHOD = "scrypt"
NOTIFY_MODES = ("immediate", "digest")


def add_group(session: Session, slug: str, title: str = "", kind: str = GroupKind.BOARD,
              actor_name: str | None = None) -> Group:
    """Create a group (idempotent on slug: updates title/kind)."""
    slug = group_slug(slug)
    if not slug or not all(c.isalnum() or c in "-_" for c in slug):
        raise InputError(f"group name {slug!r} must be letters, digits, '-' or '_'")
    if kind not in {k.value for k in GroupKind}:
        raise InputError(f"group kind must be one of {[k.value for k in GroupKind]}")
    group = session.scalars(select(Group).where(Group.slug == slug)).first()
    if group is None:
        group = Group(slug=slug)
        session.add(group)
    group.title, group.kind = title or group.title or slug, kind
    session.flush()
    audit(session, actor_name, "group_saved", slug=slug, title=group.title, kind=kind)
    return group


def add_user(session: Session, name: str, password: str | None, *, groups: Iterable[str] = (),
             roles: Iterable[str] = (), display_name: str = "", email: str | None = None,
             lead_of: Iterable[str] = (), active: bool | None = None,
             actor_name: str | None = None) -> User:
    """Create or update a user with exactly these groups and roles (``active`` False: they
    can no longer sign in or be given work)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise InputError("user name must be 1-80 characters")
    roles = set(roles)
    unknown = roles - {r.value for r in Role}
    if unknown:
        raise InputError(f"unknown role(s) {sorted(unknown)}; use {[r.value for r in Role]}")
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        user = User(name=name)
        session.add(user)
    was_active, had_groups = user.active is not False, set(user.group_slugs)
    if password is not None:
        set_password(user, password)
    user.display_name = display_name or user.display_name or name
    user.email = email or user.email
    if active is not None and active != user.active:
        user.active = active
        end_sessions(user)
    groups, leads = {group_slug(g) for g in groups}, {group_slug(g) for g in lead_of}
    wanted = [group_by_slug(session, g) for g in sorted(groups | leads)]
    with session.no_autoflush:
        # Keep rows that stay (replacing them would insert before deleting: unique clash).
        had_roles = {r.role: r for r in user.roles}
        user.roles = [had_roles.get(r) or UserRole(role=r) for r in sorted(roles)]
        had = {m.group.slug: m for m in user.memberships}
        user.memberships = [had.get(g.slug) or Membership(group=g) for g in wanted]
        for membership in user.memberships:
            membership.is_lead = membership.group.slug in leads
    session.flush()
    audit(session, actor_name, "user_saved", name=name, roles=sorted(roles), groups=sorted(groups),
          active=user.active, password_set=password is not None)
    moved = had_groups | user.group_slugs if was_active != user.active \
        else had_groups ^ user.group_slugs           # the groups whose people changed
    unassignable.recheck_person(session, name, moved, actor_name, clock.now())
    return user


def set_password(user: User, password: str) -> None:
    """Hash (``PASSWORD_HASH_METHOD``) and set a password, refusing short ones."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password must be at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session of the user (a copied cookie included): they sign in again."""
    user.session_generation = (user.session_generation or 1) + 1


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; with no hash (unknown user, none set), False
    after checking against a dummy hash of the same method, so both paths take as long."""
    matched = check_password_hash(password_hash or _dummy_hash(PASSWORD_HASH_METHOD), password)
    return matched and bool(password_hash)


@functools.lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def update_account(session: Session, user: User, *, notify_mode: str | None = None,
                   password: str | None = None, current_password: str = "") -> None:
    """A person's own notification mode and/or password (current one required); audited."""
    if notify_mode not in (None, *NOTIFY_MODES):
        raise InputError(f"notifications must be one of {list(NOTIFY_MODES)}", field="notify_mode")
    if password is not None and not password_matches(user.password_hash, current_password):
        raise InputError("your current password is not correct", field="current_password")
    if password is not None:
        set_password(user, password)
    user.notify_mode = notify_mode or user.notify_mode
    audit(session, user.name, "account_updated", notify_mode=notify_mode,
          password_changed=password is not None)


def user_by_name(session: Session, name: str) -> User:
    """The user with this name, or NotFound."""
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound("user", name)
    return user


def require_active(session: Session, name: str) -> None:
    """InputError (on the assignee field) unless an active user has this name: the one check
    before a task is given to a person, who must be there to act on it."""
    if session.scalar(select(User.id).where(User.name == name, User.active.is_(True))) is None:
        raise InputError(f"There is no active user called {name!r}", field="assignee")


def group_by_slug(session: Session, slug: str) -> Group:
    """The group with this slug, whatever its case, or NotFound."""
    group = session.scalars(select(Group).where(Group.slug == group_slug(slug))).first()
    if group is None:
        raise NotFound("group", slug)
    return group


def group_kinds(session: Session, fields: list[dict] | None = None) -> dict[str, str]:
    """``{slug: kind}`` of every group: what a form's group fields accept (read only when
    ``fields``, if given, has a ``group`` or ``groups`` field)."""
    if fields is not None and not any(f.get("type") in GROUP_TYPES for f in fields):
        return {}
    return {slug: kind for slug, kind in session.execute(select(Group.slug, Group.kind))}


def list_groups(session: Session, kind: str | None = None) -> list[Group]:
    """Every group (or those of one kind), by slug."""
    stmt = select(Group).order_by(Group.slug)
    if kind is not None:
        stmt = stmt.where(Group.kind == kind)
    return list(session.scalars(stmt))


def rename_group(session: Session, slug: str, title: str, actor_name: str | None = None) -> Group:
    """Change a group's title (its slug, which diagrams and case data name, stays)."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InputError("a group's title must be 1-200 characters", field="title")
    group = group_by_slug(session, slug)
    group.title = title
    session.flush()
    audit(session, actor_name, "group_renamed", slug=group.slug, title=title)
    return group


def lane_mappings(session: Session) -> dict[str, str]:
    """Every lane an admin mapped, with the group slug its tasks go to."""
    return dict(session.execute(select(LaneMapping.lane, LaneMapping.group_slug)).all())


@dataclass(frozen=True)
class LaneRow:
    """A lane as the admin page lists it: the group it is mapped to, else the group its name
    stands for (``fallback``) and whether that group exists; ``in_diagrams`` is False for a
    mapping no diagram uses any more."""

    lane: str
    group: str | None
    fallback: str
    fallback_exists: bool
    in_diagrams: bool


def lanes(session: Session) -> list[LaneRow]:
    """Every lane of the diagrams (deployed, drafted, shipped) and every mapped lane, by name."""
    mapped, known = lane_mappings(session), library.known_lanes(session)
    groups = set(session.scalars(select(Group.slug)))
    return [LaneRow(lane, mapped.get(lane), lane_group(lane), lane_group(lane) in groups,
                    lane in known)
            for lane in sorted(known | set(mapped), key=str.casefold)]


def map_lane(session: Session, lane: str, slug: str, actor_name: str | None = None) -> None:
    """Send a lane's unassigned user tasks to a group; the lane must be one a diagram has."""
    if lane not in library.known_lanes(session):
        raise InputError(f"No deployed diagram, draft or shipped diagram has a lane named "
                         f"{lane!r} (lanes are matched exactly as written). To map a lane of a "
                         f"diagram not deployed yet, save the diagram as a draft first.",
                         field="lane")
    slug = group_by_slug(session, slug).slug
    row = session.get(LaneMapping, lane) or LaneMapping(lane=lane)
    row.group_slug = slug
    session.add(row)
    audit(session, actor_name, "lane_mapped", lane=lane, group=slug)


def unmap_lane(session: Session, lane: str, actor_name: str | None = None) -> None:
    """Remove a lane's mapping: its tasks go to the group its name stands for again."""
    row = session.get(LaneMapping, lane)
    if row is None:
        raise NotFound("lane mapping", lane)
    session.delete(row)
    session.flush()
    audit(session, actor_name, "lane_unmapped", lane=lane, group=row.group_slug)
