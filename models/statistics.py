"""Dashboard statistics from the task projection: each one query, no deserialization.

Definitions (the board report prints these too):
- open reviews: instances that are active, suspended or in incident; their *stage* is the title
  of each open task (a case with two open tasks is counted at both stages);
- overdue tasks by group: open tasks whose due time is before ``now``, per group they are
  offered to (a task offered to two groups counts for each; names that are no group and tasks
  offered to no group have their own rows);
- time in a step: ``completed_at - created_at`` of completed tasks (cancelled ones are left
  out), per pathway (top-level process id, so steps of called processes count for the pathway
  that called them) and BPMN id; median and 90th percentile by the nearest-rank method (the
  value at rank ``ceil(p * n)`` of the sorted durations); a step's title is the greatest of its
  completed tasks' titles (a renamed step keeps the name its figures were counted under);
- throughput: instances started, and instances completed (not cancelled), per calendar month
  in the board's time zone;
- heatmap: per BPMN id of a pathway, how many instances reached the step, the median time spent
  in it, and how many cases are in it now.
Statutory compliance is in ``models/compliance.py``.
"""
from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Interval, and_, case, func, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from .audit import AuditEvent
from .dates import BOARD_TZ
from .process import ProcessInstance
from .status import GroupKind, InstanceStatus, TaskStatus
from .task import STEP_SECONDS, HumanTask, StepCount, TaskCandidate
from .user import Group

UNFINISHED = (InstanceStatus.ACTIVE, InstanceStatus.SUSPENDED, InstanceStatus.INCIDENT)


@dataclass
class StageCount:
    """Open cases of one pathway at one step."""

    process_id: str
    bpmn_id: str
    title: str
    cases: int


def open_by_pathway(session: Session) -> dict[str, int]:
    """Unfinished instances per pathway (process id), largest first (ties by process id).

    Counted per pathway over the unfinished cases alone, read from
    ``ix_process_instance_status_pathway`` (ten years of a region: ~3,000 of 100,000 cases,
    1 ms instead of 13 ms reading the whole index by pathway, or a 55 ms scan of the cases).
    """
    stmt = (select(ProcessInstance.process_id, func.count())
            .where(ProcessInstance.status.in_(UNFINISHED)).group_by(ProcessInstance.process_id))
    counts = dict(session.execute(stmt).all())
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def open_by_stage(session: Session) -> list[StageCount]:
    """Cases per pathway and current step (open tasks), most crowded first."""
    cases = func.count(HumanTask.instance_id.distinct())
    stmt = (select(HumanTask.process_id, HumanTask.bpmn_id, func.max(HumanTask.title), cases)
            .where(HumanTask.status == TaskStatus.OPEN)
            .group_by(HumanTask.process_id, HumanTask.bpmn_id)
            .order_by(cases.desc(), HumanTask.process_id, HumanTask.bpmn_id))
    return [StageCount(*row) for row in session.execute(stmt)]


NO_GROUP = ""       # the bucket of open tasks offered to no group (a person, candidate users)
_KIND_ORDER = {GroupKind.AGENCY.value: 0, GroupKind.BOARD.value: 1}


@dataclass
class GroupLoad:
    """Open and overdue tasks offered to one group. ``kind`` is the group's kind, None for a
    name no group has (a diagram or case data named it; such tasks reach nobody) and for the
    ``NO_GROUP`` bucket (tasks offered to people, not groups)."""

    slug: str
    title: str
    kind: str | None
    open: int
    overdue: int


def overdue_by_group(session: Session, now: datetime) -> list[GroupLoad]:
    """Per group an open task is offered to: open tasks and how many are overdue (a task offered
    to two groups counts for each); agencies first, then board groups, then names that are no
    group, then ``NO_GROUP``. The one count of overdue work: the dashboard, ``/deadlines`` and
    the board report all show these rows.

    Read from the worklist's candidate rows (they exist only while a task is open and carry a
    copy of its due time; see ``engine/task_rows.py``), and the open tasks that have none.
    """
    late = func.sum(case((TaskCandidate.due_at < now, 1), else_=0))
    grouped = (select(TaskCandidate.group_slug, Group.title, Group.kind, func.count(), late)
               .outerjoin(Group, Group.slug == TaskCandidate.group_slug)
               .group_by(TaskCandidate.group_slug, Group.title, Group.kind))
    loads = [GroupLoad(slug, title or slug, kind, n, int(o or 0))
             for slug, title, kind, n, o in session.execute(grouped)]
    offered = select(TaskCandidate.task_id).where(TaskCandidate.task_id == HumanTask.id).exists()
    n, o = session.execute(select(func.count(), func.sum(case((HumanTask.due_at < now, 1), else_=0)))
                           .where(HumanTask.status == TaskStatus.OPEN, ~offered)).one()
    if n:
        loads.append(GroupLoad(NO_GROUP, "No group (offered to people)", None, n, int(o or 0)))
    return sorted(loads, key=lambda g: (g.slug == NO_GROUP, _KIND_ORDER.get(g.kind, 2),
                                        -g.overdue, g.slug))


def overdue_count(session: Session, now: datetime) -> int:
    """Open tasks past their due time (each once, however many groups it is offered to)."""
    return session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.status == TaskStatus.OPEN, HumanTask.due_at < now))


def group_keys(task: HumanTask) -> list[str]:
    """The buckets of ``overdue_by_group`` a task counts in (to list the tasks behind a count)."""
    return list(dict.fromkeys(task.candidate_groups or [])) or [NO_GROUP]


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


STEP = (HumanTask.process_id, HumanTask.bpmn_id)


def step_times(session: Session, process_id: str | None = None,
               since: datetime | None = None) -> list[StepTime]:
    """Median and 90th percentile (nearest rank) of completed tasks' durations per step, and the
    step's title (the greatest of its completed tasks' titles, whatever the period); with
    ``since``, of the tasks completed since then.

    PostgreSQL ranks the durations itself, without parallel workers and with room to sort in
    memory (``_ranking``). Over all years, each step's count is kept by the database
    (``step_count``) and each percentile is the value at its rank in
    ``ix_human_task_step_seconds`` (the step's durations in order): one index walk of half a
    step's tasks for the median and a tenth, from the top, for the 90th percentile, instead of
    sorting them all (a pathway's 285,000 tasks: about 35 instead of 135-220 ms). Over a period,
    ``percentile_disc`` sorts the period's intervals, read from ``ix_human_task_recent_steps``
    alone (given both fractions, once; 34-40 instead of 54-65 ms for a year of a pathway: the
    intervals, not each one's seconds, and no sort spilled to disk). Each title is one probe of
    ``ix_human_task_pathway_step``. Elsewhere the durations are read and ranked here.
    """
    done = and_(HumanTask.status == TaskStatus.COMPLETED, HumanTask.completed_at.is_not(None))
    where = [HumanTask.process_id == process_id] if process_id else []
    if session.get_bind().dialect.name != "postgresql":
        rows = _ranked(session, done, where, since)
    else:
        steps = _at_ranks(process_id) if since is None else _in_period(done, where, since)
        with _ranking(session):
            rows = session.execute(_titled(steps)).all()
    found = [StepTime(pid, bid, title, n, _seconds(median), _seconds(p90))
             for pid, bid, title, n, median, p90 in rows]
    return sorted(found, key=lambda s: (s.process_id, -s.median, s.bpmn_id))


def _seconds(value) -> float:
    """Seconds of a duration: a number, or an interval PostgreSQL ranked (a ``timedelta``,
    whose exact microseconds divide to the same float as the database's own conversion)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@contextmanager
def _ranking(session: Session):
    """PostgreSQL plans and runs the statements inside without parallel workers and with 32 MB
    to sort in (settings of this transaction, put back after). Counting a pathway's steps
    serially reads the index in 46 ms, two workers took 115 ms on two cores (and take cores
    from the requests served meanwhile); a year of a pathway's durations sorted in 4 MB spill
    to disk."""
    settings = {"max_parallel_workers_per_gather": "0", "work_mem": "32MB"}
    before = session.execute(select(*(func.current_setting(name) for name in settings), *(
        func.set_config(name, value, True) for name, value in settings.items()))).one()
    yield       # after an error the transaction is rolled back, and its settings with it
    session.execute(select(*(func.set_config(name, value, True)
                             for name, value in zip(settings, before))))


def _at_ranks(process_id: str | None):
    """``(process id, step, count, median, p90)`` per step over all years (PostgreSQL): the
    steps and their counts from ``step_count`` (which the database keeps; counting a pathway's
    285,000 tasks took 36 ms), and the values at ranks ``ceil(n / 2)`` and ``ceil(0.9 n)`` of
    the step's ``step_seconds`` in index order, the second counted from the top."""
    steps = select(StepCount.process_id, StepCount.bpmn_id, StepCount.completed.label("n")).where(
        StepCount.completed > 0, *([StepCount.process_id == process_id] if process_id else []))
    steps = steps.subquery()
    ranked = HumanTask.__table__.alias("ranked")
    seconds = ranked.c.step_seconds

    def at(order, offset):
        return (select(seconds).where(ranked.c.process_id == steps.c.process_id,
                                      ranked.c.bpmn_id == steps.c.bpmn_id, seconds.is_not(None))
                .order_by(order).offset(offset).limit(1).scalar_subquery())

    n = steps.c.n
    return select(steps.c.process_id, steps.c.bpmn_id, n,
                  at(seconds, (n * 5 + 9) // 10 - 1), at(seconds.desc(), n - (n * 9 + 9) // 10))


def _in_period(done, where: list, since: datetime):
    """``(process id, step, count, median, p90)`` per step of the tasks completed since
    ``since`` (PostgreSQL): ``percentile_disc`` of their intervals (ranked as their seconds
    are: a task's interval holds days and time, no months)."""
    spent = type_coerce(HumanTask.completed_at - HumanTask.created_at, Interval())
    ranks = type_coerce(func.percentile_disc(array([0.5, 0.9])).within_group(spent),
                        ARRAY(Interval()))
    steps = (select(*STEP, func.count().label("n"), ranks.label("ranks"))
             .where(done, *where, HumanTask.completed_at >= since).group_by(*STEP).subquery())
    return select(steps.c.process_id, steps.c.bpmn_id, steps.c.n, steps.c.ranks[1],
                  steps.c.ranks[2])


def _titled(steps):
    """``steps`` (process id, step, count, median, p90) with each step's title after its id:
    the greatest of its completed tasks', one backward probe of ``ix_human_task_pathway_step``."""
    pid, bid, n, median, p90 = steps.subquery().c
    titled = HumanTask.__table__.alias("titled")
    title = select(func.max(titled.c.title)).where(
        titled.c.process_id == pid, titled.c.bpmn_id == bid,
        titled.c.status == TaskStatus.COMPLETED, titled.c.completed_at.is_not(None))
    return select(pid, bid, title.scalar_subquery(), n, median, p90)


def _ranked(session: Session, done, where: list, since: datetime | None) -> list[tuple]:
    """``(process id, step, title, count, median, p90)`` by the nearest rank, each step's
    durations read and ranked here."""
    titles = {(p, b): t for p, b, t in session.execute(
        select(*STEP, func.max(HumanTask.title)).where(done, *where).group_by(*STEP))}
    period = [] if since is None else [HumanTask.completed_at >= since]
    values_of: dict[tuple[str, str], list[float]] = defaultdict(list)
    for pid, bid, value in session.execute(select(*STEP, STEP_SECONDS).where(
            STEP_SECONDS.is_not(None), *where, *period)):
        values_of[(pid, bid)].append(value)
    ranked = []
    for (pid, bid), values in values_of.items():
        values.sort()
        n = len(values)
        # nearest rank: ceil(n * 0.5) and ceil(n * 0.9), 1-based
        ranked.append((pid, bid, titles.get((pid, bid), bid), n, values[(n * 5 + 9) // 10 - 1],
                       values[(n * 9 + 9) // 10 - 1]))
    return ranked


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
    """``(month, started, completed)`` for the last ``months`` local calendar months."""
    bounds = month_starts(now, months, tz)
    started = _per_month(session, ProcessInstance.started_at, bounds)
    completed = _per_month(session, ProcessInstance.finished_at, bounds,
                           ProcessInstance.status == InstanceStatus.COMPLETED)
    return [(bounds[i].astimezone(tz).date(), started.get(i, 0), completed.get(i, 0))
            for i in range(months)]


def _per_month(session: Session, column, bounds: list[datetime], *where) -> dict[int, int]:
    """``{month index: rows}`` with ``column`` in ``[bounds[i], bounds[i + 1])``."""
    month = case(*[(column < hi, i) for i, hi in enumerate(bounds[1:])]).label("month")
    inner = select(month).where(column >= bounds[0], column < bounds[-1], *where).subquery()
    stmt = select(inner.c.month, func.count()).group_by(inner.c.month)
    return {i: n for i, n in session.execute(stmt)}


def heatmap(session: Session, process_id: str) -> dict:
    """Viewer state for a pathway: ``counts`` (instances that reached each step), ``durations``
    (median seconds in it), ``active`` (steps with open tasks), ``open`` (cases there now) and
    ``names`` (each step's title)."""
    stmt = (select(HumanTask.bpmn_id, func.count(HumanTask.instance_id.distinct()),
                   func.sum(case((HumanTask.status == TaskStatus.OPEN, 1), else_=0)),
                   func.max(HumanTask.title))
            .where(HumanTask.process_id == process_id).group_by(HumanTask.bpmn_id))
    counts, current, names = {}, {}, {}
    for bpmn_id, n, open_now, title in session.execute(stmt):
        counts[bpmn_id], names[bpmn_id] = n, title or bpmn_id
        if open_now:
            current[bpmn_id] = int(open_now)
    medians = {s.bpmn_id: s.median for s in step_times(session, process_id)}
    return {"counts": counts, "durations": medians, "active": sorted(current), "open": current,
            "names": names}


def latest_change(session: Session) -> int:
    """A number that grows with every audited change (the newest audit event id)."""
    return int(session.scalar(select(func.max(AuditEvent.id))) or 0)

