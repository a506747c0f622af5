"""Statutory compliance: the share of cases that met each timescale, from task timestamps.

Each measure runs from a *start* to an *end* moment of the same instance; both are moments of
a BPMN step read from the task projection: ``created`` (the step became ready: the work
reached that lane) or ``completed`` (the step was done; cancelled tasks never count as done).
When the same step ran more than once, its first moment counts.

| key | measure | start | end | limit |
|---|---|---|---|---|
| notification_5wd | serious incident notified within 5 working days | ``take_immediate_action`` created (the agency became aware and opened the case) | ``notify_regulator`` completed | 5 working days |
| scr_decision_1m | SCR decision within one month of notification | ``log_case`` created (the notification reached the Business Unit) | ``decide_scr`` completed | 1 calendar month |
| rapid_review_15wd | rapid review within 15 working days | ``record_panel_notification`` completed (notification sent to the Panel) | ``rapid_review`` completed | 15 working days |
| review_6m | review completed within six months | ``appoint_reviewer`` created (the decision to start the review) | ``board_acceptance`` created (the final report reached the Board) | 6 calendar months |

Counting, per measure, over the cases whose start falls in ``[since, until)``:
- *on time*: ended within the limit; *late*: ended after it;
- *open, overdue*: not ended, not cancelled, and the limit has passed at ``now``;
- *open, in time*: not ended and the limit has not passed (excluded from the share);
- cancelled cases that never ended are left out.
``share = on_time / (on_time + late + open_overdue)`` (``None`` when nothing is due yet).

Limits, in the board's local days: *n working days* means the end falls on or before the n-th
working day after the start's day (``calendar.add_working_days``: weekends, England and Wales
bank holidays and board closures do not count; a start on a non-working day counts from the
next working day), that is by the end of that day. *n calendar months* means the end's day is
on or before the start's day moved by n months (31 Jan + 1 month = 28/29 Feb).
The caller passes the calendar (this package imports nothing of the engine).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import String, case, func, select
from sqlalchemy.orm import Session

from .dates import BOARD_TZ, add_months
from .process import ProcessInstance
from .status import InstanceStatus, TaskStatus
from .task import HumanTask

@dataclass(frozen=True)
class Measure:
    """One statutory timescale between two moments of an instance."""

    key: str
    title: str
    basis: str
    start: tuple[str, str]          # (bpmn_id, "created" | "completed")
    end: tuple[str, str]
    working_days: int | None = None
    months: int | None = None

    @property
    def limit_text(self) -> str:
        """The limit in words."""
        if self.working_days is not None:
            return f"{self.working_days} working days"
        return "one month" if self.months == 1 else f"{self.months} months"


MEASURES = [
    Measure("notification_5wd", "Serious incident notifications made within 5 working days",
            "Ofsted/Panel notified within 5 working days of the local authority becoming aware",
            ("take_immediate_action", "created"), ("notify_regulator", "completed"),
            working_days=5),
    Measure("scr_decision_1m", "SCR decisions made within one month of notification",
            "The LSCB Chair decides on an SCR normally within one month of notification",
            ("log_case", "created"), ("decide_scr", "completed"), months=1),
    Measure("rapid_review_15wd", "Rapid reviews completed within 15 working days",
            "Rapid review to the Panel within 15 working days of the notification",
            ("record_panel_notification", "completed"), ("rapid_review", "completed"),
            working_days=15),
    Measure("review_6m", "Reviews completed within six months",
            "SCR/LCSPR completed within six months of the decision to start it",
            ("appoint_reviewer", "created"), ("board_acceptance", "created"), months=6),
]


@dataclass
class Figure:
    """How one measure fared: counts, the share on time, and the late cases' ids."""

    measure: Measure
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0
    late_ids: list[int] = field(default_factory=list)

    @property
    def due(self) -> int:
        """Cases whose outcome counts: ended, or still open past the limit."""
        return self.on_time + self.late + self.open_overdue

    @property
    def share(self) -> float | None:
        """On time as a fraction of ``due`` (None when nothing is due)."""
        return self.on_time / self.due if self.due else None


def within(measure: Measure, start: datetime, end: datetime, calendar) -> bool:
    """True when ``end``'s local day is on or before the measure's last allowed day."""
    tz = getattr(calendar, "tz", BOARD_TZ)
    return end.astimezone(tz).date() <= last_day(measure, start, calendar)


def last_day(measure: Measure, start: datetime, calendar) -> date:
    """The last local day that is still within the limit from ``start`` (cached per day)."""
    tz = getattr(calendar, "tz", BOARD_TZ)
    return _last_day_of(measure, start.astimezone(tz).date(), calendar, tz)


def _last_day_of(measure: Measure, day: date, calendar, tz) -> date:
    if measure.months is not None:
        return add_months(day, measure.months)
    key = (getattr(calendar, "region", None), getattr(calendar, "closures", None), str(tz), day,
           measure.working_days)
    found = _LAST_DAYS.get(key)
    if found is None:
        noon = datetime.combine(day, time(12), tzinfo=tz)
        found = calendar.add_working_days(noon, measure.working_days).astimezone(tz).date()
        if len(_LAST_DAYS) > 50_000:
            _LAST_DAYS.clear()
        _LAST_DAYS[key] = found
    return found


_LAST_DAYS: dict[tuple, date] = {}


def _moments(session: Session, measures: list[Measure],
             since: datetime | None = None) -> dict[tuple[str, str], dict[int, datetime]]:
    """``{(bpmn_id, kind): {instance_id: first moment}}`` for the moments the measures use,
    from one grouped query that reads a covering index.

    With ``since``, only task rows with a moment on or after it are read (a step that ran
    before ``since`` and again after it then counts from its later run).
    """
    found = {moment: {} for m in measures for moment in (m.start, m.end)}
    ids = sorted({bpmn_id for bpmn_id, _ in found})
    done = case((HumanTask.status == TaskStatus.COMPLETED, HumanTask.completed_at))
    stmt = (select(HumanTask.bpmn_id, HumanTask.instance_id,       # untyped: parsed by _aware
                   func.min(HumanTask.created_at, type_=String), func.min(done, type_=String))
            .where(HumanTask.bpmn_id.in_(ids))
            .group_by(HumanTask.bpmn_id, HumanTask.instance_id))
    if since is not None:
        stmt = stmt.where((HumanTask.created_at >= since) | (HumanTask.completed_at >= since))
    for bpmn_id, instance_id, created, completed in session.execute(stmt):
        if created is not None and (bpmn_id, "created") in found:
            found[(bpmn_id, "created")][instance_id] = _aware(created)
        if completed is not None and (bpmn_id, "completed") in found:
            found[(bpmn_id, "completed")][instance_id] = _aware(completed)
    return found


def _aware(value) -> datetime:
    """An untyped aggregate: naive UTC text on SQLite (as ``UTCDateTime`` stores it), an aware
    datetime on PostgreSQL."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _cancelled(session: Session) -> set[int]:
    """Ids of cancelled instances (their open measures are left out)."""
    stmt = select(ProcessInstance.id).where(ProcessInstance.status == InstanceStatus.CANCELLED)
    return set(session.scalars(stmt))


def compliance(session: Session, calendar, now: datetime, since: datetime | None = None,
               until: datetime | None = None,
               measures: list[Measure] | None = None) -> list[Figure]:
    """One Figure per measure over cases whose start moment is in ``[since, until)``."""
    measures = measures or MEASURES
    moments = _moments(session, measures, since)
    cancelled = _cancelled(session)
    tz = getattr(calendar, "tz", BOARD_TZ)
    today = now.astimezone(tz).date()
    figures = []
    for measure in measures:
        figure, ends = Figure(measure), moments[measure.end]
        limits: dict[date, date] = {}       # start's local day -> last allowed local day
        for instance_id, start in sorted(moments[measure.start].items()):
            if (since and start < since) or (until and start >= until):
                continue
            end = ends.get(instance_id)
            if end is None and instance_id in cancelled:
                continue
            day = start.astimezone(tz).date()
            limit = limits.get(day)
            if limit is None:
                limit = limits[day] = _last_day_of(measure, day, calendar, tz)
            _count(figure, instance_id, end is not None,
                   (end.astimezone(tz).date() if end is not None else today) <= limit)
        figures.append(figure)
    return figures


def _count(figure: Figure, instance_id: int, ended: bool, in_time: bool) -> None:
    if ended and in_time:
        figure.on_time += 1
    elif ended:
        figure.late += 1
        figure.late_ids.append(instance_id)
    elif in_time:
        figure.open_in_time += 1
    else:
        figure.open_overdue += 1
        figure.late_ids.append(instance_id)
