"""The plan of a task's deadline: reminders before its due time, then the escalation ladder.

Pure functions (no database), so ``store`` can arm a new task row and ``deadlines`` can walk
the plan without importing each other. The plan is a list of steps in time order:

- one ``reminder`` per offset in the calendar's ``reminder_offsets`` (``LSCB_REMINDER_OFFSETS``,
  default ``P2WD,P1D``), that long *before* the due time, to the owner;
- one ``escalation`` per rung of the ladder (domain/pathways.md section 4.3), at the calendar's
  ``escalation_offsets`` *after* the due time (``LSCB_ESCALATION_OFFSETS``, default
  ``P0D,P2WD,P5WD,P10WD``): 1 the owner (overdue), 2 the group's lead, 3 the LISG chair,
  4 the Board challenge log.

Offsets use the calendar's deadline syntax (working days ``P2WD``, or ISO durations). A task's
row keeps ``deadline_step`` (steps done) and ``next_deadline_at`` (when the next step is due).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

LADDER = ("owner", "lead", "lisg_chair", "challenge_log")
_WD = re.compile(r"P?(\d+)\s*WD", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One step of a deadline plan: a reminder, or escalation to ladder rung ``level`` (1-4)."""

    kind: str
    level: int
    at: datetime


def shift(calendar, moment: datetime, offset: str, sign: int) -> datetime:
    """``moment`` moved by ``offset`` forwards (sign 1) or backwards (sign -1)."""
    if match := _WD.fullmatch(offset.strip()):
        return calendar.add_working_days(moment, sign * int(match.group(1)))
    later = calendar.parse_deadline(offset, moment)
    return moment + sign * (later - moment)


def plan(due_at: datetime, calendar) -> list[Step]:
    """Every step of the deadline plan for a task due at ``due_at``, in time order."""
    reminders = [Step("reminder", 0, shift(calendar, due_at, o, -1))
                 for o in calendar.reminder_offsets]
    ladder = calendar.escalation_offsets[:len(LADDER)]
    escalations = [Step("escalation", i + 1, shift(calendar, due_at, o, 1))
                   for i, o in enumerate(ladder)]
    reminders = [s for s in sorted(reminders, key=lambda s: s.at) if s.at < due_at]
    return reminders + escalations


def arm(due_at: datetime | None, calendar, now: datetime) -> tuple[int, datetime | None]:
    """``(deadline_step, next_deadline_at)`` for a task whose due time is (re)set at ``now``.

    Reminders whose moment has already passed are skipped (a task created one day before its
    due time gets no "two days left" reminder); escalations are never skipped.
    """
    if due_at is None:
        return 0, None
    steps = plan(due_at, calendar)
    index = 0
    while index < len(steps) and steps[index].kind == "reminder" and steps[index].at <= now:
        index += 1
    return index, steps[index].at if index < len(steps) else None
