"""Who hears about what: in-app notifications, and the email outbox rows they lead to.

Notifications are written in the same transaction as the change they report (so a rolled
back change notifies nobody); emails are only *queued* here, as ``EmailOutbox`` rows that the
scheduler sends later (``engine/mail.py``), never inside a business transaction.

Everything is driven by audit events (``trail.record_and_notify`` calls ``on_audit``): a task created or
reassigned notifies its new owner(s); a deadline reminder or escalation notifies the people the
deadline watcher named in the event; an incident notifies managers and admins; a task nobody
can act on (``unassignable``) notifies the business unit's managers it names. Subjects and
bodies say what happened, to which step (its name in the diagram) of which case (its
reference), with the task's due date in the board's time zone, and a link; the case's data stays
behind the sign-in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, bindparam, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from models import (EmailOutbox, Group, Membership, Notification, ProcessInstance,
                    User, UserRole, utcnow)
from models.dates import long_date
from models.status import Role

from . import settings
from .writes import Writes

KINDS = {"task_created": "assigned", "task_offered": "assigned", "task_reassigned": "assigned",
         "deadline_reminder": "reminder", "deadline_escalated": "escalation",
         "incident": "incident", "task_unassignable": "unassignable"}
SUBJECTS = {"assigned": "New task “{title}” on case {ref}{due}",
            "reassigned": "Task “{title}” on case {ref} has been given to you{due}",
            "reminder": "Reminder: “{title}” on case {ref} is due {due_date}",
            "escalation": "Overdue task escalated: “{title}” on case {ref} was due {due_date}",
            "incident": "Incident on case {ref}",
            "unassignable": "Nobody can act on “{title}” of case {ref} (asked for: {asked})"}
MAX_SUBJECT = 300


def base_url(session: Session) -> str:
    """The web app's public address for links in emails (``LSCB_BASE_URL``, in the settings
    the session's factory carries)."""
    return settings.of(session).base_url


@dataclass(frozen=True)
class People:
    """The active users among some names and the members of some groups, read once for a
    command: whether its tasks have someone to act on them (``unassignable``) and who its
    events reach come from one statement."""

    names: frozenset = frozenset()           # the names asked about
    slugs: frozenset = frozenset()           # the groups asked about
    users: dict = field(default_factory=dict)      # active name -> row: name, email, notify_mode
    members: dict = field(default_factory=dict)    # slug -> its active members' names

    def knows(self, names, slugs) -> bool:
        """Whether these names and groups were asked about."""
        return self.names.issuperset(names) and self.slugs.issuperset(slugs)

    def active(self, names, slugs) -> list:
        """The active users among ``names`` and the members of ``slugs``, by name."""
        found = {n for n in names if n in self.users}
        found.update(n for s in slugs for n in self.members.get(s, ()))
        return [self.users[n] for n in sorted(found)]


NOBODY = People()


def read_people(session: Session, tasks, events) -> People:
    """Who ``tasks`` (their assignees, candidate users and groups) and ``events`` (the names
    and groups they notify) name, in one statement."""
    names, slugs = concerned(tasks, events)
    if not names and not slugs:
        return NOBODY
    return people_of(names, slugs, session.connection().execute(PEOPLE, people_params(names, slugs)))


def concerned(tasks, events) -> tuple[set, set]:
    """``(names, group slugs)`` that ``tasks`` and ``events`` name: whose people to read."""
    names, slugs = set(), set()
    for task in tasks:
        names.update(n for n in [task.assignee, *(task.candidate_users or [])] if n)
        slugs.update(task.candidate_groups or [])
    for event in events:
        wanted = _wanted(event) if event["action"] in KINDS else None
        if wanted is not None:
            names.update(wanted[0])
            slugs.update(wanted[1])
    return names, slugs


def people_params(names, slugs) -> dict:
    """The parameters of ``PEOPLE`` for these names and groups."""
    return {"names": sorted(names), "slugs": sorted(slugs)}


def people_of(names, slugs, rows) -> People:
    """The People of ``PEOPLE``'s ``rows`` for these names and groups (rows without a name are
    skipped)."""
    users, members = {}, {}
    for user in rows:
        if user.name is None:
            continue
        users[user.name] = user
        if user.slug is not None:
            members.setdefault(user.slug, set()).add(user.name)
    return People(frozenset(names), frozenset(slugs), users, members)


def on_audit(session: Session, events: list[dict], people: People = NOBODY,
             writes: Writes | None = None) -> None:
    """Notify the people audit events (the rows' values) concern; nothing for other events.

    The notifications (and queued emails) of all ``events`` are written with one INSERT each,
    through ``writes`` (default: at once). ``people``: who the command read already
    (``read_people``); others are read here.
    """
    notes, emails = [], []
    for event in events:
        kind = KINDS.get(event["action"])
        users = _recipient_users(session, event, people) if kind is not None else []
        if not users:
            continue
        instance_id, task_id = event["instance_id"], event["task_id"]
        reference = _reference(session, instance_id)
        on_case = kind == "unassignable" or not task_id      # reassigned from the case page
        path = f"/instances/{instance_id}" if on_case else f"/tasks/{task_id}"
        subject = describe(session, kind, event, reference)
        for user in users:
            note, email = _notification(user, kind, subject, reference, path, base_url(session),
                                        instance_id=instance_id, task_id=task_id, at=event["at"])
            notes.append(note)
            if email is not None:
                emails.append(email)
    _write(writes or Writes(session, wait=False), notes, emails)


def describe(session: Session, kind: str, event: dict, reference: str) -> str:
    """What happened, to which task of which case, and when it is due: a notification's
    subject (and its email's)."""
    detail = event["detail"] or {}
    due = long_date(detail.get("due_at"), settings.of(session).tz)
    if event["action"] == "task_reassigned" and not detail.get("assignee"):
        words = "Task “{title}” on case {ref} has been given to your group{due}"
    else:
        words = SUBJECTS["reassigned" if event["action"] == "task_reassigned" else kind]
    asked = _group_titles(session, detail.get("asked_for") or []) or "nobody"
    return words.format(ref=reference, title=detail.get("title") or "a task", asked=asked[:150],
                        due=f", due {due}" if due else "", due_date=due or "soon")[:MAX_SUBJECT]


def _group_titles(session: Session, slugs: list[str]) -> str:
    """Groups by their titles (a slug where a group has none, or does not exist)."""
    if not slugs:
        return ""
    titles = dict(session.execute(select(Group.slug, Group.title)
                                  .where(Group.slug.in_(slugs))).all())
    return ", ".join(titles.get(s) or s for s in slugs)


def _recipient_users(session: Session, event: dict, people: People = NOBODY) -> list:
    """The active users (name, email, notify_mode) an audit event should reach, in one query
    (none when ``people`` knows them): the names the event lists, managers and admins for an
    incident, the new assignee, else the task's candidate users and the members of its
    groups."""
    wanted = _wanted(event)
    if wanted is None:       # an incident
        names, slugs = names_with_roles(session, {Role.MANAGER.value, Role.ADMIN.value}), []
    else:
        names, slugs = wanted
    if not names and not slugs:
        return []
    if people.knows(names, slugs):
        return people.active(names, slugs)
    if slugs:
        return session.connection().execute(_BY_GROUP, {"names": names, "slugs": slugs}).all()
    return session.connection().execute(_BY_NAME, {"names": names}).all()


def _wanted(event: dict) -> tuple[list[str], list[str]] | None:
    """``(names, groups)`` whose active people an audit event reaches (None: by role)."""
    detail = event["detail"] or {}
    if "recipients" in detail:
        return list(detail["recipients"]), []
    if event["action"] == "incident":
        return None
    if event["action"] == "task_reassigned" or detail.get("assignee"):
        return ([detail["assignee"]] if detail.get("assignee") else []), []
    return list(detail.get("candidate_users") or []), list(detail.get("groups") or [])


def _users_where(wanted):
    return (select(User.name, User.email, User.notify_mode)
            .where(wanted, User.active.is_(True)).order_by(User.name))


# Built once: the statements are the same for every event, only the lists change.
_BY_NAME = _users_where(User.name.in_(bindparam("names", expanding=True)))
_BY_GROUP = _users_where(or_(
    User.name.in_(bindparam("names", expanding=True)),
    User.id.in_(select(Membership.user_id).join(Group, Group.id == Membership.group_id)
                .where(Group.slug.in_(bindparam("slugs", expanding=True))))))
PEOPLE = union_all(       # (slug or NULL, name, email, notify_mode) of active users
    select(literal(None, String).label("slug"), User.name, User.email, User.notify_mode)
    .where(User.active.is_(True), User.name.in_(bindparam("names", expanding=True))),
    select(Group.slug, User.name, User.email, User.notify_mode)
    .join(Membership, Membership.group_id == Group.id).join(User, User.id == Membership.user_id)
    .where(User.active.is_(True), Group.slug.in_(bindparam("slugs", expanding=True))))


def group_members(session: Session, slugs, leads_only: bool = False) -> list[str]:
    """Names of the members (or only the leads) of groups ``slugs``."""
    if not slugs:
        return []
    stmt = (select(User.name).join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.slug.in_(list(slugs)), User.active.is_(True)))
    if leads_only:
        stmt = stmt.where(Membership.is_lead.is_(True))
    return sorted(set(session.scalars(stmt)))


def names_with_roles(session: Session, roles: set[str]) -> list[str]:
    """Names of active users holding any of ``roles``."""
    stmt = (select(User.name).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_(sorted(roles)), User.active.is_(True)))
    return sorted(set(session.scalars(stmt)))


def _notification(user, kind, subject, reference, path, base, *, instance_id, task_id, at):
    """``(notification row, email outbox row or None)`` for one user, as plain values."""
    at = at or utcnow()
    email, outbox = "none", None
    if user.email and user.notify_mode == "digest":
        email = "digest"
    elif user.email:
        email = "queued"
        outbox = dict(user_name=user.name, to_address=user.email, kind="immediate",
                      subject=f"[LSCB] {subject}",
                      body=email_body([Notification(subject=subject, link=path)], base),
                      next_attempt_at=at, created_at=at)
    note = dict(user_name=user.name, kind=kind, subject=subject, reference=reference, link=path,
                instance_id=instance_id, task_id=task_id, created_at=at, email=email)
    return note, outbox


def _write(writes: Writes, notes: list[dict], emails: list[dict]) -> None:
    """Plain INSERTs on the session's connection, like the audit events that lead here."""
    if emails:
        writes.insert(_EMAIL_INSERT, emails)
    if notes:
        writes.insert(_NOTIFICATION_INSERT, notes)


_EMAIL_INSERT = insert(EmailOutbox.__table__)
_NOTIFICATION_INSERT = insert(Notification.__table__)


def email_body(notes: list[Notification], base: str) -> str:
    """The plain-text body for one or more notifications: references and links (under
    ``base``, the public address) only."""
    lines = [f"- {n.subject}\n  {base}{n.link}" for n in notes]
    return ("\n".join(lines) + "\n\nSign in to see the details. You can choose immediate emails "
            "or a daily digest on your profile page.\n")


def _reference(session: Session, instance_id) -> str:
    row = session.get(ProcessInstance, instance_id) if instance_id else None
    return (row.reference if row is not None else None) or f"#{instance_id}"
