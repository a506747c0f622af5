"""The audit trail: append-only events of who did what and when, and the notifications they
lead to, written in the caller's transaction.

Every writer here says in its name that it notifies: an event such as ``task_created`` or
``incident`` reaches people (``notify.on_audit``) in the same transaction as the change it
reports, so a rolled back change records and notifies nothing.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import AuditEvent, utcnow

from . import notify
from .writes import Writes


def event(actor_name: str | None, action: str, *, instance_id=None, task_id=None,
          bpmn_id=None, now: datetime | None = None, **detail) -> dict:
    """An audit event's row values, for ``record_and_notify``: ``actor_name`` did ``action``."""
    return dict(at=now or utcnow(), actor=actor_name, action=action, instance_id=instance_id,
                task_id=task_id, bpmn_id=bpmn_id, detail=jsonable(detail))


def record_and_notify(session: Session, events: list[dict],
                      people: notify.People = notify.NOBODY) -> None:
    """Append audit events, in order, and write the notifications they lead to.

    One plain INSERT on the session's connection: the trail is append-only, so the ORM's unit
    of work (and the autoflush it would trigger) buys nothing here, and a command's events
    (a task completed, the tasks it created) cost one statement; on PostgreSQL their
    notifications go in the same statement (``engine/writes.py``), and it travels with the
    transaction's next statement or its COMMIT. ``people``: who the command read already
    (``notify.read_people``).
    """
    if events:
        writes = Writes(session)
        writes.insert(_AUDIT_INSERT, events)
        notify.on_audit(session, events, people, writes)
        writes.send(unread=True)


def audit_and_notify(session: Session, actor_name: str | None, action: str, *,
                     instance_id=None, task_id=None, bpmn_id=None, now: datetime | None = None,
                     **detail) -> None:
    """Append one audit event and write the notifications it leads to."""
    record_and_notify(session, [event(actor_name, action, instance_id=instance_id, task_id=task_id,
                                      bpmn_id=bpmn_id, now=now, **detail)])


_AUDIT_INSERT = insert(AuditEvent.__table__)


def jsonable(value):
    """``value`` as plain JSON types (dates become ISO strings, sets and tuples lists)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)
