"""Live workflows kept in memory between commands, reused when their row has not changed.

Deserializing an instance costs more than anything else in a command. After a command commits,
its workflow object is exactly the state it wrote, so the next command on the same instance in
this process can take it instead of rebuilding it, provided the row's version is still the one
written. An entry is *taken* (removed) on use, so two threads can never share a workflow, and
it is only published after the transaction commits: a rollback leaves nothing behind.
``set_enabled(False)`` turns the cache off, so every load deserializes (the round-trip tests).
"""
from __future__ import annotations

import threading
import zlib
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

CAPACITY = 256
_LIVE: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()
_LOCK = threading.Lock()
_PENDING = "lscb_live_pending"
_enabled = True


def _key(session: Session, instance_id: int) -> tuple:
    return (str(session.get_bind().url), instance_id)


def take(session: Session, instance_id: int, row_version: int, state_json: str):
    """The live workflow for this instance if the row still holds exactly what it wrote."""
    if not _enabled:
        return None
    with _LOCK:
        entry = _LIVE.pop(_key(session, instance_id), None)
    if entry is None or entry[0] != (row_version, zlib.crc32(state_json.encode())):
        return None
    return entry[1]


def offer(session: Session, instance_id: int, row_version: int, state_json: str,
          workflow) -> None:
    """Publish ``workflow`` for reuse once this session's transaction commits."""
    if not _enabled:
        return
    stamp = (row_version, zlib.crc32(state_json.encode()))
    session.info.setdefault(_PENDING, {})[_key(session, instance_id)] = (stamp, workflow)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    with _LOCK:
        for key, entry in pending.items():
            _LIVE[key] = entry
            _LIVE.move_to_end(key)
        while len(_LIVE) > CAPACITY:
            _LIVE.popitem(last=False)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def clear() -> None:
    """Forget every live workflow (tests, and after a schema or code change)."""
    with _LOCK:
        _LIVE.clear()


def set_enabled(enabled: bool) -> bool:
    """Turn the cache on or off (off: forgotten, nothing taken or offered); returns the old flag."""
    global _enabled
    with _LOCK:
        previous, _enabled = _enabled, enabled
        if not enabled:
            _LIVE.clear()
    return previous
