"""Named read queries behind lists: worklists, task lists, instance lists, audit trails."""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import (Integer, Select, String, bindparam, exists, func, literal, or_, select,
                        union, union_all)
from sqlalchemy.orm import Session, aliased

from .audit import AuditEvent
from .base import UTCDateTime
from .process import Definition, ProcessInstance
from .status import TaskStatus
from .task import HumanTask, TaskCandidate
from .user import Group, Membership, User, UserRole


def open_tasks(session: Session, *, instance_id: int | None = None, group: str | None = None,
               user: str | None = None, unassignable: bool = False,
               limit: int = 500) -> list[HumanTask]:
    """Open tasks, optionally of one instance, offered to one group, assigned to one user, or
    only those no active person can act on (``unassignable``)."""
    stmt = select(HumanTask).where(HumanTask.status == TaskStatus.OPEN)
    if unassignable:
        stmt = stmt.where(HumanTask.unassignable_since.is_not(None))
    if instance_id is not None:
        stmt = stmt.where(HumanTask.instance_id == instance_id)
    if group is not None:
        stmt = stmt.where(HumanTask.id.in_(
            select(TaskCandidate.task_id).where(TaskCandidate.group_slug == group)))
    if user is not None:
        stmt = stmt.where(HumanTask.assignee == user)
    stmt = stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    return list(session.scalars(stmt.limit(limit)))


def group_options(session: Session) -> list[tuple[str, str, str]]:
    """``(slug, title, kind)`` of every group, by title: what a form's group fields offer."""
    return [tuple(row) for row in session.execute(
        select(Group.slug, Group.title, Group.kind).order_by(Group.title, Group.slug))]


def pathway_names(session: Session) -> dict[str, str]:
    """``process_id -> name`` of every deployed process (its latest version's name), in one
    query: how pages name pathways."""
    stmt = (select(Definition.process_id, Definition.name)
            .order_by(Definition.process_id, Definition.version))
    return {pid: name for pid, name in session.execute(stmt) if name}


def group_titles(session: Session) -> dict[str, str]:
    """``slug -> title`` of every group that has a title, in one query."""
    return {slug: title for slug, title in session.execute(select(Group.slug, Group.title))
            if title}


def step_forms(session: Session, instance_id: int) -> list:
    """``(id, bpmn_id, form)`` of every task of one case, oldest first: the labels and options
    of the fields its steps asked for (one query for a whole case page)."""
    stmt = (select(HumanTask.id, HumanTask.bpmn_id, HumanTask.form)
            .where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at))
    return session.execute(stmt).all()


def identity(session: Session, user_id: int, generation: int) -> tuple | None:
    """``(id, name, display_name, group slugs, role names, session generation)`` of an active
    user whose sessions of ``generation`` still stand, or None: what a signed-in request needs,
    in one plain query (every page asks)."""
    rows = session.execute(_IDENTITY, {"user_id": user_id, "generation": generation}).all()
    if not rows:
        return None
    first = rows[0]
    return (first.id, first.name, first.display_name, {r.slug for r in rows if r.slug},
            {r.role for r in rows if r.role}, first.session_generation)


_IDENTITY = (select(User.id, User.name, User.display_name, User.session_generation,
                    UserRole.role, Group.slug)
             .outerjoin(UserRole, UserRole.user_id == User.id)
             .outerjoin(Membership, Membership.user_id == User.id)
             .outerjoin(Group, Group.id == Membership.group_id)
             .where(User.id == bindparam("user_id"), User.active.is_(True),
                    User.session_generation == bindparam("generation")))


def case_header(session: Session, instance_id: int):
    """What a task page shows of its case (id, reference, process_id, status, started_at,
    started_by, data), or None: one narrow row, without the engine state, tasks or timers."""
    return session.execute(_CASE_HEADER, {"instance_id": instance_id}).first()


_CASE_HEADER = select(ProcessInstance.id, ProcessInstance.reference, ProcessInstance.process_id,
                      ProcessInstance.status, ProcessInstance.started_at,
                      ProcessInstance.started_by, ProcessInstance.data).where(
    ProcessInstance.id == bindparam("instance_id"))


def history(session: Session, instance_id: int, *, action: str | None = None,
            task_id: str | None = None) -> list[AuditEvent]:
    """The audit trail of one instance, oldest first (optionally one action about one task)."""
    stmt = (select(AuditEvent).where(AuditEvent.instance_id == instance_id)
            .order_by(AuditEvent.at, AuditEvent.id))
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if task_id is not None:
        stmt = stmt.where(AuditEvent.task_id == task_id)
    return list(session.scalars(stmt))


def process_due_date(session: Session, task: HumanTask) -> datetime | None:
    """The due date the process set for a task when it was created (before any manager moved
    it), from its ``task_created`` event; None when it had none."""
    created = history(session, task.instance_id, action="task_created", task_id=task.id)
    due = (created[0].detail or {}).get("due_at") if created else None
    return datetime.fromisoformat(due) if due else None


def inbox_query(user: str, groups: set[str], *columns, process_id: str | None = None,
                group: str | None = None, due_before: datetime | None = None,
                overdue_at: datetime | None = None, text: str | None = None) -> Select:
    """Open tasks assigned to ``user`` or unclaimed and offered to one of ``groups`` (the
    worklist), shaped to stay fast with 100,000 open tasks.

    The ids come first from two index-only lookups (my assigned tasks; the candidate index of my
    groups), de-duplicated by UNION, and the task rows are then fetched by primary key: the
    database never walks every open task. Pass ``columns`` for aggregates (default: HumanTask).
    """
    mine = select(HumanTask.id.label("id")).where(HumanTask.assignee == user,
                                                  HumanTask.status == TaskStatus.OPEN)
    wanted = sorted({group} & set(groups) if group else groups or {""})
    offered = select(TaskCandidate.task_id.label("id")).where(TaskCandidate.group_slug.in_(wanted))
    ids = (offered if group else union(mine, offered)).subquery()
    stmt = (select(*(columns or (HumanTask,))).select_from(ids)
            .join(HumanTask, HumanTask.id == ids.c.id)
            .where(HumanTask.status == TaskStatus.OPEN,
                   or_(HumanTask.assignee == user, HumanTask.assignee.is_(None))))
    if process_id:
        stmt = stmt.where(HumanTask.process_id == process_id)
    if due_before is not None:
        stmt = stmt.where(HumanTask.due_at <= due_before)
    if overdue_at is not None:
        stmt = stmt.where(HumanTask.due_at < overdue_at)
    if text:
        stmt = stmt.where(matching(text))
    return stmt


def matching(text: str):
    """Tasks whose name, or whose case's reference or title, contains ``text`` (any case)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # Correlated, so each of my tasks reads its own case by primary key: an uncorrelated IN
    # would match the pattern against every case of ten years first.
    # (an alias: the page query joins the case too, and must not correlate it away).
    own = aliased(ProcessInstance)
    case = select(own.id).where(
        own.id == HumanTask.instance_id,
        or_(own.reference.ilike(pattern, escape="\\"),
            own.title.ilike(pattern, escape="\\"))).exists()
    return or_(HumanTask.title.ilike(pattern, escape="\\"), case)


def inbox_search_counts(session: Session, user: str, groups: set[str], now: datetime,
                        **filters) -> dict:
    """``total``, ``mine`` and ``overdue`` of ``inbox_query`` with a text search (the search
    reads the matching tasks, not the queue indexes alone)."""
    stmt = inbox_query(user, groups, func.count(),
                       func.count().filter(HumanTask.assignee == user),
                       func.count().filter(HumanTask.due_at < now), **filters)
    total, mine, overdue = session.execute(stmt).one()
    return {"total": total, "mine": mine, "overdue": overdue}


# What a worklist row shows, its case's reference included (join ProcessInstance): plain
# columns rather than HumanTask objects, so a page skips the ORM's identity map and the wide
# values a row never prints (form, draft, documentation).
INBOX_ROW = (HumanTask.id, HumanTask.instance_id, HumanTask.process_id, HumanTask.title,
             HumanTask.candidate_groups, HumanTask.assignee, HumanTask.due_at,
             HumanTask.priority, HumanTask.follow_up_at, ProcessInstance.reference,
             ProcessInstance.title.label("case_title"))


def inbox_page(session: Session, user: str, groups: set[str], *, offset: int, limit: int,
               descending: bool = False, process_id: str | None = None, group: str | None = None,
               due_before: datetime | None = None, overdue_at: datetime | None = None) -> list:
    """One page of ``inbox_query`` by due date (no due date last, then id), as ``INBOX_ROW``
    rows.

    Each source gives its first ``offset + limit`` dated rows and its first undated ones,
    each straight from an index range in order; only the page's rows are read from
    ``human_task``.
    """
    stmt = _page(_shape(groups, group, process_id, due_before, overdue_at), descending)
    if stmt is None:
        return []
    values = _values(user, process_id, due_before, overdue_at)
    return session.execute(stmt, {**values, "first": offset + limit, "offset": offset,
                                  "limit": limit}).all()


def inbox_page_by(session: Session, user: str, groups: set[str], column, *, offset: int,
                  limit: int, descending: bool = False, **filters) -> list:
    """One page of ``inbox_query`` ordered by ``column`` (no value last, then id), as
    ``INBOX_ROW`` rows: the orders the queue indexes do not hold (title, created)."""
    order = column.desc() if descending else column.asc()
    stmt = (_with_reference(inbox_query(user, groups, *INBOX_ROW, **filters))
            .order_by(column.is_(None), order, HumanTask.id).offset(offset).limit(limit))
    return session.execute(stmt).all()


def _with_reference(stmt: Select) -> Select:
    """``stmt`` (selecting ``INBOX_ROW``) joined to each task's case, for its reference."""
    return stmt.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)


def inbox_counts(session: Session, user: str, groups: set[str], now: datetime,
                 process_id: str | None = None, group: str | None = None,
                 due_before: datetime | None = None, overdue_at: datetime | None = None) -> dict:
    """``total``, ``mine`` (assigned to ``user``) and ``overdue`` of ``inbox_query``, counted
    on indexes only."""
    counts = {"total": 0, "mine": 0, "overdue": 0}
    stmt = _counts(_shape(groups, group, process_id, due_before, overdue_at))
    if stmt is None:
        return counts
    values = _values(user, process_id, due_before, overdue_at)
    for mine, late, n in session.execute(stmt, {**values, "now": now}):
        counts["overdue" if late else "total"] += n
        counts["mine"] += n if mine and not late else 0
    return counts


# The worklist statements are built once per *shape* (my groups, which filters are set, the
# direction) and run with bound values: SQLAlchemy then only looks up its compiled form,
# instead of rebuilding a dozen subqueries for every page view.

def _shape(groups, group, process_id, due_before, overdue_at) -> tuple:
    return (tuple(sorted(groups)), group, bool(process_id), due_before is not None,
            overdue_at is not None)


def _values(user, process_id, due_before, overdue_at) -> dict:
    return {"user": user, "process_id": process_id, "due_before": due_before,
            "overdue_at": overdue_at}


def _bound(name: str):
    return bindparam(name, type_=UTCDateTime()) if name in ("due_before", "overdue_at", "now") \
        else bindparam(name, type_=String())


@functools.lru_cache(maxsize=1024)
def _sources(slugs: tuple, group: str | None, by_process: bool, by_due: bool,
             by_overdue: bool) -> tuple[tuple[bool, Select], ...]:
    """The unclaimed queue of each of my groups is read from ``ix_task_candidate_queue`` alone
    (candidate rows exist only for open tasks and carry the task's assignee, due date and
    process; a task offered to several of my groups is left to the first of them), my own open
    tasks from ``ix_human_task_assignee_status``."""
    def narrowed(stmt, due, process):
        if by_process:
            stmt = stmt.where(process == _bound("process_id"))
        if by_due:
            stmt = stmt.where(due <= _bound("due_before"))
        if by_overdue:
            stmt = stmt.where(due < _bound("overdue_at"))
        return stmt

    def queue(slug: str, mine: bool, before: tuple) -> Select:
        who = TaskCandidate.assignee == _bound("user") if mine \
            else TaskCandidate.assignee.is_(None)
        stmt = (select(TaskCandidate.task_id.label("id"), TaskCandidate.due_at.label("due_at"))
                .where(TaskCandidate.group_slug == slug, who))
        if before:
            other = aliased(TaskCandidate)
            stmt = stmt.where(~exists().where(other.task_id == TaskCandidate.task_id,
                                              other.group_slug.in_(before)))
        return narrowed(stmt, TaskCandidate.due_at, TaskCandidate.process_id)

    if group:
        return ((False, queue(group, False, ())), (True, queue(group, True, ()))) \
            if group in slugs else ()
    mine = narrowed(select(HumanTask.id.label("id"), HumanTask.due_at.label("due_at"))
                    .where(HumanTask.assignee == _bound("user"),
                           HumanTask.status == TaskStatus.OPEN),
                    HumanTask.due_at, HumanTask.process_id)
    return tuple((False, queue(slug, False, slugs[:n])) for n, slug in enumerate(slugs)) \
        + ((True, mine),)


@functools.lru_cache(maxsize=1024)
def _page(shape: tuple, descending: bool) -> Select | None:
    def order(due, task_id, dated=None):
        return ((due.is_(None),) if dated is None else ()) + \
            (due.desc() if descending else due.asc(), task_id)

    parts = []
    for _, stmt in _sources(*shape):
        cols = stmt.selected_columns
        for dated in (True, False):
            first = (stmt.where(cols.due_at.is_not(None) if dated else cols.due_at.is_(None))
                     .order_by(*order(cols.due_at, cols.id, dated))
                     .limit(bindparam("first", type_=Integer())).subquery())
            parts.append(select(first.c.id, first.c.due_at))
    if not parts:
        return None
    merged = union_all(*parts).subquery()
    page = (select(merged.c.id, merged.c.due_at)
            .order_by(*order(merged.c.due_at, merged.c.id))
            .offset(bindparam("offset", type_=Integer()))
            .limit(bindparam("limit", type_=Integer())).subquery())
    return (_with_reference(select(*INBOX_ROW).join(page, HumanTask.id == page.c.id))
            .order_by(*order(page.c.due_at, page.c.id)))


@functools.lru_cache(maxsize=1024)
def _counts(shape: tuple) -> Select | None:
    parts = []
    for mine, stmt in _sources(*shape):
        overdue = stmt.where(stmt.selected_columns.due_at < _bound("now"))  # same index range
        parts += [select(literal(mine), literal(False), func.count()).select_from(stmt.subquery()),
                  select(literal(mine), literal(True), func.count()).select_from(overdue.subquery())]
    return union_all(*parts) if parts else None
