"""Statutory compliance: the share of cases that met each timescale, from the dates the law uses.

Each measure runs from a *start* date to an *end* date recorded in the same case's data (the
dates people enter in the pathway's forms, or a step records when it happens), under every
regime that has the duty:

| key | measure | start (case data) | end (case data) | limit |
|---|---|---|---|---|
| notification_5wd | statutory notification within 5 working days of the local authority becoming aware (all regimes; cases the notification rules say must be notified, or that were) | ``la_aware_on`` | ``notification_sent_on`` | 5 working days |
| decision_1m | the board's decision on the route within one month of receiving the notification (2015: the LSCB Chair's SCR decision; LISG's route below the threshold, cases closed at triage included; 2018/2023: the rapid review route) | ``received_on`` | ``route_decided_on`` | 1 calendar month |
| rapid_review_15wd | rapid review sent to the Panel within 15 working days of the notification to the Panel (2018/2023) | ``panel_notified_on`` | ``rapid_review_sent_on`` | 15 working days |
| review_6m | review published within six months of the decision to start it (2015 SCR start; 2018/2023 the partners' LCSPR decision) | ``review_started_on`` | ``published_on`` | 6 calendar months |

Counting, per measure, over the cases whose start date falls in ``[since, until)`` (the board's
local days of those moments):
- *on time*: the end date is within the limit; *late*: after it;
- *open, overdue*: no end date, the case still open, and the limit has passed at ``now``;
- *open, in time*: no end date and the limit has not passed (excluded from the share);
- cases cancelled or finished without the end date (e.g. a report not published) are left out.
``share = on_time / (on_time + late + open_overdue)`` (``None`` when nothing is due yet).

Limits, in the board's local days: *n working days* means the end falls on or before the n-th
working day after the start day (``calendar.add_working_days``: weekends, England and Wales
bank holidays and board closures do not count; a start on a non-working day counts from the
next working day). *n calendar months* means the end day is on or before the start day moved by
n months (31 Jan + 1 month = 28/29 Feb). The caller passes the calendar (this package imports
nothing of the engine). All four figures come from one query over the case rows.

On PostgreSQL the figures are memoized per part of the cases (``PART`` ids), under the part's
*stamp*: its count, the sum of its ids and the sum of a hash of each row's id and of all that
compliance reads of it (its status and statutory dates and flags), read from an index alone
(``parts``), and under the case table's oid (a restore makes it anew). A save that changes
none of these leaves its part's figures memoized.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import Session

from .dates import BOARD_TZ, add_months
from .process import STAMPED_COLUMNS, STATUTORY_COLUMNS, STATUTORY_START_COLUMN, ProcessInstance
from .status import InstanceStatus

@dataclass(frozen=True)
class Measure:
    """One statutory timescale between two dates of a case."""

    key: str
    title: str
    basis: str
    start: str                      # case data field: the ISO date the clock starts
    end: str                        # case data field: the ISO date the duty was met
    working_days: int | None = None
    months: int | None = None
    applies: str | None = None      # case data flag: the duty applies (else only if ``end`` is set)

    @property
    def counted(self) -> str:
        """Between which two days of the case it counts, in words."""
        return f"from the day {DAYS[self.start]} to the day {DAYS[self.end]}"

    @property
    def limit_text(self) -> str:
        """The limit in words."""
        if self.working_days is not None:
            return f"{self.working_days} working days"
        return "one month" if self.months == 1 else f"{self.months} months"


# the case data dates the measures count between, as people say them
DAYS = {"la_aware_on": "the local authority became aware",
        "notification_sent_on": "the notification was sent",
        "received_on": "the board received the notification",
        "route_decided_on": "the route was decided", "panel_notified_on": "the Panel was notified",
        "rapid_review_sent_on": "the rapid review was sent",
        "review_started_on": "the review started", "published_on": "the report was published"}

MEASURES = [
    Measure("notification_5wd", "Statutory notifications made within 5 working days",
            "Ofsted (2015) or the Panel (2018/2023) notified within 5 working days of the local "
            "authority becoming aware", "la_aware_on", "notification_sent_on", working_days=5,
            applies="la_must_notify"),
    Measure("decision_1m", "Decisions on the route within one month of notification",
            "The LSCB Chair's SCR decision, or the route chosen (cases closed at triage count), "
            "within one month of the board receiving the notification", "received_on",
            "route_decided_on", months=1),
    Measure("rapid_review_15wd", "Rapid reviews sent within 15 working days",
            "Rapid review to the Panel within 15 working days of the notification to the Panel",
            "panel_notified_on", "rapid_review_sent_on", working_days=15),
    Measure("review_6m", "Reviews published within six months",
            "SCR/LCSPR published within six months of the decision to start it",
            "review_started_on", "published_on", months=6),
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


def within(measure: Measure, start: date, end: date, calendar) -> bool:
    """True when the ``end`` day is on or before the measure's last allowed day from ``start``."""
    return end <= last_day(measure, start, calendar)


def last_day(measure: Measure, start: date, calendar) -> date:
    """The last local day that is still within the limit from the ``start`` day (cached)."""
    if measure.months is not None:
        return add_months(start, measure.months)
    tz = getattr(calendar, "tz", BOARD_TZ)
    key = (getattr(calendar, "region", None), getattr(calendar, "closures", None), str(tz), start,
           measure.working_days)
    found = _LAST_DAYS.get(key)
    if found is None:
        noon = datetime.combine(start, time(12), tzinfo=tz)
        found = calendar.add_working_days(noon, measure.working_days).astimezone(tz).date()
        if len(_LAST_DAYS) > 50_000:
            _LAST_DAYS.clear()
        _LAST_DAYS[key] = found
    return found


_LAST_DAYS: dict[tuple, date] = {}


def measured_fields(measures: list[Measure]) -> list[str]:
    """The case data fields the measures read: their dates, then their flags."""
    return sorted({n for m in measures for n in (m.start, m.end)}) + \
        sorted({m.applies for m in measures if m.applies})


def case_dates(session: Session, measures: list[Measure], first: date | None = None,
               only: list[int] | None = None) -> tuple[list[str], list[tuple]]:
    """The fields the measures read, and ``(instance id, status, *their values)`` of every case
    with a statutory start date: one query reading the database's copies of those fields
    (``process.STATUTORY_COLUMNS``: a date's first ten characters, a flag's JSON text) instead
    of the case data itself. With ``only`` (PostgreSQL), of the cases in those parts (see
    ``parts``; of more cases when there are many parts), each row ending with the hash of its id
    and what is read of it (``_CONTENT``).

    Only cases with a start (``statutory_start``, indexed, is not ''); with ``first``, only
    those that may have a start date on or after that day: whose latest recorded start is not
    before it as text. A superset, never fewer: every value ``_day`` reads as a date on or
    after ``first`` begins with its four-digit year and, when the year is the same, continues
    with a character ('-', a digit or 'W') that sorts no lower than ``first``'s ISO form does
    there.
    """
    fields = measured_fields(measures)
    stmt = select(ProcessInstance.id, ProcessInstance.status,
                  *(STATUTORY_COLUMNS[n] for n in fields))
    if only is not None:
        stmt = stmt.add_columns(_CONTENT)
        if len(only) <= 8:      # a few parts by the primary key; many: every row, one scan
            stmt = stmt.where(or_(*(ProcessInstance.id.between(part * PART, part * PART + PART - 1)
                                    for part in only)))
    return fields, session.connection().execute(_started(stmt, first)
                                                .order_by(ProcessInstance.id)).all()


def _started(stmt, first: date | None):
    """``stmt`` over the cases with a statutory start (on or after ``first``, as text)."""
    stmt = stmt.where(STATUTORY_START_COLUMN > "")
    return stmt if first is None else stmt.where(STATUTORY_START_COLUMN >= first.isoformat())


# -- PostgreSQL: figures memoized per part of the cases, by what each part holds ---------------
PART = 1024     # cases (by id) per memoized part: a change recounts only its part's ~600
# A part's stamp: its count, the sum of its ids and the sum of a 64-bit hash, seeded by each
# row's id, of everything compliance reads of the row (its start, status and statutory copies,
# as one row's text: NULL and '' differ there): any change to what the figures are counted
# from changes the stamp, whatever wrote it, and nothing else does. A hash seeded by the id,
# not the values themselves: two rows leaving a part while two others enter could leave sums
# of plain values as they were; sums of hashes match again by chance only, ~2^-64. All are
# read from ``ix_process_instance_statutory_parts`` (start, id, then the rest included) alone.
_CONTENT = literal_column(
    f"hashtextextended(ROW(statutory_start, {', '.join(STAMPED_COLUMNS)})::text, id)")
# The case table's oid: a table made anew (a restore) may hold other rows under the same stamps.
_TABLE = literal_column("'process_instance'::regclass::oid")


def parts(session: Session, first: date | None) -> dict[int, tuple]:
    """``{part: stamp}`` of the parts of the cases ``case_dates`` reads: one pass of sums over
    an index, no case rows read nor sent."""
    part = (ProcessInstance.id // PART).label("part")
    stmt = _started(select(part, func.count(), func.sum(ProcessInstance.id), func.sum(_CONTENT)),
                    first).group_by(part)
    return {row[0]: tuple(row[1:]) for row in session.connection().execute(stmt)}


def part_stamps(rows: list[tuple]) -> dict[int, tuple]:
    """``{part: stamp}`` of these rows of ``case_dates(..., only)``, the stamp ``parts``
    sums."""
    found: dict[int, list[int]] = {}
    for row in rows:
        stamp = found.setdefault(row[0] // PART, [0, 0, 0])
        stamp[0] += 1
        stamp[1] += row[0]
        stamp[2] += row[-1]
    return {part: tuple(stamp) for part, stamp in found.items()}


_PARTS: dict[tuple, list[Figure]] = {}


@lru_cache(maxsize=100_000)
def _day(value) -> date | None:
    """The date an ISO date (or date-time) text starts with; None for anything else."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@lru_cache(maxsize=1_000)
def _flag(value: str | None) -> bool:
    """Whether a flag's JSON text holds a true value (as Python reads it: true, 1, "yes")."""
    return bool(value) and bool(json.loads(value))


def compliance(session: Session, calendar, now: datetime, since: datetime | None = None,
               until: datetime | None = None,
               measures: list[Measure] | None = None) -> list[Figure]:
    """One Figure per measure over cases whose start date is in ``[since, until)``.

    On PostgreSQL the figures are summed from parts of the cases (``PART`` ids each), each
    part's figures memoized by its stamp (``parts``) and everything else they depend on (the
    day, the period, the measures, the calendar's region, closures and time zone): after a
    change only the changed parts are read and counted again.
    """
    measures = measures or MEASURES
    tz = getattr(calendar, "tz", BOARD_TZ)
    today = now.astimezone(tz).date()
    first = since.astimezone(tz).date() if since else None
    stop = until.astimezone(tz).date() if until else None
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or not hasattr(calendar, "closures"):
        fields, rows = case_dates(session, measures, first)
        return count_figures(measures, fields, rows, calendar, today, first, stop)
    fields = measured_fields(measures)
    table = session.connection().scalar(select(_TABLE))
    context = (str(bind.url), table, getattr(calendar, "region", None), calendar.closures,
               str(tz), today, first, stop, tuple(measures))
    if len(_PARTS) > 5_000:
        _PARTS.clear()
    # the parts' figures held here (another thread may clear the memo meanwhile)
    held = {part: _PARTS.get((context, part, stamp))
            for part, stamp in parts(session, first).items()}
    missing = [part for part, found in held.items() if found is None]
    if missing:
        _, rows = case_dates(session, measures, first, missing)
        by_part: dict[int, list[tuple]] = {part: [] for part in missing}
        for row in rows:
            if row[0] // PART in by_part:
                by_part[row[0] // PART].append(row)
        read = part_stamps(rows)
        for part, part_rows in by_part.items():
            # kept under the stamp of the rows read, which hold any change committed since
            # ``parts`` ran: a part's figures are never kept under another state's stamp
            held[part] = _PARTS[(context, part, read.get(part))] = count_figures(
                measures, fields, part_rows, calendar, today, first, stop)
    figures = [Figure(m) for m in measures]
    for part in sorted(held):
        found = held[part]
        for figure, counted in zip(figures, found):
            figure.on_time += counted.on_time
            figure.late += counted.late
            figure.open_overdue += counted.open_overdue
            figure.open_in_time += counted.open_in_time
            figure.late_ids += counted.late_ids
    return figures


def count_figures(measures: list[Measure], fields: list[str], rows: list[tuple], calendar,
                  today: date, first: date | None, stop: date | None) -> list[Figure]:
    """One Figure per measure over ``rows`` of ``case_dates`` (their start in
    ``[first, stop)``)."""
    figures = []
    for measure in measures:
        figure, limits = Figure(measure), {}
        # each field's place in a row (after the id and the status)
        at_start, at_end = 2 + fields.index(measure.start), 2 + fields.index(measure.end)
        at_flag = 2 + fields.index(measure.applies) if measure.applies else None
        for row in rows:
            start = _day(row[at_start])
            if start is None or (first and start < first) or (stop and start >= stop):
                continue
            end = _day(row[at_end])
            if end is None and (row[1] in (InstanceStatus.CANCELLED, InstanceStatus.COMPLETED)
                                or (at_flag and not _flag(row[at_flag]))):
                continue
            limit = limits.get(start)
            if limit is None:
                limit = limits[start] = last_day(measure, start, calendar)
            _count(figure, row[0], end is not None, (end or today) <= limit)
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
