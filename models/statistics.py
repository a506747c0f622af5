"""Dashboard statistics from the task projection: each one query, no deserialization.

Definitions (the board report prints these too):
- open reviews: instances that are active, suspended or in incident; their *stage* is the title
  of each open task (a case with two open tasks is counted at both stages);
- overdue tasks by agency: open tasks offered to a group of kind ``agency`` whose due time is
  before ``now``; a task offered to two agencies counts for each;
- time in a step: ``completed_at - created_at`` of completed tasks (cancelled ones are left
  out), per pathway (top-level process id, so steps of called processes count for the pathway
  that called them) and BPMN id; median and 90th percentile by the nearest-rank method (the
  value at rank ``ceil(p * n)`` of the sorted durations);
- throughput: instances started, and instances completed (not cancelled), per calendar month
  in the board's time zone;
- heatmap: per BPMN id of a pathway, how many instances reached the step, the median time spent
  in it, and how many cases are in it now.
Statutory compliance is in ``models/compliance.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from .audit import AuditEvent
from .process import ProcessInstance
from .status import GroupKind, InstanceStatus, TaskStatus
from .task import HumanTask, TaskCandidate
from .user import Group

UNFINISHED = (InstanceStatus.ACTIVE, InstanceStatus.SUSPENDED, InstanceStatus.INCIDENT)
BOARD_TZ = ZoneInfo("Europe/London")


class seconds_between(FunctionElement):   # noqa: N801 (SQL function style)
    """Seconds from the first datetime column to the second, in any supported database."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400.0)")


@dataclass
class StageCount:
    """Open cases of one pathway at one step."""

    process_id: str
    bpmn_id: str
    title: str
    cases: int


def open_by_pathway(session: Session) -> dict[str, int]:
    """Unfinished instances per pathway (process id), largest first."""
    stmt = (select(ProcessInstance.process_id, func.count())
            .where(ProcessInstance.status.in_(UNFINISHED))
            .group_by(ProcessInstance.process_id).order_by(func.count().desc()))
    return {pid: n for pid, n in session.execute(stmt)}


def open_by_stage(session: Session) -> list[StageCount]:
    """Cases per pathway and current step (open tasks), most crowded first."""
    cases = func.count(HumanTask.instance_id.distinct())
    stmt = (select(HumanTask.process_id, HumanTask.bpmn_id, func.max(HumanTask.title), cases)
            .where(HumanTask.status == TaskStatus.OPEN)
            .group_by(HumanTask.process_id, HumanTask.bpmn_id)
            .order_by(cases.desc(), HumanTask.process_id, HumanTask.bpmn_id))
    return [StageCount(*row) for row in session.execute(stmt)]


@dataclass
class AgencyLoad:
    """Open and overdue tasks offered to one agency."""

    slug: str
    title: str
    open: int
    overdue: int


def overdue_by_agency(session: Session, now: datetime) -> list[AgencyLoad]:
    """Per agency group: open tasks offered to it and how many of them are overdue."""
    late = func.sum(case((HumanTask.due_at < now, 1), else_=0))
    stmt = (select(Group.slug, Group.title, func.count(), late)
            .join(TaskCandidate, TaskCandidate.group_slug == Group.slug)
            .join(HumanTask, HumanTask.id == TaskCandidate.task_id)
            .where(Group.kind == GroupKind.AGENCY, HumanTask.status == TaskStatus.OPEN)
            .group_by(Group.slug, Group.title).order_by(late.desc(), Group.slug))
    return [AgencyLoad(slug, title or slug, n, int(o or 0))
            for slug, title, n, o in session.execute(stmt)]


def overdue_tasks(session: Session, now: datetime,
                  limit: int = 10_000) -> list[tuple[HumanTask, ProcessInstance]]:
    """Open tasks past their due time with their case, longest overdue first."""
    stmt = (select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.status == TaskStatus.OPEN, HumanTask.due_at < now)
            .order_by(HumanTask.due_at, HumanTask.id).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


def open_task_rows(session: Session,
                   limit: int = 50_000) -> list[tuple[HumanTask, ProcessInstance]]:
    """Every open task with its case, soonest due first (the tasks export)."""
    stmt = (select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


@dataclass
class StepTime:
    """Time spent in one step of one pathway (seconds)."""

    process_id: str
    bpmn_id: str
    title: str
    count: int
    median: float
    p90: float


def step_times(session: Session, process_id: str | None = None) -> list[StepTime]:
    """Median and 90th percentile (nearest rank) of completed tasks' durations per step."""
    secs = seconds_between(HumanTask.created_at, HumanTask.completed_at).label("secs")
    part = (HumanTask.process_id, HumanTask.bpmn_id)
    inner = (select(HumanTask.process_id, HumanTask.bpmn_id, secs,
                    func.row_number().over(partition_by=part, order_by=secs).label("rn"),
                    func.count().over(partition_by=part).label("n"))
             .where(HumanTask.status == TaskStatus.COMPLETED,
                    HumanTask.completed_at.is_not(None)))
    if process_id:
        inner = inner.where(HumanTask.process_id == process_id)
    ranked = inner.subquery()
    # integer ceil(n * 0.5) and ceil(n * 0.9): (n * 5 + 9) / 10 and (n * 9 + 9) / 10
    r50 = (ranked.c.n * 5 + 9) // 10
    r90 = (ranked.c.n * 9 + 9) // 10
    stmt = (select(ranked.c.process_id, ranked.c.bpmn_id, ranked.c.n,
                   func.max(case((ranked.c.rn == r50, ranked.c.secs))),
                   func.max(case((ranked.c.rn == r90, ranked.c.secs))))
            .where((ranked.c.rn == r50) | (ranked.c.rn == r90))
            .group_by(ranked.c.process_id, ranked.c.bpmn_id, ranked.c.n))
    titles = _titles(session, process_id)
    found = [StepTime(pid, bid, titles.get((pid, bid), bid), n, float(med or 0), float(p90 or 0))
             for pid, bid, n, med, p90 in session.execute(stmt)]
    return sorted(found, key=lambda s: (s.process_id, -s.median, s.bpmn_id))


def _titles(session: Session, process_id: str | None) -> dict[tuple[str, str], str]:
    stmt = select(HumanTask.process_id, HumanTask.bpmn_id, func.max(HumanTask.title)) \
        .group_by(HumanTask.process_id, HumanTask.bpmn_id)
    if process_id:
        stmt = stmt.where(HumanTask.process_id == process_id)
    return {(p, b): t for p, b, t in session.execute(stmt)}


def month_starts(now: datetime, months: int, tz: ZoneInfo = BOARD_TZ) -> list[datetime]:
    """The first instants (aware UTC) of the last ``months`` local months and the next one."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1 - (months - 1)
    starts = []
    for i in range(index, index + months + 1):
        year, month = divmod(i, 12)
        starts.append(datetime(year, month + 1, 1, tzinfo=tz).astimezone(timezone.utc))
    return starts


def throughput(session: Session, now: datetime, months: int = 12,
               tz: ZoneInfo = BOARD_TZ) -> list[tuple[date, int, int]]:
    """``(month, started, completed)`` for the last ``months`` local calendar months (one scan)."""
    bounds = month_starts(now, months, tz)
    cols = []
    for lo, hi in zip(bounds, bounds[1:]):
        cols.append(func.sum(case(((ProcessInstance.started_at >= lo)
                                   & (ProcessInstance.started_at < hi), 1), else_=0)))
        cols.append(func.sum(case(((ProcessInstance.finished_at >= lo)
                                   & (ProcessInstance.finished_at < hi)
                                   & (ProcessInstance.status == InstanceStatus.COMPLETED), 1),
                                  else_=0)))
    stmt = select(*cols).where((ProcessInstance.started_at < bounds[-1])
                               & ((ProcessInstance.started_at >= bounds[0])
                                  | (ProcessInstance.finished_at >= bounds[0])))
    values = [int(v or 0) for v in session.execute(stmt).one()]
    return [(bounds[i].astimezone(tz).date(), values[2 * i], values[2 * i + 1])
            for i in range(months)]


def heatmap(session: Session, process_id: str) -> dict:
    """Viewer state for a pathway: ``counts`` (instances that reached each step), ``durations``
    (median seconds in it), ``active`` (steps with open tasks) and ``open`` (cases there now)."""
    stmt = (select(HumanTask.bpmn_id, func.count(HumanTask.instance_id.distinct()),
                   func.sum(case((HumanTask.status == TaskStatus.OPEN, 1), else_=0)))
            .where(HumanTask.process_id == process_id).group_by(HumanTask.bpmn_id))
    counts, current = {}, {}
    for bpmn_id, n, open_now in session.execute(stmt):
        counts[bpmn_id] = n
        if open_now:
            current[bpmn_id] = int(open_now)
    medians = {s.bpmn_id: s.median for s in step_times(session, process_id)}
    return {"counts": counts, "durations": medians, "active": sorted(current), "open": current}


def latest_change(session: Session) -> int:
    """A number that grows with every audited change (the newest audit event id)."""
    return int(session.scalar(select(func.max(AuditEvent.id))) or 0)

