"""The engine's clock: one injectable ``now`` for our code and for SpiffWorkflow's timers.

SpiffWorkflow reads ``datetime.now(timezone.utc)`` itself inside its timer module, with no way to
pass a time in. ``install()`` swaps a clock-aware ``datetime`` subclass into that one module; its
``now()`` answers the time set by ``frozen(now)`` for the current context (thread or task), or
the wall clock otherwise. This lets ``lscb timers fire --now``, dry runs and simulations run the
engine at any moment without touching the process-wide clock.
"""
from __future__ import annotations

import contextlib
import contextvars
from datetime import datetime, timezone

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("lscb_now", default=None)


def now() -> datetime:
    """The engine's current time: aware UTC."""
    frozen_now = _NOW.get()
    if frozen_now is not None:
        return frozen_now
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """``value`` as aware UTC; naive values are refused (they are ambiguous)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no UTC offset")
    return value.astimezone(timezone.utc)


@contextlib.contextmanager
def frozen(at: datetime | None):
    """Run the block as if the clock read ``at`` (no-op when ``at`` is None)."""
    if at is None:
        yield
        return
    token = _NOW.set(as_utc(at))
    try:
        yield
    finally:
        _NOW.reset(token)


class _ClockDatetime(datetime):
    """``datetime`` whose ``now()`` asks the engine clock (installed into Spiff's timer module)."""

    @classmethod
    def now(cls, tz=None):
        current = now()
        return current if tz is None else current.astimezone(tz)


def install() -> None:
    """Make SpiffWorkflow's timers read the engine clock (idempotent)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
