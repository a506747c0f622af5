"""Draining a queue of due work in batches: the scheduler's timer and deadline sweeps."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker


def drain(factory: sessionmaker, due_ids: Callable[[Session], list],
          act: Callable[[object], int]) -> int:
    """Call ``act(id)`` once for every id that ``due_ids(session)`` lists, re-reading the list
    (a batch at a time) until it names nothing new; returns the sum of what ``act`` returned.

    An id is never acted on twice in one drain, even when acting left it due (a failed step).
    """
    done, seen = 0, set()
    while True:
        with factory() as session:
            ids = [i for i in due_ids(session) if i not in seen]
        if not ids:
            return done
        for item in ids:
            seen.add(item)
            done += act(item)
