"""Named read queries behind the managers' instance list and its exports.

``InstanceFilter`` holds what a manager can filter by; ``instance_page`` returns one sorted page
with each case's open steps; ``instance_rows`` returns every matching case for an export.
Every filter is a plain indexed predicate or an ``EXISTS`` on the task projection, so a list of
20,000 cases never deserializes an instance.

Filters, precisely:
- ``pathway``: the instance's top-level process id;
- ``status``: one of active, completed, incident, suspended, cancelled;
- ``agency``: the case has an open task offered to that group (the worklist's ``task_candidate``
  rows, which exist for open tasks only): "where is this agency holding a case up";
- ``overdue``: the case has an open task whose due time is before ``now``;
- ``started_from`` / ``started_to``: started on or after / before the end of those (UTC) days;
- ``q``: case reference or title contains the text (case-insensitive);
- ``scope``: a ``Scope`` limits the list to one person's cases (reviewers): those they started,
  hold or completed a task of, or that have an open task offered to one of their groups.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from .process import Definition, ProcessInstance
from .status import GroupKind, InstanceStatus, TaskStatus
from .task import HumanTask, TaskCandidate
from .user import Group, Membership, User

SORTS = {
    "started": ProcessInstance.started_at,
    "reference": ProcessInstance.reference,
    "pathway": ProcessInstance.process_id,
    "status": ProcessInstance.status,
    "finished": ProcessInstance.finished_at,
    "updated": ProcessInstance.updated_at,
}
STATUSES = [s.value for s in InstanceStatus]
MAX_PER_PAGE = 200
MAX_EXPORT = 50_000


@dataclass(frozen=True)
class Scope:
    """One person's view: their name and groups (managers pass no scope at all)."""

    name: str
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InstanceFilter:
    """What the instance list is filtered and sorted by (every field optional)."""

    pathway: str | None = None
    status: str | None = None
    agency: str | None = None
    overdue: bool = False
    started_from: date | None = None
    started_to: date | None = None
    q: str | None = None
    sort: str = "started"
    direction: str = "desc"


@dataclass
class InstanceRow:
    """One line of the list: the case and its open steps."""

    id: int
    reference: str | None
    title: str
    process_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    steps: list[str] = field(default_factory=list)
    next_due: datetime | None = None
    overdue: bool = False


@dataclass
class InstancePage:
    """A page of rows with the total count and page arithmetic."""

    rows: list[InstanceRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def filtered(flt: InstanceFilter, now: datetime, scope: Scope | None = None) -> Select:
    """``SELECT process_instance`` with every filter of ``flt`` (and ``scope``) applied."""
    stmt = select(ProcessInstance)
    if flt.pathway:
        stmt = stmt.where(ProcessInstance.process_id == flt.pathway)
    if flt.status:
        stmt = stmt.where(ProcessInstance.status == flt.status)
    if flt.started_from:
        stmt = stmt.where(ProcessInstance.started_at >= _day_start(flt.started_from))
    if flt.started_to:
        stmt = stmt.where(ProcessInstance.started_at < _day_start(flt.started_to + timedelta(days=1)))
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(ProcessInstance.reference).like(like),
                              func.lower(ProcessInstance.title).like(like)))
    if flt.overdue:
        stmt = stmt.where(ProcessInstance.id.in_(
            select(HumanTask.instance_id).where(HumanTask.status == TaskStatus.OPEN,
                                                HumanTask.due_at < now)))
    if flt.agency:
        stmt = stmt.where(ProcessInstance.id.in_(_offered_to([flt.agency])))
    if scope is not None:
        stmt = stmt.where(_in_scope(scope))
    return stmt


def _offered_to(groups) -> Select:
    """Ids of instances with an open task offered to one of ``groups`` (by the group index).

    Uncorrelated ``IN`` subqueries, not ``EXISTS``: SQLite without statistics would otherwise
    drive a correlated subquery through the wrong index, once per instance.
    """
    return (select(HumanTask.instance_id)
            .join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
            .where(TaskCandidate.group_slug.in_(sorted(groups) or [""]),
                   HumanTask.status == TaskStatus.OPEN))


def _in_scope(scope: Scope):
    """A person's cases: started by them, a task held or done by them, or offered to a group."""
    theirs = select(HumanTask.instance_id).where(or_(HumanTask.assignee == scope.name,
                                                     HumanTask.completed_by == scope.name))
    return or_(ProcessInstance.started_by == scope.name, ProcessInstance.id.in_(theirs),
               ProcessInstance.id.in_(_offered_to(scope.groups)))


def _ordered(stmt: Select, flt: InstanceFilter) -> Select:
    column = SORTS.get(flt.sort, ProcessInstance.started_at)
    key = column.asc() if flt.direction == "asc" else column.desc()
    tie = ProcessInstance.id.asc() if flt.direction == "asc" else ProcessInstance.id.desc()
    if not column.nullable:       # the (started_at, id) index answers a page in order
        return stmt.order_by(key, tie)
    return stmt.order_by(column.is_(None), key, tie)


def instance_page(session: Session, flt: InstanceFilter, now: datetime, page: int = 1,
                  per_page: int = 50, scope: Scope | None = None) -> InstancePage:
    """One sorted page of the filtered cases, with their open steps and next due time."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    base = filtered(flt, now, scope)
    total = session.scalar(select(func.count()).select_from(
        base.with_only_columns(ProcessInstance.id).subquery()))
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    ids = session.scalars(_ordered(base.with_only_columns(ProcessInstance.id), flt)
                          .offset((page - 1) * per_page).limit(per_page)).all()
    return InstancePage(rows=_rows(session, _by_ids(session, ids), now), total=total, page=page,
                        per_page=per_page)


def _by_ids(session: Session, ids: list[int]) -> list[ProcessInstance]:
    """The cases of ``ids``, in that order. A page is found by its ids first, from an index or
    a sort of narrow rows, and only its own rows are read: on page 2,000 of ten years, sorting
    the skipped cases' whole rows wrote 200 MB to disk."""
    by_id = {i.id: i for i in session.scalars(select(ProcessInstance)
                                              .where(ProcessInstance.id.in_(ids)))}
    return [by_id[i] for i in ids]


def instance_rows(session: Session, flt: InstanceFilter, now: datetime,
                  scope: Scope | None = None, limit: int = MAX_EXPORT) -> list[InstanceRow]:
    """Every filtered case (up to ``limit``), sorted, for an export."""
    stmt = _ordered(filtered(flt, now, scope), flt).limit(limit)
    return _rows(session, session.scalars(stmt).all(), now)


def _rows(session: Session, instances, now: datetime) -> list[InstanceRow]:
    """Rows with open steps, fetched in batches of ids (one query per 500 cases)."""
    by_id = {i.id: InstanceRow(i.id, i.reference, i.title or "", i.process_id, i.status,
                               i.started_at, i.finished_at) for i in instances}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (select(HumanTask.instance_id, HumanTask.title, HumanTask.due_at)
                .where(HumanTask.instance_id.in_(chunk), HumanTask.status == TaskStatus.OPEN)
                .order_by(HumanTask.created_at))
        for instance_id, title, due_at in session.execute(stmt):
            row = by_id[instance_id]
            row.steps.append(title)
            if due_at is not None and (row.next_due is None or due_at < row.next_due):
                row.next_due = due_at
                row.overdue = due_at < now
    return list(by_id.values())


def pathways(session: Session) -> list[str]:
    """Process ids that have at least one instance, for the pathway filter: the index on
    ``(process_id, status)`` probed once per pathway (the next id after the last one found),
    instead of reading all of it for a dozen names (``SELECT DISTINCT``, 6-20 ms a page on ten
    years of a region)."""
    column = ProcessInstance.process_id
    walk = select(select(func.min(column)).scalar_subquery().label("id")).cte("walk", recursive=True)
    walk = walk.union_all(select(select(func.min(column)).where(column > walk.c.id)
                                 .scalar_subquery()).where(walk.c.id.is_not(None)))
    return list(session.scalars(select(walk.c.id).where(walk.c.id.is_not(None)).order_by(walk.c.id)))


def diagram_xml(files: dict[str, str], process_id: str) -> str | None:
    """The XML of the file (among a definition version's files) that defines ``process_id``."""
    pattern = re.compile(r"<(?:\w+:)?process\b[^>]*\bid=\"" + re.escape(process_id) + "\"")
    for name, text in sorted(files.items()):
        if name.endswith(".bpmn") and pattern.search(text):
            return text
    return None


def agencies(session: Session) -> list[tuple[str, str]]:
    """``(slug, title)`` of every agency group, for the agency filter."""
    return groups(session, GroupKind.AGENCY)


def groups(session: Session, kind: str | None = None) -> list[tuple[str, str]]:
    """``(slug, title)`` of every group (of one ``kind``), for a form that asks for a group."""
    stmt = select(Group.slug, Group.title).order_by(Group.slug)
    if kind is not None:
        stmt = stmt.where(Group.kind == kind)
    return [(slug, title or slug) for slug, title in session.execute(stmt)]


def people(session: Session) -> list[tuple[str, str]]:
    """``(user name, "Display name (name), groups")`` of every active user, by display name: the
    people a manager may give a task to, each with their groups shown."""
    rows = session.execute(
        select(User.name, User.display_name, Group.title, Group.slug)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Group, Group.id == Membership.group_id)
        .where(User.active.is_(True)).order_by(User.display_name, User.name, Group.slug)).all()
    found: dict[str, tuple[str, list[str]]] = {}
    for name, display, title, slug in rows:
        found.setdefault(name, (display or name, []))[1].extend([title or slug] if slug else [])
    return [(name, f"{display} ({name}), {', '.join(titles) or 'no group'}")
            for name, (display, titles) in found.items()]


def step_history(session: Session, instance_id: int) -> tuple[dict[str, int], dict[str, float]]:
    """Per BPMN id of one case: how many times the step ran, and seconds spent in its done runs."""
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    stmt = select(HumanTask.bpmn_id, HumanTask.status, HumanTask.created_at,
                  HumanTask.completed_at).where(HumanTask.instance_id == instance_id)
    for bpmn_id, status, created, completed in session.execute(stmt):
        counts[bpmn_id] = counts.get(bpmn_id, 0) + 1
        if status == TaskStatus.COMPLETED and completed is not None:
            seconds[bpmn_id] = seconds.get(bpmn_id, 0.0) + (completed - created).total_seconds()
    return counts, seconds


def latest_files(session: Session, process_id: str) -> dict[str, str] | None:
    """The files of the newest deployed version of a process (None when never deployed)."""
    stmt = (select(Definition).where(Definition.process_id == process_id)
            .order_by(Definition.version.desc()).limit(1))
    found = session.scalars(stmt).first()
    return found.files if found is not None else None
